// Every README statement that can be run is run, so the READMEs cannot go stale:
// - each ```ts block runs through tsx against src/ (from the README's own package, so its imports
//   resolve as a user's would), and each top-level line written `expression; // value` asserts the
//   value it documents;
// - each `fea-eval` / `fea-train` command line in a ```sh block is parsed by the real CLI program
//   (subcommand, options, required options, option values), with the actions replaced, and each
//   `pnpm <script>` / `pnpm --filter <package> <script>` names a script that exists;
// - the safe commands (`list`, `--help`, `--version`, `init`, a plan check and a dry run on the
//   `init` example) are run through the real bins.
// A block that needs what a test machine lacks (a GPU, a model server, a dataset download) carries
// `<!-- readme-check: skip: <reason> -->` on the line before its fence; the test prints the reason.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createProgram as createEvaluatorProgram } from '../../../apps/evaluator/src/cli';
import { createProgram as createTrainerProgram } from '../../../apps/trainer/src/cli';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const tsx = createRequire(import.meta.url).resolve('tsx');

interface Block {
  readonly file: string;
  readonly line: number;
  readonly lang: string;
  readonly code: string;
  /** The reason given in a `<!-- readme-check: skip: ... -->` marker, if any. */
  readonly skip?: string;
}

const readmes = [
  'README.md',
  ...['packages', 'apps', 'tooling'].flatMap((folder) =>
    readdirSync(path.join(root, folder), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => `${folder}/${entry.name}/README.md`)
      .filter((file) => {
        try {
          readFileSync(path.join(root, file));
          return true;
        } catch {
          return false;
        }
      }),
  ),
];

function blocksOf(file: string): Block[] {
  const lines = readFileSync(path.join(root, file), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let index = 0; index < lines.length; index += 1) {
    const open = /^```(\w+)\s*$/.exec(lines[index]!);
    if (!open) continue;
    const start = index;
    let end = index + 1;
    while (end < lines.length && !/^```\s*$/.test(lines[end]!)) end += 1;
    let previous = start - 1;
    while (previous >= 0 && lines[previous]!.trim() === '') previous -= 1;
    const marker = previous >= 0 ? /<!--\s*readme-check:\s*skip:\s*(.*?)\s*-->/.exec(lines[previous]!) : null;
    blocks.push({
      file,
      line: start + 1,
      lang: open[1]!,
      code: lines.slice(start + 1, end).join('\n'),
      ...(marker ? { skip: marker[1]! } : {}),
    });
    index = end;
  }
  return blocks;
}

const allBlocks = readmes.flatMap(blocksOf);
const tsBlocks = allBlocks.filter((block) => block.lang === 'ts' || block.lang === 'typescript');
const shellBlocks = allBlocks.filter((block) => ['sh', 'bash', 'shell', 'console'].includes(block.lang));

/** The documented value of a `// value` comment, when it starts with a JS literal; undefined otherwise. */
function documentedValue(comment: string): { value: unknown } | undefined {
  const text = comment.trim();
  let literal: string | undefined;
  if (/^(null|true|false)\b/.test(text)) literal = /^(null|true|false)/.exec(text)![0];
  else if (/^-?\d/.test(text)) literal = /^-?\d+(\.\d+)?(?![\d,])/.exec(text)?.[0];
  else if (text[0] === "'" || text[0] === '"')
    literal = new RegExp(`^${text[0]}[^${text[0]}]*${text[0]}`).exec(text)?.[0];
  else if (text[0] === '[' || text[0] === '{') {
    let depth = 0;
    let quote: string | undefined;
    for (let index = 0; index < text.length; index += 1) {
      const character = text[index]!;
      if (quote) {
        if (character === quote) quote = undefined;
        continue;
      }
      if (character === "'" || character === '"') quote = character;
      else if (character === '[' || character === '{') depth += 1;
      else if (character === ']' || character === '}') {
        depth -= 1;
        if (depth === 0) {
          literal = text.slice(0, index + 1);
          break;
        }
      }
    }
  }
  if (literal === undefined || literal.includes('...')) return undefined;
  try {
    return { value: new Function(`return (${literal});`)() };
  } catch {
    return undefined; // prose such as `{ value, low, high }`, not a literal
  }
}

/** The block with each top-level `expression; // value` line turned into an assertion. */
function withAssertions(block: Block): { source: string; checks: number } {
  let checks = 0;
  const lines = block.code.split('\n').map((line, index) => {
    const match = /^([A-Za-z_$][^;]*?);\s*\/\/\s*(.+)$/.exec(line);
    if (
      !match ||
      /^(const|let|var|import|export|await|for|if|return)\b/.test(match[1]!) ||
      /[^=!<>]=[^=>]/.test(match[1]!)
    )
      return line;
    const documented = documentedValue(match[2]!);
    if (!documented) return line;
    checks += 1;
    const expression = /^console\.log\((.*)\)$/.exec(match[1]!)?.[1] ?? match[1]!;
    const where = `${block.file}:${block.line + 1 + index}`;
    return `__readmeCheck(() => (${expression}), ${JSON.stringify(JSON.stringify(documented.value))}, ${JSON.stringify(where)});`;
  });
  const prelude = `import { deepStrictEqual as __deepStrictEqual } from 'node:assert';\n`;
  const helper = `
function __readmeCheck(compute: () => unknown, expected: string, where: string): void {
  const actual = compute();
  __deepStrictEqual(JSON.parse(JSON.stringify(actual === undefined ? null : actual)), JSON.parse(expected), \`\${where}: the README says \${expected}, the code gives \${JSON.stringify(actual)}\`);
}
`;
  return { source: `${prelude}${lines.join('\n')}\n${helper}`, checks };
}

