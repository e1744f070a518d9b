import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  createJsonlAppender,
  type FeaSample,
  readJsonl,
  runPool,
  writeFileAtomic,
  writeJsonlAtomic,
} from '@facial-r1/dataset';
import { PROMPT_VERSION } from '@facial-r1/parsers';
import { concurrencyMiddleware, type FeaModel, wrapModel } from '@facial-r1/runtime';
import { createVerifier, type VerifierOptions } from '../verify/verifier';
import { type AttemptOptions, type RejectedAttempt, synthesizeSample } from './attempt-loop';
import { findNearDuplicates } from './shingles';

/** A finished sample as stored in the round's work files (one JSON line each). */
export interface OutcomeRecord {
  readonly id: string;
  readonly accepted: boolean;
  readonly completion: string;
  readonly attempts: number;
  readonly candidates: number;
  readonly reasons: readonly string[];
  readonly problems: readonly string[];
  /** Rejected attempts with their feedback (absent in rounds written before it was recorded). */
  readonly history?: readonly RejectedAttempt[];
  readonly seconds: number;
}

/** Progress of a round. */
export interface SynthesisProgress {
  readonly done: number;
  readonly total: number;
  readonly accepted: number;
  /** Samples per second since this process started the round. */
  readonly rate: number;
  /** Seconds left at the current rate. */
  readonly etaSeconds: number;
}

/** Options of {@link synthesize}. */
export interface SynthesizeOptions extends AttemptOptions, VerifierOptions {
  /** The round's dataset file (FEA JSONL): accepted samples, `description` = the kept reasoning. */
  readonly output: string;
  /**
   * Samples in flight at once (a sample's attempts run one after another; the sample is the
   * unit saved for resume). Default 4.
   */
  readonly concurrency?: number;
  /**
   * Model calls in flight at once, across all samples (the runtime's `concurrencyMiddleware`).
   * Default: `concurrency`.
   */
  readonly modelConcurrency?: number;
  /** Earlier rounds' dataset files: reasoning that near-duplicates theirs is dropped. */
  readonly previousRounds?: readonly string[];
  /** Shingled-Jaccard threshold for near-duplicates. Default 0.8. */
  readonly duplicateThreshold?: number;
  /** A name for the round in the manifest. */
  readonly round?: string;
  /** Called after each finished sample; `(done, total, progress)`. */
  readonly onProgress?: (done: number, total: number, progress: SynthesisProgress) => void;
}

/** The round manifest, written next to the output as `<output>.manifest.json`. */
export interface RoundManifest {
  readonly round: string;
  readonly model: { readonly provider: string; readonly modelId: string };
  readonly promptVersion: string;
  readonly seed: number | null;
  readonly options: Readonly<Record<string, unknown>>;
  readonly counts: {
    readonly samples: number;
    readonly finished: number;
    readonly accepted: number;
    readonly rejected: number;
    readonly duplicates: number;
    readonly kept: number;
  };
  readonly acceptanceRate: number;
  /** Rejections by failed check (a sample can fail several), plus `duplicate`. */
  readonly rejectionReasons: Readonly<Record<string, number>>;
  /** Accepted samples by the attempt they were accepted at. */
  readonly acceptedAtAttempt: Readonly<Record<string, number>>;
  readonly timings: { readonly modelSeconds: number; readonly meanSecondsPerSample: number };
  readonly interrupted: boolean;
  readonly files: { readonly output: string; readonly outcomes: string };
}

/** Where a round keeps its crash-safe work file. */
export function outcomesPath(output: string): string {
  return `${output}.outcomes.jsonl`;
}

/**
 * Stage-3 iterative synthesis (FACTS 2) over labelled samples with any model backend. Each
 * sample's outcome is appended (fsync) to `<output>.outcomes.jsonl` as soon as it is known,
 * so a rerun after a crash or Ctrl-C skips finished ids and loses nothing. When every sample
 * is finished, accepted reasoning is de-duplicated (shingled Jaccard, in id order, against
 * earlier rounds too) and the round's dataset and manifest are written atomically.
 */
