import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeFixtureDataset } from '@facial-r1/benchmarks/testing';
import { serveOpenAICompatible } from '@facial-r1/runtime/server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from './cli';
import { FixedAnswerModel } from './__fixtures__/fixed-answer-model';
import { FlakyModel } from './__fixtures__/flaky-model';
import { CLI_NODE_ARGS, runCli } from './__fixtures__/run-cli';
import { compareReports, readRunReports, renderComparison } from './compare-runs';
import { runBenchmark } from './run-benchmark';
import { RunLockedError } from './run-lock';

const cli = (args: string[], cwd: string) => runCli(args, { cwd });

describe('honest results: errors, interruptions, locks, comparisons, usage errors', () => {
  let directory: string;
  let data: string;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'fea-eval-honest-'));
    data = path.join(directory, 'data', 'rafdb');
    await writeFixtureDataset('rafdb', data);
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  it('records a model error with its reason, apart from answers, never caches it, and retries it on rerun', async () => {
    const out = path.join(directory, 'runs', 'flaky');
    const model = new FlakyModel(new Set(['test_0001_aligned.jpg', 'test_0002_aligned.jpg']));
    const first = await runBenchmark({
      benchmark: 'rafdb',
      data,
      model,
      modelId: 'flaky',
      out,
      resamples: 20,
    });
    expect(first.report.counts).toMatchObject({ samples: 14, predicted: 12, errors: 2, missing: 0 });
    const failed = first.report.rows.filter((row) => row.error !== undefined);
    expect(failed.map((row) => row.error)).toEqual(['no face found', 'no face found']);
    expect(failed.every((row) => row.text === null && row.correct === false)).toBe(true);
    expect(first.incomplete).toBe('2 of 14 samples failed with a model error');
    const predictions = (await readFile(first.files.predictions, 'utf8')).trim().split('\n');
    expect(predictions).toHaveLength(12);
    expect(predictions.some((line) => line.includes('"error"'))).toBe(false);
    const errors = (await readFile(first.files.errors, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(errors.map((record) => [record.finishReason, record.reason])).toEqual([
      ['error', 'no face found'],
      ['error', 'no face found'],
    ]);
    const markdown = await readFile(first.files.markdown, 'utf8');
    expect(markdown).toContain('## Model errors');
    expect(markdown).toMatch(/\| test_0001 \| no face found \|/);
    expect(markdown).toContain('2 model errors');
    expect(await readFile(first.files.html, 'utf8')).toContain('model error: no face found');

    // Asked not to retry: nothing is asked again and the errors stay.
    model.asked.length = 0;
    const kept = await runBenchmark({
      benchmark: 'rafdb',
      data,
      model,
      modelId: 'flaky',
      out,
      resamples: 20,
      retryErrors: false,
    });
    expect(model.asked).toEqual([]);
    expect(kept.report.counts.errors).toBe(2);

    // The default retries exactly the failed samples; once they answer, the run is complete.
    model.failing = new Set();
    const second = await runBenchmark({
      benchmark: 'rafdb',
      data,
      model,
      modelId: 'flaky',
      out,
      resamples: 20,
    });
    expect(model.asked.sort()).toEqual(['test_0001_aligned.jpg', 'test_0002_aligned.jpg']);
    expect(second.report.counts).toMatchObject({ predicted: 14, errors: 0, missing: 0 });
    expect(second.incomplete).toBeUndefined();
  });

  it('an annotation pointing outside --data is refused before the model sees it or a report embeds it', async () => {
    const root = path.join(directory, 'data', 'fea20k-escape');
    await writeFixtureDataset('fea20k', root);
    const secret = path.join(directory, 'secret.jpg');
    await writeFile(secret, await readFile(path.join(data, 'Image', 'aligned', 'test_0001_aligned.jpg')));
    const test = path.join(root, 'test.jsonl');
    const rows = (await readFile(test, 'utf8')).trim().split('\n');
    const escaping = {
      ...JSON.parse(rows[0]!),
      id: 'escape',
      image: path.relative(path.join(root, 'images'), secret),
    };
    await writeFile(test, `${[...rows, JSON.stringify(escaping)].join('\n')}\n`);
    const out = path.join(directory, 'runs', 'escape');
    const model = new FlakyModel(new Set());
    const error = await runBenchmark({
      benchmark: 'fea20k',
      data: root,
      model,
      modelId: 'm',
      out,
      resamples: 20,
    }).catch((caught: unknown) => caught);
    expect((error as Error).message).toMatch(
      new RegExp(`test\\.jsonl:${rows.length + 1}: field "image": .*outside the image root`),
    );
    expect(model.asked).toEqual([]);
    await expect(readFile(path.join(out, 'report.html'))).rejects.toThrow();
    // Asked for explicitly, it is read.
    const allowed = await runBenchmark({
      benchmark: 'fea20k',
      data: root,
      model,
      modelId: 'm',
      out,
      resamples: 20,
      allowOutsideRoot: true,
    });
    expect(model.asked).toContain('secret.jpg');
    expect(allowed.report.counts.samples).toBe(rows.length + 1);
  });

  it('a second run on the same --out is refused while the first holds the lock; a stale lock is taken over', async () => {
    const out = path.join(directory, 'runs', 'locked');
    const slow = new FixedAnswerModel(30);
    const first = runBenchmark({
      benchmark: 'rafdb',
      data,
      model: slow,
      modelId: 'slow',
      out,
      resamples: 20,
      concurrency: 1,
    });
    await new Promise((resolve) => setTimeout(resolve, 150));
    const second = await runBenchmark({
      benchmark: 'rafdb',
      data,
      model: slow,
      modelId: 'slow',
      out,
      resamples: 20,
    }).catch((caught: unknown) => caught);
    expect(second).toBeInstanceOf(RunLockedError);
    expect((second as Error).message).toMatch(
      new RegExp(`in use by another fea-eval run \\(pid ${process.pid} on ${os.hostname()}`),
    );
    await first;
    const lines = (await readFile(path.join(out, 'predictions.jsonl'), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(14);

    // A lock left by a process that is gone (same host) is stale; one from another host is not.
    const gone = spawn(process.execPath, ['-e', '']);
    const pid = gone.pid!;
    await new Promise((resolve) => gone.on('exit', resolve));
    await writeFile(path.join(out, '.lock'), JSON.stringify({ pid, host: os.hostname(), started: 'then' }));
    await expect(
      runBenchmark({ benchmark: 'rafdb', data, model: slow, modelId: 'slow', out, resamples: 20 }),
    ).resolves.toBeDefined();
    await writeFile(path.join(out, '.lock'), JSON.stringify({ pid, host: 'elsewhere', started: 'then' }));
    await expect(
      runBenchmark({ benchmark: 'rafdb', data, model: slow, modelId: 'slow', out, resamples: 20 }),
    ).rejects.toThrow(/pid \d+ on elsewhere/);
    await rm(path.join(out, '.lock'));
  });

  it('compare: no sample in common is "nothing to compare"; rows are named by run when the models are equal', async () => {
    const other = path.join(directory, 'data', 'rafdb-other');
    await writeFixtureDataset('rafdb', other);
    const a = path.join(directory, 'runs', 'cmp-a');
    const b = path.join(directory, 'runs', 'cmp-b');
    const model = new FlakyModel(new Set());
    await runBenchmark({ benchmark: 'rafdb', data, model, modelId: 'baseline', out: a, resamples: 20 });
    await runBenchmark({
      benchmark: 'rafdb',
      data,
      model,
      modelId: 'baseline',
      out: b,
      resamples: 20,
      limit: 3,
    });
    const reports = await readRunReports([a, b]);
    const table = renderComparison(reports, compareReports(reports, { resamples: 20 }), { labels: [a, b] });
    expect(table).toContain(`| ${a} |`);
    expect(table).toContain(`| ${b} |`);
    const unlabelled = renderComparison(reports, compareReports(reports, { resamples: 20 }));
    expect(unlabelled).toContain('| baseline (run 1) |');
    expect(unlabelled).toContain('| baseline (run 2) |');

    // Rewrite b's rows with ids a never scored.
    const json = JSON.parse(await readFile(path.join(b, 'report.json'), 'utf8'));
    json.rows = json.rows.map((row: { id: string }) => ({ ...row, id: `other-${row.id}` }));
    const disjoint = path.join(directory, 'runs', 'cmp-disjoint');
    await mkdir(disjoint, { recursive: true });
    await writeFile(path.join(disjoint, 'report.json'), JSON.stringify(json));
    const result = await cli(['compare', a, disjoint], directory);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no sample in common: nothing to compare/);
    expect(result.stdout).not.toMatch(/0\.000|p \(not better\)/);
  });

  it('an interrupted run (SIGINT) says so in every output, puts no number in the paper columns and exits non-zero', async () => {
    const server = await serveOpenAICompatible(new FixedAnswerModel(60));
    try {
      const out = path.join(directory, 'runs', 'interrupted');
      const child = spawn(
        process.execPath,
        [
          ...CLI_NODE_ARGS,
          'run',
          '--benchmark',
          'rafdb',
          '--data',
          data,
          '--model',
          `openai:${server.url}#fixed`,
          '--concurrency',
          '1',
          '--out',
          out,
          '--resamples',
          '20',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stdout = '';
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
      });
      child.stderr.resume();
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      for (;;) {
        const lines = await readFile(path.join(out, 'predictions.jsonl'), 'utf8').then(
          (text) => text.split('\n').filter(Boolean).length,
          () => 0,
        );
        if (lines >= 3) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      child.kill('SIGINT');
      const code = await exited;
      expect(code).toBe(1);
      const done = (await readFile(path.join(out, 'predictions.jsonl'), 'utf8')).trim().split('\n').length;
      expect(done).toBeLessThan(14);
      const phrase = `interrupted, ${done} of 14 generated`;
      expect(stdout).toContain(`INCOMPLETE: ${phrase}`);
      expect(stdout).toMatch(/partial Accuracy: /);
      const json = JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8'));
      expect(json.incomplete).toContain(phrase);
      const markdown = await readFile(path.join(out, 'report.md'), 'utf8');
      expect(markdown).toContain(`**Incomplete run: ${phrase}`);
      // The model's row in the paper's columns is empty.
      expect(markdown).toMatch(/\n\| openai:[^|]+ \|( {2}\|){11}\n/);
      const html = await readFile(path.join(out, 'report.html'), 'utf8');
      expect(html).toContain(`Incomplete run: ${phrase}`);
      expect(html).toMatch(/<tbody><tr><td>openai:[^<]+<\/td>(<td><\/td>){11}<\/tr>/);
      await expect(readFile(path.join(out, '.lock'))).rejects.toThrow();
    } finally {
      await server.close();
    }
  }, 60_000);

  it('CLI usage errors exit 2 with suggestions and no library advice; --version; a missing folder "does not exist"', async () => {
    const base = [
      'run',
      '--benchmark',
      'rafdb',
      '--data',
      data,
      '--model',
      'baseline',
      '--out',
      path.join(directory, 'runs', 'usage'),
    ];
    // In-process (main returns the exit code), so the six cases cost no process start each.
    const inProcess = async (args: string[]) => {
      let stdout = '';
      let stderr = '';
      const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
        stdout += String(chunk);
        return true;
      });
      const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
        stderr += String(chunk);
        return true;
      });
      const log = vi.spyOn(console, 'log').mockImplementation((...items) => {
        stdout += `${items.join(' ')}\n`;
      });
      const error = vi.spyOn(console, 'error').mockImplementation((...items) => {
        stderr += `${items.join(' ')}\n`;
      });
      try {
        const code = await main(['node', 'fea-eval', ...args]);
        return { code, stdout, stderr };
      } finally {
        out.mockRestore();
        err.mockRestore();
        log.mockRestore();
        error.mockRestore();
        process.exitCode = undefined;
      }
    };
    const version = await inProcess(['--version']);
    const option = await inProcess(['run', '--benchmrk', 'rafdb', '--data', data, '--model', 'baseline']);
    const provider = await inProcess([
      'run',
      '--benchmark',
      'rafdb',
      '--data',
      data,
      '--model',
      'opneai:http://x/v1#m',
    ]);
    const split = await inProcess([...base, '--split', 'tset']);
    const fold = await inProcess([
      'run',
      '--benchmark',
      'disfa',
      '--data',
      data,
      '--model',
      'baseline',
      '--fold',
      '5',
    ]);
    const missing = await inProcess([
      'run',
      '--benchmark',
      'rafdb',
      '--data',
      path.join(directory, 'no-such-folder'),
      '--model',
      'baseline',
    ]);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect(option.code).toBe(2);
    expect(option.stderr).toContain("unknown option '--benchmrk'");
    expect(option.stderr).toContain('Did you mean --benchmark?');
    expect(provider.code).toBe(2);
    expect(provider.stderr).toContain('unknown model provider "opneai" (did you mean "openai"?)');
    expect(provider.stderr).not.toContain('createModelRegistry');
    expect(split.code).toBe(2);
    expect(split.stderr).toContain('rafdb has no split "tset" (did you mean "test"?)');
    expect(fold.code).toBe(2);
    expect(fold.stderr).toContain('fold must be 0, 1 or 2, got 5');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no-such-folder does not exist');
  }, 60_000);
});