describe('README TypeScript examples run as written', () => {
  it('finds the examples', () => {
    expect(tsBlocks.length).toBeGreaterThan(5);
  });
  for (const block of tsBlocks) {
    const name = `${block.file}:${block.line}`;
    if (block.skip) {
      it.skip(`${name} (skipped in the README: ${block.skip})`, () => {});
      continue;
    }
    it(name, async () => {
      const { source, checks } = withAssertions(block);
      const packageFolder = path.join(root, path.dirname(block.file));
      const file = path.join(packageFolder, `.readme-check-${block.line}.ts`);
      const cwd = await mkdtemp(path.join(os.tmpdir(), 'fea-readme-'));
      await writeFile(file, source);
      try {
        const result = await run(
          process.execPath,
          ['--conditions=@facial-r1/source', '--import', tsx, file],
          {
            cwd,
            timeout: 120_000,
            maxBuffer: 64 * 1024 * 1024,
          },
        ).catch((error: { stderr?: string; message: string }) => {
          throw new Error(`${name}: the example fails:\n${error.stderr || error.message}`);
        });
        expect(result).toBeDefined();
        if (checks) console.log(`${name}: ${checks} documented value(s) checked`);
      } finally {
        await rm(file, { force: true });
        await rm(cwd, { recursive: true, force: true });
      }
    }, 180_000);
  }
});

/** Shell words of one command line: quotes, `$VAR` from earlier assignments, a trailing `# comment` dropped. */
function words(line: string, variables: ReadonlyMap<string, string>): string[] {
  const result: string[] = [];
  let current = '';
  let started = false;
  let quote: string | undefined;
  for (let index = 0; index < line.length; index += 1) {
    const character = line[index]!;
    if (quote) {
      if (character === quote) quote = undefined;
      else if (character === '$' && quote === '"') {
        const name = /^\$(\w+)/.exec(line.slice(index))![1]!;
        current += variables.get(name) ?? '';
        index += name.length;
      } else current += character;
      continue;
    }
    if (character === "'" || character === '"') {
      quote = character;
      started = true;
    } else if (character === '#' && !started && current === '') break;
    else if (/\s/.test(character)) {
      if (started) result.push(current);
      current = '';
      started = false;
    } else if (character === '$') {
      const name = /^\$(\w+)/.exec(line.slice(index))?.[1];
      if (name) {
        current += variables.get(name) ?? '';
        index += name.length;
      } else current += character;
      started = true;
    } else {
      current += character;
      started = true;
    }
  }
  if (started) result.push(current);
  return result;
}

interface CommandLine {
  readonly where: string;
  readonly argv: readonly string[];
}

/** Every command of the shell blocks (continuations joined, `&&` split), with where it is written. */
function commandLines(): { lines: CommandLine[]; skipped: string[] } {
  const lines: CommandLine[] = [];
  const skipped: string[] = [];
  for (const block of shellBlocks) {
    if (block.skip) {
      skipped.push(`${block.file}:${block.line} (${block.skip})`);
      continue;
    }
    const variables = new Map<string, string>();
    const raw = block.code.split('\n');
    for (let index = 0; index < raw.length; index += 1) {
      const start = index;
      let text = raw[index]!;
      while (text.endsWith('\\') && index + 1 < raw.length) {
        index += 1;
        text = `${text.slice(0, -1)} ${raw[index]!.trim()}`;
      }
      const assignment = /^(\w+)="([^"]*)"\s*$/.exec(text.trim());
      if (assignment) {
        variables.set(assignment[1]!, assignment[2]!);
        continue;
      }
      for (const part of text.split('&&')) {
        const argv = words(part.trim().replace(/^\$ /, ''), variables);
        if (argv.length) lines.push({ where: `${block.file}:${block.line + 1 + start}`, argv });
      }
    }
  }
  return { lines, skipped };
}

const programs = {
  'fea-eval': createEvaluatorProgram,
  'fea-train': createTrainerProgram,
} as const;

/** Parses `args` with the real program, every action replaced by a no-op: the error, or undefined. */
async function parseOnly(
  create: () => ReturnType<typeof createEvaluatorProgram>,
  args: readonly string[],
): Promise<string | undefined> {
  const program = create().exitOverride();
  const silence = { writeOut: () => {}, writeErr: () => {} };
  program.configureOutput(silence);
  for (const command of program.commands) {
    command.exitOverride().configureOutput(silence);
    command.action(() => {});
  }
  try {
    await program.parseAsync(['node', program.name(), ...args]);
    return undefined;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help')
      return undefined;
    return (error as Error).message;
  }
}

