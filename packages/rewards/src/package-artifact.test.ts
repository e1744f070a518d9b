import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build, type Options } from 'tsup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The package as a user installs it: facs, parsers, assessment and rewards built by their own tsup configs
// (type declarations left out for speed) and laid out in a fresh node_modules, with the
// third-party dependencies linked in. Then `require`, `import` and the bin are used from there.
const run = promisify(execFile);
const packages = fileURLToPath(new URL('../../', import.meta.url));
const root = join(packages, '..');

async function installBuilt(name: string, into: string, extra: readonly string[] = []): Promise<string> {
  const source = join(packages, name);
  const config = (await import(join(source, 'tsup.config.ts'))).default as Options;
  const target = join(into, 'node_modules', '@facial-r1', name);
  await mkdir(target, { recursive: true });
  const manifest = JSON.parse(await readFile(join(source, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  await build({
    ...config,
    entry: Array.isArray(config.entry)
      ? config.entry.map((entry) => join(source, entry))
      : Object.fromEntries(
          Object.entries(config.entry as Record<string, string>).map(([name, entry]) => [
            name,
            join(source, entry),
          ]),
        ),
    outDir: join(target, 'dist'),
    dts: false,
    sourcemap: false,
    silent: true,
    config: false,
    tsconfig: join(source, 'tsconfig.json'),
    // tsup leaves a package's dependencies external when run from its folder; from here, say so.
    external: Object.keys(manifest.dependencies ?? {}),
  });
  await cp(join(source, 'package.json'), join(target, 'package.json'));
  for (const folder of extra) await cp(join(source, folder), join(target, folder), { recursive: true });
  // Third-party dependencies: linked to the copies pnpm installed for the package.
  for (const dependency of Object.keys(manifest.dependencies ?? {})) {
    if (dependency.startsWith('@facial-r1/')) continue;
    const link = join(target, 'node_modules', dependency);
    await mkdir(join(link, '..'), { recursive: true });
    await symlink(await realpath(join(source, 'node_modules', dependency)), link);
  }
  return target;
}

describe('@facial-r1/rewards as installed', () => {
  let project: string;
  let server: ChildProcess | undefined;
  beforeAll(async () => {
    project = await mkdtemp(join(tmpdir(), 'fea-rewards-artifact-'));
    await installBuilt('spec', project);
    await installBuilt('facs', project);
    await installBuilt('parsers', project);
    await installBuilt('assessment', project);
    await installBuilt('rewards', project, ['bin', 'bridges']);
    await writeFile(join(project, 'package.json'), '{"name":"user-project","private":true}');
  }, 60_000);
  afterAll(async () => {
    server?.kill('SIGTERM');
    await rm(project, { recursive: true, force: true });
  });

  it("require('@facial-r1/rewards') works (CommonJS), as the README's engine settings use it", async () => {
    const { stdout } = await run(
      process.execPath,
      [
        '-e',
        `const rewards = require('@facial-r1/rewards');
         const [result] = rewards.scoreCompletions([{ completion: '<think>AU4</think><answer>anger</answer>', sample: { labels: ['anger'], AUs: ['AU4'] } }]);
         console.log(JSON.stringify({ total: result.total, bridge: rewards.bridgePath('verl'), server: typeof rewards.createRewardServer }));`,
      ],
      { cwd: project },
    );
    const answer = JSON.parse(stdout) as { total: number; bridge: string; server: string };
    expect(answer.total).toBe(3);
    expect(answer.server).toBe('function');
    expect(answer.bridge).toBe(join(project, 'node_modules/@facial-r1/rewards/bridges/verl_reward.py'));
    await expect(readFile(answer.bridge, 'utf8')).resolves.toMatch(/def compute_score/);
  });

  it('import works (ESM)', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { PRESETS } from '@facial-r1/rewards'; console.log(Object.keys(PRESETS).join(','));`,
      ],
      { cwd: project },
    );
    expect(stdout.trim()).toBe('facial-r1,facial-r1-robust,aligned');
  });

  it('the fea-rewards bin serves as the README says', async () => {
    server = spawn(
      process.execPath,
      [
        join(project, 'node_modules/@facial-r1/rewards/bin/fea-rewards.js'),
        'serve',
        '--preset',
        'aligned',
        '--port',
        '0',
      ],
      { cwd: project, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const line = await new Promise<string>((resolve, reject) => {
      server!.once('exit', (code) => reject(new Error(`fea-rewards exited with ${code}`)));
      createInterface({ input: server!.stdout! }).once('line', resolve);
    });
    const url = /on (http:\/\/\S+)/.exec(line)?.[1];
    expect(url, line).toBeDefined();
    const response = await fetch(`${url}/score`, {
      method: 'POST',
      body: JSON.stringify({
        items: [
          {
            completion: '<think>AU4</think><answer>anger</answer>',
            sample: { labels: ['anger'], AUs: ['AU4'] },
          },
        ],
      }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { preset: string }).preset).toBe('aligned');
  });
});

describe('every bin is reachable as documented', () => {
  it('each package bin has a root script running it (`pnpm fea-rewards ...`)', async () => {
    const rootManifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    const manifests = ['packages/rewards', 'apps/evaluator', 'apps/trainer'];
    for (const folder of manifests) {
      const manifest = JSON.parse(await readFile(join(root, folder, 'package.json'), 'utf8')) as {
        bin?: Record<string, string>;
      };
      for (const [name, file] of Object.entries(manifest.bin ?? {})) {
        expect(rootManifest.scripts[name], name).toBe(`node ${join(folder, file).replace(/\\/g, '/')}`);
      }
    }
  });
});
