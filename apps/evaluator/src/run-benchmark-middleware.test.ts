import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeFixtureDataset } from '@facial-r1/benchmarks/testing';
import { type ModelMiddleware, wrapModel } from '@facial-r1/runtime';
import { MockModel } from '@facial-r1/spec/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PredictionRecord, runBenchmark } from './run-benchmark';

const face = {
  box: { x: 4, y: 6, width: 50, height: 52 },
  detectionScore: 0.97,
  auProbabilities: { AU6: 0.91, AU12: 0.88, AU4: 0.07 },
  presentAus: ['AU6', 'AU12'],
  emotionProbabilities: { happiness: 0.8, neutral: 0.15, sadness: 0.05 },
  label: 'happiness',
};

/** Adds what a backend reports beside the text: structured metadata and a finish reason. */
const withMetadata = (finishReason: 'stop' | 'length'): ModelMiddleware => ({
  async wrapGenerate({ request, next }) {
    const result = await next(request);
    return {
      results: result.results.map((prompt) => ({
        ...prompt,
        completions: prompt.completions.map((completion) => ({
          ...completion,
          finishReason,
          providerMetadata: { faces: [face], face: 0, image: { width: 64, height: 64 } },
        })),
      })),
    };
  },
});

describe('fea-eval run: model calls through the middleware, what predictions.jsonl keeps', () => {
  let directory: string;
  let data: string;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'fea-eval-mw-'));
    data = path.join(directory, 'rafdb');
    await writeFixtureDataset('rafdb', data);
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  it('never has more than --concurrency model calls in flight, and asks each sample once', async () => {
    const model = new MockModel({ delayMs: 5 });
    const result = await runBenchmark({
      benchmark: 'rafdb',
      data,
      model,
      modelId: 'mock',
      out: path.join(directory, 'bounded'),
      concurrency: 3,
      resamples: 20,
    });
    expect(result.generated).toBe(14);
    expect(model.requests).toHaveLength(14);
    expect(model.maxInFlight).toBe(3);
  });

  it('stores finish reason, token counts and provider metadata beside the text; the HTML shows the measured faces', async () => {
    const out = path.join(directory, 'metadata');
    await runBenchmark({
      benchmark: 'rafdb',
      data,
      model: wrapModel(new MockModel(), withMetadata('length')),
      modelId: 'mock',
      out,
      resamples: 20,
      limit: 2,
    });
    const records = (await readFile(path.join(out, 'predictions.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as PredictionRecord);
    expect(records).toHaveLength(2);
    for (const record of records) {
      expect(record.finishReason).toBe('length');
      expect(record.completionTokens).toBeGreaterThan(0);
      expect(record.promptTokens).toBeGreaterThan(0);
      expect(record.providerMetadata).toEqual({ faces: [face], face: 0, image: { width: 64, height: 64 } });
      expect(record.assessment).toBeDefined();
    }
    const html = await readFile(path.join(out, 'report.html'), 'utf8');
    expect(html).toContain('<table class="measured">');
    expect(html).toContain('<td>face 1 (answered)</td><td>4,6 50x52</td><td>happiness</td>');
    expect(html).toContain('happiness 80%, neutral 15%, sadness 5%');
    expect(html).toContain('<b>AU6 91%</b>, <b>AU12 88%</b>, AU4 7%');
    expect(html).toContain('cut at the token limit');
  });

  it('reads a predictions.jsonl written before these fields existed (no tokens, no metadata, no assessment)', async () => {
    const out = path.join(directory, 'old');
    await runBenchmark({
      benchmark: 'rafdb',
      data,
      model: new MockModel(),
      modelId: 'mock',
      out,
      resamples: 20,
    });
    const file = path.join(out, 'predictions.jsonl');
    const old = (await readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => {
        const { key, id, model, promptHash, text, finishReason, ms } = JSON.parse(line) as PredictionRecord;
        return JSON.stringify({ key, id, model, promptHash, text, finishReason, ms });
      });
    await writeFile(file, `${old.join('\n')}\n`);
    const again = new MockModel();
    const result = await runBenchmark({
      benchmark: 'rafdb',
      data,
      model: again,
      modelId: 'mock',
      out,
      resamples: 20,
    });
    expect(again.requests).toHaveLength(0);
    expect(result.cached).toBe(14);
    expect(result.report.counts).toMatchObject({ samples: 14, predicted: 14, missing: 0 });
    const html = await readFile(path.join(out, 'report.html'), 'utf8');
    expect(html).not.toContain('<table class="measured">');
    expect(html).not.toContain('tokens');
  });

  it('a model call that throws fails the run with that error, cancels the queued calls and records nothing for them', async () => {
    let calls = 0;
    const model = new MockModel({
      delayMs: 2,
      respond: () => {
        calls += 1;
        if (calls === 2) throw new Error('server went away');
        return '<think>The lip corners are pulled up (AU12).</think><answer>happiness</answer>';
      },
    });
    const out = path.join(directory, 'failing');
    await expect(
      runBenchmark({ benchmark: 'rafdb', data, model, modelId: 'mock', out, concurrency: 1, resamples: 20 }),
    ).rejects.toThrow('server went away');
    expect(model.requests.length).toBeLessThan(14);
    const lines = (await readFile(path.join(out, 'predictions.jsonl'), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(1);
    await expect(readFile(path.join(out, '.lock'))).rejects.toThrow();
  });
});
