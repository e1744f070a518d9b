import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type Assessment, assess } from '@facial-r1/assessment';
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
import {
  concurrencyMiddleware,
  type FeaModel,
  type GenerateRequest,
  type ModelMiddleware,
  wrapModel,
} from '@facial-r1/runtime';
import { renderHtmlReport } from './html-report';
import { judgeRows } from './judge';
import { lockRunDirectory } from './run-lock';

/** One cached model output (a line of `predictions.jsonl`). */
export interface PredictionRecord {
  /** `<sample id>|<model id>|<prompt hash>`: the cache key. */
  readonly key: string;
  readonly id: string;
  readonly model: string;
  readonly promptHash: string;
  readonly text: string;
  readonly finishReason: string;
  /** Milliseconds the model call took (waiting for a free slot not included). */
  readonly ms: number;
  /** Tokens the completion generated, as the model counted them (absent in older files). */
  readonly completionTokens?: number;
  /** Tokens of the prompt, images included (absent in older files). */
  readonly promptTokens?: number;
  /**
   * The backend's structured output beside the text, e.g. the face baseline's per-face
   * measurements (`readBaselineMetadata` of `@facial-r1/vision`). Absent when the backend
   * gave none and in older files.
   */
  readonly providerMetadata?: Readonly<Record<string, unknown>>;
  /**
   * The completion's Assessment against its sample (robust mode), made once when the output
   * is generated; `evaluate`, the judge and the reports read it instead of parsing again.
   * Absent in files written before it existed (those are assessed when evaluated).
   */
  readonly assessment?: Assessment;
}

/**
 * One failed generation (a line of `errors.jsonl`): the model answered with finishReason
 * `error`. Never a cached prediction: the next run retries the sample unless `retryErrors` is false.
 */
export interface ErrorRecord {
  /** The prediction cache key of the sample. */
  readonly key: string;
  readonly id: string;
  readonly model: string;
  readonly promptHash: string;
  readonly finishReason: 'error';
  /** Why, as the model said (`no face found`), or that it gave no reason. */
  readonly reason: string;
  readonly ms: number;
  /** When the attempt ended (ISO 8601). */
  readonly at: string;
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
  /** Retry samples a previous run recorded a model error for (default true). */
  readonly retryErrors?: boolean;
  /** Read images the annotations place outside the data root (default false). */
  readonly allowOutsideRoot?: boolean;
  /** An LLM judge for the reasoning score (samples with a reference `description` only). */
  readonly judge?: { readonly model: FeaModel; readonly modelId: string };
}

/** What a run produced. */
export interface RunBenchmarkResult {
  readonly report: EvaluationReport;
  /** Samples the model was asked in this run (answers and errors). */
  readonly generated: number;
  readonly cached: number;
  /** True when the signal stopped the run before every sample had been asked. */
  readonly interrupted: boolean;
  /** Set when the run is not finished or has model errors: the same text as `report.incomplete`. */
  readonly incomplete?: string;
  readonly files: {
    readonly predictions: string;
    readonly json: string;
    readonly markdown: string;
    readonly html: string;
    readonly errors: string;
  };
}

const writeAtomic = writeFileAtomic;

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
    allowOutsideRoot: options.allowOutsideRoot,
  }))
    samples.push(sample);
  const prompt = buildGrpoPrompt({ emotions: adapter.labelSet.emotions });
  const promptHash = createHash('sha256').update(`${PROMPT_VERSION}\n${prompt}`).digest('hex').slice(0, 16);
  await mkdir(options.out, { recursive: true });
  const release = await lockRunDirectory(options.out);
  try {
    return await runLocked(options, adapter, samples, prompt, promptHash);
  } finally {
    await release();
  }
}

