import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeFixtureDataset } from '@facial-r1/benchmarks/testing';
import { serveOpenAICompatible } from '@facial-r1/runtime/server';
import { describe, expect, it } from 'vitest';
import { FixedAnswerModel } from './__fixtures__/fixed-answer-model';
import { CLI_NODE_ARGS } from './__fixtures__/run-cli';

describe('fea-eval run killed with SIGKILL', () => {
  it('resumes without asking the model again for finished samples', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'fea-eval-kill-'));
    const server = await serveOpenAICompatible(new FixedAnswerModel(40));
    try {
      await writeFixtureDataset('rafdb', path.join(directory, 'rafdb'), { perClass: 3 });
      const args = [
        ...CLI_NODE_ARGS,
        'run',
        '--benchmark',
        'rafdb',
        '--data',
        'rafdb',
        '--model',
        `openai:${server.url}#fixed`,
        '--concurrency',
        '1',
        '--out',
        'run',
        '--resamples',
        '50',
      ];
      const predictions = path.join(directory, 'run', 'predictions.jsonl');
      const child = spawn(process.execPath, args, { cwd: directory, stdio: 'ignore' });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      for (;;) {
        const lines = await readFile(predictions, 'utf8').then(
          (text) => text.split('\n').filter(Boolean).length,
          () => 0,
        );
        if (lines >= 5) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      child.kill('SIGKILL');
      expect(await exited).toBeNull();
      const finished = (await readFile(predictions, 'utf8')).split('\n').filter((line) => line.trim()).length;
      expect(finished).toBeGreaterThanOrEqual(5);
      expect(finished).toBeLessThan(21);
      const before = server.stats.requests;
      const rerun = spawn(process.execPath, args, { cwd: directory, stdio: 'ignore' });
      expect(await new Promise((resolve) => rerun.on('exit', resolve))).toBe(0);
      expect(server.stats.requests - before).toBe(21 - finished);
      const ids = (await readFile(predictions, 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).id);
      expect(new Set(ids).size).toBe(21);
      expect((await stat(path.join(directory, 'run', 'report.html'))).size).toBeGreaterThan(1000);
    } finally {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    }
  }, 60_000);
});
