import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../cli';
import { PlanError } from '../errors';
import { loadPlan, MAX_PLAN_BYTES, parsePlan } from './load-plan';

const valid = (workDir = 'runs/demo') => `name: demo
baseModel: Qwen/Qwen2.5-VL-7B-Instruct
workDir: ${workDir}
datasets:
  - benchmark: rafdb
    root: data/RAF-DB
`;

function caught(run: () => unknown): PlanError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(PlanError);
    return error as PlanError;
  }
  throw new Error('expected a PlanError');
}

describe('plan files: size, aliases and workDir are bounded', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'fea-plan-limits-'));
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  it('refuses a plan file over the size cap before parsing it', async () => {
    const file = path.join(directory, 'huge.yaml');
    await writeFile(file, `${valid()}# ${'x'.repeat(MAX_PLAN_BYTES)}\n`);
    const started = performance.now();
    const error = await loadPlan(file).catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(PlanError);
    expect((error as Error).message).toMatch(
      /huge\.yaml: the plan file is 1\.0 MiB; plans are at most 1 MiB/,
    );
    expect(performance.now() - started).toBeLessThan(5000); // not a timing claim: it must not parse 1 MiB of YAML first
  });

  it('refuses a billion-laughs plan naming the file and the line of the first alias', () => {
    const laughs = [
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
      'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
      'g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]',
      'name: [*g,*g,*g,*g,*g,*g,*g,*g,*g]',
    ].join('\n');
    const error = caught(() => parsePlan(laughs, '/plans/laughs.yaml'));
    expect(error.line).toBe(2);
    expect(error.message).toMatch(
      /^\/plans\/laughs\.yaml:2: the YAML aliases \(\d+ in the file\) expand to more than 100/,
    );
  });

  it('still accepts a plan with a few aliases', () => {
    const text = `${valid()}stage2: &grpo\n  engine: verl\nstage1:\n  engine: trl\n`;
    expect(parsePlan(text, '/plans/p.yaml').plan.stage2.engine).toBe('verl');
    const aliased = `defaults: &d runs/x\n${valid('*d')}`;
    expect(() => parsePlan(aliased, '/plans/p.yaml')).toThrow(/unknown field\(s\) "defaults"/);
  });

  it.each(['/etc', '../../elsewhere', 'runs/../../out'])(
    'refuses workDir %s outside the plan folder unless allowed',
    (workDir) => {
      const error = caught(() => parsePlan(valid(workDir), '/plans/project/plan.yaml'));
      expect(error.field).toBe('workDir');
      expect(error.line).toBe(3);
      expect(error.message).toContain("outside the plan's folder /plans/project");
      expect(error.message).toContain('--allow-outside-plan-dir');
      expect(
        parsePlan(valid(workDir), '/plans/project/plan.yaml', { allowOutsidePlanDir: true }).workDir,
      ).toBe(path.resolve('/plans/project', workDir));
    },
  );

  it('accepts an absolute workDir inside the plan folder', () => {
    expect(parsePlan(valid('/plans/project/runs'), '/plans/project/plan.yaml').workDir).toBe(
      '/plans/project/runs',
    );
  });

  it('fea-train: --allow-outside-plan-dir lets it through; --version; an unknown option suggests the closest', async () => {
    const file = path.join(directory, 'outside.yaml');
    await writeFile(file, valid(path.join(os.tmpdir(), 'fea-plan-outside-work')));
    let stderr = '';
    let stdout = '';
    const error = vi.spyOn(console, 'error').mockImplementation((...items) => {
      stderr += `${items.join(' ')}\n`;
    });
    const log = vi.spyOn(console, 'log').mockImplementation((...items) => {
      stdout += `${items.join(' ')}\n`;
    });
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      stdout += String(chunk);
      return true;
    });
    try {
      expect(await main(['node', 'fea-train', 'plan', file])).toBe(1);
      expect(stderr).toContain("outside the plan's folder");
      // Allowed, the plan gets past the workDir check to its data (absent in this test).
      stderr = '';
      expect(await main(['node', 'fea-train', '--allow-outside-plan-dir', 'plan', file, '--json'])).toBe(1);
      expect(stderr).not.toContain('outside the plan');
      expect(stderr).toContain('RAF-DB does not exist');
      expect(await main(['node', 'fea-train', '--version'])).toBe(0);
      expect(stdout).toMatch(/\d+\.\d+\.\d+/);
      stderr = '';
      expect(await main(['node', 'fea-train', 'launch', file, '--stage', 'grpo', '--dry-rnu'])).toBe(2);
      expect(stderr).toContain("unknown option '--dry-rnu'");
      expect(stderr).toContain('Did you mean --dry-run?');
    } finally {
      error.mockRestore();
      log.mockRestore();
      write.mockRestore();
    }
  });
});