async function runLocked(
  options: RunBenchmarkOptions,
  adapter: ReturnType<typeof getBenchmark>,
  samples: readonly BenchmarkSample[],
  prompt: string,
  promptHash: string,
): Promise<RunBenchmarkResult> {
  const predictionsFile = path.join(options.out, 'predictions.jsonl');
  const errorsFile = path.join(options.out, 'errors.jsonl');
  const keyOf = (id: string) => `${id}|${options.modelId}|${promptHash}`;
  const appender = await createJsonlAppender<PredictionRecord>(predictionsFile, {
    key: (record) => record.key,
  });
  // Every attempt that failed is kept (one line each); the latest per sample is its reason.
  const errorLog = await createJsonlAppender<ErrorRecord>(errorsFile, {
    key: (record) => `${record.key}@${record.at}`,
  });
  const lastErrors = new Map<string, ErrorRecord>();
  const readErrors = async () => {
    lastErrors.clear();
    for await (const record of readJsonl<ErrorRecord>(errorsFile))
      if (record.model === options.modelId && record.promptHash === promptHash)
        lastErrors.set(record.id, record);
  };
  await readErrors();
  const retryErrors = options.retryErrors !== false;
  const pending = samples.filter(
    (sample) => !appender.has(keyOf(sample.id)) && (retryErrors || !lastErrors.has(sample.id)),
  );
  const cached = samples.length - pending.length;
  let done = cached;
  let generated = 0;
  let interrupted = false;
  options.onProgress?.(done, samples.length);
  // Every model call goes through the concurrency middleware (at most `concurrency` in flight,
  // the rest queued in sample order); the sample-keyed prediction store above is the cache.
  // The first failure that is not an interruption cancels the queued calls and is rethrown.
  const failed = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, failed.signal]) : failed.signal;
  // Each queued call listens for the abort: one listener per pending sample is expected.
  setMaxListeners(0, signal);
  const callTimes = new WeakMap<GenerateRequest, number>();
  const timed: ModelMiddleware = {
    async wrapGenerate({ request, next }) {
      const started = performance.now();
      try {
        return await next(request);
      } finally {
        callTimes.set(request, Math.round(performance.now() - started));
      }
    },
  };
  const model = wrapModel(options.model, concurrencyMiddleware({ limit: options.concurrency ?? 4 }), timed);
  let failure: { readonly error: unknown } | undefined;
  let finished = 0;
  const generate = async (sample: BenchmarkSample) => {
    const request: GenerateRequest = {
      prompts: [
        {
          messages: [{ role: 'user', content: [{ type: 'image' }, { type: 'text', text: prompt }] }],
          images: [sample.image],
        },
      ],
      sampling: { n: 1, temperature: 0, maxTokens: options.maxTokens ?? 1024 },
      signal,
    };
    const result = await model.doGenerate(request);
    const prompted = result.results[0];
    const completion = prompted?.completions[0];
    const ms = callTimes.get(request) ?? 0;
    if (!completion || completion.finishReason === 'error') {
      const reason = completion?.providerMetadata?.error;
      await errorLog.append({
        key: keyOf(sample.id),
        id: sample.id,
        model: options.modelId,
        promptHash,
        finishReason: 'error',
        reason:
          typeof reason === 'string' && reason
            ? reason
            : completion
              ? 'the model reported an error without a reason'
              : 'the model returned no completion',
        ms,
        at: new Date().toISOString(),
      });
    } else {
      await appender.append({
        key: keyOf(sample.id),
        id: sample.id,
        model: options.modelId,
        promptHash,
        text: completion.text,
        finishReason: completion.finishReason,
        ms,
        completionTokens: completion.completionTokens,
        ...(prompted.promptTokens !== undefined ? { promptTokens: prompted.promptTokens } : {}),
        ...(completion.providerMetadata ? { providerMetadata: completion.providerMetadata } : {}),
        assessment: assess(completion.text, sample),
      });
    }
    generated += 1;
    done += 1;
    options.onProgress?.(done, samples.length);
  };
  try {
    await Promise.all(
      pending.map((sample) =>
        generate(sample).then(
          () => {
            finished += 1;
          },
          (error: unknown) => {
            // An abort reaches the queued and in-flight calls as its reason: an interruption.
            if (options.signal?.aborted || failure) return;
            failure = { error };
            failed.abort(error);
          },
        ),
      ),
    );
  } finally {
    await appender.close();
    await errorLog.close();
  }
  if (failure) throw failure.error;
  interrupted = Boolean(options.signal?.aborted) && finished < pending.length;
  const predictions = new Map<string, PredictionRecord>();
  for await (const record of readJsonl<PredictionRecord>(predictionsFile)) {
    if (record.model === options.modelId && record.promptHash === promptHash)
      predictions.set(record.id, record);
  }
  await readErrors();
  let report = evaluate(
    samples,
    [
      ...[...predictions.values()].map(({ id, text, assessment }) => ({ id, text, assessment })),
      ...[...lastErrors.values()]
        .filter((record) => !predictions.has(record.id))
        .map((record) => ({ id: record.id, text: '', error: record.reason })),
    ],
    adapter,
    { resamples: options.resamples ?? 1000 },
  );
  if (interrupted) {
    const answered = samples.filter((sample) => predictions.has(sample.id)).length;
    const note = `interrupted, ${answered} of ${samples.length} generated`;
    report = { ...report, incomplete: report.incomplete ? `${note}; ${report.incomplete}` : note };
  }
  if (options.judge && !interrupted) {
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
      out: path.resolve(options.out),
    },
  };
  const json = path.join(options.out, 'report.json');
  const markdown = path.join(options.out, 'report.md');
  await writeAtomic(json, `${JSON.stringify(stamped, null, 2)}\n`);
  await writeAtomic(markdown, renderMarkdownReport(report, { model: options.modelId }));
  const html = path.join(options.out, 'report.html');
  await writeAtomic(html, await renderHtmlReport(report, { model: options.modelId, predictions }));
  return {
    report,
    generated,
    cached,
    interrupted,
    ...(report.incomplete ? { incomplete: report.incomplete } : {}),
    files: { predictions: predictionsFile, json, markdown, html, errors: errorsFile },
  };
}
