import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import {
  type BenchmarkSample,
  bootstrapMean,
  type EvaluationReport,
  evaluate,
  getBenchmark,
  type LoadOptions,
  renderMarkdownReport,
} from '@facial-r1/benchmarks';
import { createJsonlAppender, readJsonl, writeFileAtomic } from '@facial-r1/dataset';
import { buildGrpoPrompt, PROMPT_VERSION } from '@facial-r1/parsers';
import type { FeaModel } from '@facial-r1/runtime';
import { runPool } from '@facial-r1/synthesis';
import { renderHtmlReport } from './html-report';
import { judgeRows } from './judge';

/** One cached model output (a line of `predictions.jsonl`). */
export interface PredictionRecord {
  /** `<sample id>|<model id>|<prompt hash>`: the cache key. */
  readonly key: string;
  readonly id: string;
  readonly model: string;
  readonly promptHash: string;
  readonly text: string;
  readonly finishReason: string;
  readonly ms: number;
}

/** Options of {@link runBenchmark}. */
export interface RunBenchmarkOptions extends Pick<LoadOptions, 'split' | 'fold' | 'subjects' | 'limit'> {
  readonly benchmark: string;
  readonly data: string;
  readonly model: FeaModel;
  /** The id the model was resolved from (recorded in the report and the cache key). */
  readonly modelId: string;
  readonly out: string;
  readonly concurrency?: number;
  readonly maxTokens?: number;
  readonly resamples?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (done: number, total: number) => void;
  /** An LLM judge for the reasoning score (samples with a reference `description` only). */
  readonly judge?: { readonly model: FeaModel; readonly modelId: string };
}

/** What a run produced. */
export interface RunBenchmarkResult {
  readonly report: EvaluationReport;
  readonly generated: number;
  readonly cached: number;
  readonly files: {
    readonly predictions: string;
    readonly json: string;
    readonly markdown: string;
    readonly html: string;
  };
}

async function writeAtomic(file: string, text: string) {
  await writeFileAtomic(file, text);
}

/**
 * Runs a model on a benchmark split: samples through the adapter, the GRPO prompt with the
 * benchmark's emotion list, generation with bounded concurrency, predictions appended
 * crash-safely to `<out>/predictions.jsonl` keyed by sample id + model + prompt hash (a rerun
 * generates only what is missing), then `evaluate` and `report.json` / `report.md` / `report.html`.
 */
export async function runBenchmark(options: RunBenchmarkOptions): Promise<RunBenchmarkResult> {
  const adapter = getBenchmark(options.benchmark);
  const samples: BenchmarkSample[] = [];
  for await (const sample of adapter.load(options.data, {
    split: options.split,
    fold: options.fold,
    subjects: options.subjects,
    limit: options.limit,
  }))
    samples.push(sample);
  const prompt = buildGrpoPrompt({ emotions: adapter.labelSet.emotions });
  const promptHash = createHash('sha256').update(`${PROMPT_VERSION}\n${prompt}`).digest('hex').slice(0, 16);
  await mkdir(options.out, { recursive: true });
  const predictionsFile = path.join(options.out, 'predictions.jsonl');
  const keyOf = (id: string) => `${id}|${options.modelId}|${promptHash}`;
  const appender = await createJsonlAppender<PredictionRecord>(predictionsFile, {
    key: (record) => record.key,
  });
  const pending = samples.filter((sample) => !appender.has(keyOf(sample.id)));
  const cached = samples.length - pending.length;
  let done = cached;
  options.onProgress?.(done, samples.length);
  try {
    await runPool(
      pending,
      options.concurrency ?? 4,
      async (sample) => {
        const started = performance.now();
        const result = await options.model.doGenerate({
          prompts: [
            {
              messages: [{ role: 'user', content: [{ type: 'image' }, { type: 'text', text: prompt }] }],
              images: [sample.image],
            },
          ],
          sampling: { n: 1, temperature: 0, maxTokens: options.maxTokens ?? 1024 },
          signal: options.signal,
        });
        const completion = result.results[0]?.completions[0];
        await appender.append({
          key: keyOf(sample.id),
          id: sample.id,
          model: options.modelId,
          promptHash,
          text: completion?.text ?? '',
          finishReason: completion?.finishReason ?? 'error',
          ms: Math.round(performance.now() - started),
        });
        done += 1;
        options.onProgress?.(done, samples.length);
      },
      options.signal,
    );
  } finally {
    await appender.close();
  }
  const predictions = new Map<string, string>();
  for await (const record of readJsonl<PredictionRecord>(predictionsFile)) {
    if (record.model === options.modelId && record.promptHash === promptHash)
      predictions.set(record.id, record.text);
  }
  let report = evaluate(
    samples,
    [...predictions].map(([id, text]) => ({ id, text })),
    adapter,
    { resamples: options.resamples ?? 1000 },
  );
  if (options.judge) {
    const references = new Map(
      samples.filter((sample) => sample.description).map((sample) => [sample.id, sample.description!]),
    );
    const rows = report.rows
      .filter((row) => references.has(row.id))
      .map((row) => ({ ...row, reference: references.get(row.id)! }));
    const scores = await judgeRows(rows, {
      judge: options.judge.model,
      judgeId: options.judge.modelId,
      out: options.out,
      concurrency: options.concurrency,
      signal: options.signal,
    });
    const values = [...scores.values()].filter((score): score is number => score !== null);
    report = {
      ...report,
      headline: {
        ...report.headline,
        judge: {
          label: 'Judge score',
          higherIsBetter: true,
          ...bootstrapMean(values, { resamples: options.resamples ?? 1000 }),
        },
      },
    };
  }
  const stamped = {
    ...report,
    run: {
      model: options.modelId,
      split: options.split ?? adapter.defaultSplit,
      promptVersion: PROMPT_VERSION,
      promptHash,
      data: path.resolve(options.data),
    },
  };
  const json = path.join(options.out, 'report.json');
  const markdown = path.join(options.out, 'report.md');
  await writeAtomic(json, `${JSON.stringify(stamped, null, 2)}\n`);
  await writeAtomic(markdown, renderMarkdownReport(report, { model: options.modelId }));
  const html = path.join(options.out, 'report.html');
  await writeAtomic(html, await renderHtmlReport(report, { model: options.modelId }));
  return {
    report,
    generated: pending.length,
    cached,
    files: { predictions: predictionsFile, json, markdown, html },
  };
}