export async function synthesize(
  samples: readonly FeaSample[],
  model: FeaModel,
  options: SynthesizeOptions,
): Promise<RoundManifest> {
  const verify = createVerifier(options);
  const concurrency = options.concurrency ?? 4;
  const bounded = wrapModel(model, concurrencyMiddleware({ limit: options.modelConcurrency ?? concurrency }));
  await mkdir(path.dirname(options.output), { recursive: true });
  const appender = await createJsonlAppender<OutcomeRecord>(outcomesPath(options.output), {
    key: (record) => record.id,
  });
  const pending = samples.filter((sample) => !appender.has(sample.id));
  const total = samples.length;
  let done = total - pending.length;
  let accepted = 0;
  const started = Date.now();
  let finishedHere = 0;
  let interrupted = false;
  try {
    ({ interrupted } = await runPool(
      pending,
      concurrency,
      async (sample) => {
        const begin = performance.now();
        const outcome = await synthesizeSample(sample, bounded, verify, options);
        await appender.append({ ...outcome, seconds: (performance.now() - begin) / 1000 });
        done += 1;
        finishedHere += 1;
        if (outcome.accepted) accepted += 1;
        const rate = finishedHere / Math.max((Date.now() - started) / 1000, 1e-3);
        options.onProgress?.(done, total, {
          done,
          total,
          accepted,
          rate,
          etaSeconds: (total - done) / Math.max(rate, 1e-9),
        });
      },
      options.signal,
    ));
  } finally {
    await appender.close();
  }
  return writeRound(samples, model, options, interrupted);
}

async function writeRound(
  samples: readonly FeaSample[],
  model: FeaModel,
  options: SynthesizeOptions,
  interrupted: boolean,
): Promise<RoundManifest> {
  const outcomes = new Map<string, OutcomeRecord>();
  for await (const record of readJsonl<OutcomeRecord>(outcomesPath(options.output)))
    outcomes.set(record.id, record);

  const previousTexts: string[] = [];
  for (const previous of options.previousRounds ?? []) {
    for await (const sample of readJsonl<FeaSample>(previous)) previousTexts.push(sample.description ?? '');
  }
  const reasons: Record<string, number> = {};
  const acceptedAtAttempt: Record<string, number> = {};
  const kept: FeaSample[] = [];
  let acceptedCount = 0;
  let duplicates = 0;
  let modelSeconds = 0;
  const ordered = [...samples].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const acceptedTexts = ordered
    .map((sample) => outcomes.get(sample.id))
    .filter((outcome) => outcome?.accepted)
    .map((outcome) => outcome!.completion);
  const duplicateFlags = findNearDuplicates(acceptedTexts, {
    threshold: options.duplicateThreshold ?? 0.8,
    previous: previousTexts,
  });
  let acceptedIndex = 0;
  for (const sample of ordered) {
    const outcome = outcomes.get(sample.id);
    if (!outcome) continue;
    modelSeconds += outcome.seconds;
    if (!outcome.accepted) {
      for (const reason of outcome.reasons) reasons[reason] = (reasons[reason] ?? 0) + 1;
      continue;
    }
    acceptedCount += 1;
    acceptedAtAttempt[outcome.attempts] = (acceptedAtAttempt[outcome.attempts] ?? 0) + 1;
    if (duplicateFlags[acceptedIndex++]) {
      duplicates += 1;
      reasons.duplicate = (reasons.duplicate ?? 0) + 1;
      continue;
    }
    kept.push({
      ...sample,
      description: outcome.completion,
      meta_info: {
        ...sample.meta_info,
        synthesis: {
          round: options.round ?? null,
          model: `${model.provider}:${model.modelId}`,
          attempts: outcome.attempts,
        },
      },
    });
  }
  if (!interrupted) await writeJsonlAtomic(options.output, kept);
  const finished = outcomes.size;
  const manifest: RoundManifest = {
    round: options.round ?? path.basename(options.output, '.jsonl'),
    model: { provider: model.provider, modelId: model.modelId },
    promptVersion: PROMPT_VERSION,
    seed: options.seed ?? null,
    options: {
      retries: options.retries ?? 5,
      candidates: options.candidates ?? 1,
      auRule: options.auRule ?? 'exact',
      minAuF1: options.minAuF1 ?? 1,
      requireConsistency: options.requireConsistency ?? false,
      duplicateThreshold: options.duplicateThreshold ?? 0.8,
    },
    counts: {
      samples: samples.length,
      finished,
      accepted: acceptedCount,
      rejected: finished - acceptedCount,
      duplicates,
      kept: kept.length,
    },
    acceptanceRate: finished ? acceptedCount / finished : 0,
    rejectionReasons: reasons,
    acceptedAtAttempt,
    timings: { modelSeconds, meanSecondsPerSample: finished ? modelSeconds / finished : 0 },
    interrupted,
    files: { output: options.output, outcomes: outcomesPath(options.output) },
  };
  const manifestFile = `${options.output}.manifest.json`;
  await writeFileAtomic(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** Reads a round manifest written by {@link synthesize}. */
export async function readRoundManifest(output: string): Promise<RoundManifest> {
  return JSON.parse(await readFile(`${output}.manifest.json`, 'utf8')) as RoundManifest;
}
