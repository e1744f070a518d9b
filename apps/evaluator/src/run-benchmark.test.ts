import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isCurrentAssessment } from '@facial-r1/assessment';
import type { BenchmarkId } from '@facial-r1/benchmarks';
import { writeFixtureDataset } from '@facial-r1/benchmarks/testing';
import { createOpenAICompatibleModel } from '@facial-r1/runtime/openai';
import { type OpenAICompatibleServer, serveOpenAICompatible } from '@facial-r1/runtime/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixedAnswerModel } from './__fixtures__/fixed-answer-model';
import { runCli } from './__fixtures__/run-cli';
import { compareReports, readRunReports, renderComparison } from './compare-runs';
import { runBenchmark } from './run-benchmark';

const cli = (args: string[], cwd: string) => runCli(args, { cwd });

describe('fea-eval run end to end (fixture datasets in native layouts, a real local OpenAI-compatible server)', () => {
  let directory: string;
  let server: OpenAICompatibleServer;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'fea-eval-'));
    server = await serveOpenAICompatible(new FixedAnswerModel());
    for (const id of ['rafdb', 'fer2013', 'disfa', 'fea20k'] as BenchmarkId[])
      await writeFixtureDataset(id, path.join(directory, 'data', id));
  });
  afterAll(async () => {
    await server.close();
    await rm(directory, { recursive: true, force: true });
  });
  const model = () => createOpenAICompatibleModel({ baseURL: server.url, model: 'fixed-answer' });
  const modelId = () => `openai:${server.url}#fixed-answer`;

  it.each([
    ['rafdb', 'accuracy', 2 / 14],
    ['fer2013', 'accuracy', 2 / 14],
    ['fea20k', 'rougeL', null],
  ] as const)('%s: predictions, report.json and report.md', async (benchmark, metric, expected) => {
    const out = path.join(directory, 'runs', benchmark);
    const result = await runBenchmark({
      benchmark,
      data: path.join(directory, 'data', benchmark),
      model: model(),
      modelId: modelId(),
      out,
      resamples: 100,
    });
    expect(result.generated).toBe(result.report.counts.samples);
    const headline = result.report.headline[metric]!;
    if (expected !== null) expect(headline.value).toBeCloseTo(expected, 12);
    else expect(headline.value).toBeGreaterThan(0.1);
    const json = JSON.parse(await readFile(result.files.json, 'utf8'));
    expect(json.run).toMatchObject({ model: modelId(), promptVersion: 'fea-prompt-v1' });
    expect(await readFile(result.files.markdown, 'utf8')).toContain('| Model | DISFA |');
    const predictions = (await readFile(result.files.predictions, 'utf8')).trim().split('\n');
    expect(predictions).toHaveLength(result.report.counts.samples);
    // Each prediction keeps its Assessment, and the report uses it rather than parsing again.
    for (const line of predictions) {
      const record = JSON.parse(line);
      expect(isCurrentAssessment(record.assessment)).toBe(true);
      const row = result.report.rows.find((candidate) => candidate.id === record.id)!;
      expect(row.assessment).toEqual(record.assessment);
    }
  });

  it('disfa: AU F1 over the 8-AU protocol from the reasoning', async () => {
    const result = await runBenchmark({
      benchmark: 'disfa',
      data: path.join(directory, 'data', 'disfa'),
      fold: 0,
      model: model(),
      modelId: modelId(),
      out: path.join(directory, 'runs', 'disfa'),
      resamples: 100,
    });
    expect(result.report.au!.perAu.AU6).toBeDefined();
    expect(result.report.headline.auF1!.value).toBeGreaterThanOrEqual(0);
    expect(Object.keys(result.report.au!.perAu)).toEqual([
      'AU1',
      'AU2',
      'AU4',
      'AU6',
      'AU9',
      'AU12',
      'AU25',
      'AU26',
    ]);
  });

  it('resumes an interrupted run without recomputing finished samples', async () => {
    const slow = await serveOpenAICompatible(new FixedAnswerModel(20));
    try {
      const out = path.join(directory, 'runs', 'resume');
      const controller = new AbortController();
      const slowModel = createOpenAICompatibleModel({ baseURL: slow.url, model: 'fixed-answer' });
      await runBenchmark({
        benchmark: 'rafdb',
        data: path.join(directory, 'data', 'rafdb'),
        model: slowModel,
        modelId: 'slow',
        out,
        concurrency: 1,
        signal: controller.signal,
        onProgress: (done) => {
          if (done === 5) controller.abort();
        },
      }).catch(() => undefined);
      const finished = (await readFile(path.join(out, 'predictions.jsonl'), 'utf8'))
        .trim()
        .split('\n').length;
      expect(finished).toBeGreaterThanOrEqual(5);
      const before = slow.stats.requests;
      const result = await runBenchmark({
        benchmark: 'rafdb',
        data: path.join(directory, 'data', 'rafdb'),
        model: slowModel,
        modelId: 'slow',
        out,
        resamples: 50,
      });
      expect(result.cached).toBe(finished);
      expect(result.generated).toBe(14 - finished);
      expect(slow.stats.requests - before).toBe(14 - finished);
    } finally {
      await slow.close();
    }
  });

  it('compares runs with paired deltas and the published rows', async () => {
    const reports = await readRunReports([
      path.join(directory, 'runs', 'rafdb'),
      path.join(directory, 'runs', 'resume'),
    ]);
    const compared = compareReports(reports, { resamples: 100 });
    expect(compared.find((metric) => metric.key === 'accuracy')!.deltas[1]).toMatchObject({ value: 0 });
    const table = renderComparison(reports, compared, { againstPaper: true });
    expect(table).toContain('| Facial-R1 (paper) |');
    expect(table).toContain('92.1');
  });

  it('CLI: --help with examples, exit 2 for an unknown benchmark with a suggestion, exit 1 for an unreachable model', async () => {
    const help = await cli(['run', '--help'], directory);
    expect(help.stdout).toContain('--benchmark <id>');
    const unknown = await cli(
      ['run', '--benchmark', 'rafbd', '--data', 'data/rafdb', '--model', modelId()],
      directory,
    );
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/did you mean "rafdb"/);
    const wrongRoot = await cli(
      ['run', '--benchmark', 'rafdb', '--data', 'nowhere', '--model', modelId()],
      directory,
    );
    expect(wrongRoot.code).toBe(1);
    expect(wrongRoot.stderr).toMatch(/nowhere does not exist; pass the RAF-DB folder you downloaded/);
    const unreachable = await cli(
      [
        'run',
        '--benchmark',
        'rafdb',
        '--data',
        'data/rafdb',
        '--model',
        'openai:http://127.0.0.1:9/v1#m?retries=0',
        '--limit',
        '1',
        '--out',
        'runs/unreachable',
      ],
      directory,
    );
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:9\/v1\/chat\/completions/);
    const ok = await cli(
      [
        'run',
        '--benchmark',
        'rafdb',
        '--data',
        'data/rafdb',
        '--model',
        modelId(),
        '--out',
        'runs/cli',
        '--json',
        '--resamples',
        '50',
      ],
      directory,
    );
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).headline.accuracy.value).toBeCloseTo(2 / 14, 12);
  });
});