describe('README command lines match the CLIs and the scripts', () => {
  const { lines, skipped } = commandLines();
  const rootPackage = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const workspacePackages = new Map(
    ['packages', 'apps', 'tooling'].flatMap((folder) =>
      readdirSync(path.join(root, folder)).flatMap((name) => {
        try {
          const json = JSON.parse(readFileSync(path.join(root, folder, name, 'package.json'), 'utf8'));
          return [[json.name as string, (json.scripts ?? {}) as Record<string, string>] as const];
        } catch {
          return [];
        }
      }),
    ),
  );

  it('finds the command lines', () => {
    if (skipped.length) console.log(`shell blocks skipped in the READMEs: ${skipped.join('; ')}`);
    expect(lines.filter((line) => ['fea-eval', 'fea-train'].includes(line.argv[0]!)).length).toBeGreaterThan(
      5,
    );
  });

  it('every fea-eval / fea-train line parses with the real program', async () => {
    const failures: string[] = [];
    for (const { where, argv } of lines) {
      const [bin, ...args] = argv[0] === 'pnpm' && (argv[1] ?? '') in programs ? argv.slice(1) : argv;
      const create = programs[bin as keyof typeof programs];
      if (!create) continue;
      const error = await parseOnly(create, args);
      if (error) failures.push(`${where}: \`${argv.join(' ')}\`: ${error}`);
    }
    expect(failures).toEqual([]);
  });

  it("the examples in each CLI's --help parse too", async () => {
    const failures: string[] = [];
    for (const [bin, create] of Object.entries(programs)) {
      let help = '';
      const program = create();
      program.configureOutput({ writeOut: (text) => (help += text), writeErr: () => {} });
      program.exitOverride();
      try {
        program.parse(['node', bin, '--help']);
      } catch {
        // --help exits through exitOverride
      }
      const examples = help.split('Examples:')[1] ?? '';
      const lines = examples
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line.startsWith(`${bin} `));
      expect(lines.length, `${bin} --help has examples`).toBeGreaterThan(2);
      for (const line of lines) {
        // Text after two spaces is the example's description, not part of the command.
        const argv = words(line.split(/\s{2,}/)[0]!, new Map());
        const error = await parseOnly(create, argv.slice(1));
        if (error) failures.push(`${bin} --help: \`${argv.join(' ')}\`: ${error}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('every pnpm script a README names exists', () => {
    const failures: string[] = [];
    const builtIn = new Set(['install', 'i', 'add', 'exec', 'dlx', 'run', 'why', 'list']);
    for (const { where, argv } of lines) {
      if (argv[0] !== 'pnpm') continue;
      const filter = argv.indexOf('--filter');
      if (filter >= 0) {
        const name = argv[filter + 1]!;
        const script = argv[filter + 2]!;
        const scripts = workspacePackages.get(name);
        if (!scripts) failures.push(`${where}: no workspace package ${name}`);
        else if (!(script in scripts) && !builtIn.has(script))
          failures.push(`${where}: ${name} has no script "${script}"`);
        continue;
      }
      const script = argv[1]!;
      if (!builtIn.has(script) && !(script in rootPackage.scripts))
        failures.push(`${where}: the root package.json has no script "${script}"`);
    }
    expect(failures).toEqual([]);
  });
});

describe('the safe documented commands run through the real bins', () => {
  const bin = (name: 'evaluator' | 'trainer') => path.join(root, 'apps', name, 'src', 'bin.ts');
  const cli = (name: 'evaluator' | 'trainer', args: string[], cwd: string) =>
    run(process.execPath, ['--conditions=@facial-r1/source', '--import', tsx, bin(name), ...args], {
      cwd,
      timeout: 120_000,
    });

  it('fea-eval list, --help and --version; fea-train init, plan and a dry run on the example it writes', async () => {
    const cwd = await mkdtemp(path.join(os.tmpdir(), 'fea-readme-bins-'));
    try {
      const list = await cli('evaluator', ['list'], cwd);
      for (const id of ['rafdb', 'disfa', 'fea20k']) expect(list.stdout).toContain(id);
      expect((await cli('evaluator', ['run', '--help'], cwd)).stdout).toContain('--benchmark <id>');
      expect((await cli('evaluator', ['--version'], cwd)).stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
      await cli('trainer', ['init', 'example'], cwd);
      const plan = await cli('trainer', ['plan', 'example/plan.yaml'], cwd);
      expect(plan.stdout.length).toBeGreaterThan(0);
      const dryRun = await cli(
        'trainer',
        ['launch', 'example/plan.yaml', '--stage', 'grpo', '--dry-run'],
        cwd,
      );
      expect(dryRun.stdout.length).toBeGreaterThan(0);
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  }, 300_000);
});
