import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), 'bin.ts');
const run = (...args: string[]) =>
  spawnSync(process.execPath, ['--conditions=@facial-r1/source', '--import', 'tsx', bin, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });

describe('fea-rewards', () => {
  it('--version prints the package version', () => {
    const result = run('--version');
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('usage errors exit 2: a misspelt option (with the closest one) and an unknown preset', () => {
    const misspelt = run('serve', '--prset', 'aligned');
    expect(misspelt.status).toBe(2);
    expect(misspelt.stderr).toContain('--preset');
    const preset = run('serve', '--preset', 'nope');
    expect(preset.status).toBe(2);
    expect(preset.stderr).toMatch(/unknown reward preset "nope"; known: facial-r1/);
  });
});
