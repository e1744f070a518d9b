import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeFixtureDataset } from '@facial-r1/benchmarks/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from './cli';

// Exit codes come from each error's category (`exitCodeFor`), not from lists of codes.
describe('fea-eval exit codes follow the error category', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'fea-eval-exit-'));
    await writeFixtureDataset('rafdb', path.join(directory, 'rafdb'));
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  const runWith = async (benchmark: string, model: string) => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const code = await main([
        'node',
        'fea-eval',
        'run',
        '--benchmark',
        benchmark,
        '--data',
        path.join(directory, 'rafdb'),
        '--model',
        model,
        '--out',
        path.join(directory, 'out'),
      ]);
      return { code, stderr: errors.mock.calls.map((call) => call.join(' ')).join('\n') };
    } finally {
      errors.mockRestore();
    }
  };

  it('a misspelt model provider is a usage error (2), like a misspelt benchmark', async () => {
    const model = await runWith('rafdb', 'basline');
    expect(model.stderr).toMatch(/unknown model provider "basline"/);
    expect(model.code).toBe(2);
    const benchmark = await runWith('rafdbb', 'baseline');
    expect(benchmark.stderr).toMatch(/did you mean "rafdb"/);
    expect(benchmark.code).toBe(2);
  });

  it('a malformed model id is a usage error (2)', async () => {
    expect((await runWith('rafdb', 'openai:#')).code).toBe(2);
  });
});
