import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  type FeaSample,
  ImageNotRegularFileError,
  ImageOutsideRootError,
  readFeaJsonl,
  readJsonl,
  resolveImagePath,
} from '@facial-r1/dataset';
import { FeaError } from '@facial-r1/spec';
import { type OutcomeRecord, outcomesPath, type RoundManifest, stratifiedPick } from '@facial-r1/synthesis';

/** A review input that cannot be read, or a review request that cannot be served. */
export class ReviewError extends FeaError {
  constructor(message: string, options?: { cause?: unknown; usage?: boolean }) {
    super(options?.usage ? 'trainer/usage' : 'trainer/review', message, {
      cause: options?.cause,
      category: options?.usage ? 'usage' : 'input',
    });
  }
}

/** Where a sample under review comes from. */
export type ReviewOrigin =
  /** A line of a plain FEA JSONL. */
  | 'dataset'
  /** Accepted by the verifier and kept in the round's dataset. */
  | 'kept'
  /** Rejected by the verifier after every retry (its best attempt is shown). */
  | 'rejected'
  /** Accepted, then dropped as a near-duplicate of other reasoning. */
  | 'duplicate';

/** A rejected attempt and the verifier's feedback on it, when the round recorded it. */
export interface AttemptRecord {
  readonly completion: string;
  readonly problems: readonly string[];
}

/** One sample under review. */
export interface ReviewItem {
  readonly id: string;
  /** The sample; `description` is the text under review. */
  readonly sample: FeaSample;
  readonly origin: ReviewOrigin;
  /** What synthesis recorded for it (rounds only). */
  readonly outcome?: {
    readonly attempts: number;
    readonly reasons: readonly string[];
    readonly problems: readonly string[];
    /** Earlier rejected attempts, when the outcome record carries a `history` list. */
    readonly history: readonly AttemptRecord[];
  };
}

/** What `fea-train review` works on. */
export interface ReviewSet {
  readonly kind: 'round' | 'dataset';
  /** The dataset file decisions are applied to (a round's `synthesized.jsonl`, or the JSONL given). */
  readonly datasetFile: string;
  /** Folders images are served from; nothing outside them is served. */
  readonly imageRoots: readonly string[];
  /** Every sample of the input, in dataset order (round: by id). */
  readonly all: readonly ReviewItem[];
  /** The samples shown: `all`, or a stratified sample of it. */
  readonly items: readonly ReviewItem[];
  /** The round's verifier options, from its manifest. */
  readonly verifier: { auRule?: 'exact' | 'f1'; minAuF1?: number; requireConsistency?: boolean };
  /** Things the reviewer should know (no source samples found, ...). */
  readonly notes: readonly string[];
}

/** Options of {@link loadReviewSet}. */
export interface LoadReviewSetOptions {
  /** Show a stratified sample (dataset x emotion, AU coverage) of this many samples. */
  readonly sample?: number;
  readonly seed?: number;
  /** Image folders; default the dataset file's folder (and the source samples' folder). */
  readonly images?: readonly string[];
  /**
   * A round's source samples (to show the verifier's rejections, whose ground truth is not in
   * the round's dataset). Default `<work dir>/data/samples.jsonl` when the round is
   * `<work dir>/stage3/round-<k>`.
   */
  readonly samples?: string;
}

const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );

/** Finds the round file in a round folder: the `*.jsonl` with a `.outcomes.jsonl` or `.manifest.json` beside it. */
async function findRoundFile(directory: string): Promise<string> {
  const names = await readdir(directory);
  const candidates = names
    .filter((name) => name.endsWith('.jsonl'))
    .filter((name) => names.includes(`${name}.manifest.json`) || names.includes(`${name}.outcomes.jsonl`))
    .sort();
  if (candidates.length === 0)
    throw new ReviewError(
      `${directory}: not a synthesis round (no <name>.jsonl with <name>.jsonl.manifest.json or .outcomes.jsonl beside it); pass a round folder such as <workDir>/stage3/round-1, or an FEA JSONL file`,
      { usage: true },
    );
  if (candidates.length > 1 && candidates.includes('synthesized.jsonl'))
    return path.join(directory, 'synthesized.jsonl');
  return path.join(directory, candidates[0]!);
}

async function readSamples(file: string): Promise<FeaSample[]> {
  const samples: FeaSample[] = [];
  const seen = new Map<string, number>();
  for await (const sample of readFeaJsonl(file)) {
    if (seen.has(sample.id))
      throw new ReviewError(
        `${file}: id "${sample.id}" appears twice (samples ${seen.get(sample.id)! + 1} and ${samples.length + 1}); decisions are kept by id, so ids must be unique`,
      );
    seen.set(sample.id, samples.length);
    samples.push(sample);
  }
  return samples;
}

/** The rejected attempts synthesis recorded (`OutcomeRecord.history`); rounds from before it have none. */
function historyOf(record: OutcomeRecord): AttemptRecord[] {
  const history: unknown = record.history;
  if (!Array.isArray(history)) return [];
  return history
    .filter(
      (entry): entry is { completion: string; problems?: unknown } => typeof entry?.completion === 'string',
    )
    .map((entry) => ({
      completion: entry.completion,
      problems: Array.isArray(entry.problems) ? entry.problems.map(String) : [],
    }));
}

/**
 * Loads a synthesis round folder, a round's dataset file, or any FEA JSONL for review.
 * For a round, the kept samples come from its dataset file; the verifier's rejections and
 * de-duplicated samples come from its outcomes joined with the round's source samples.
 */
export async function loadReviewSet(input: string, options: LoadReviewSetOptions = {}): Promise<ReviewSet> {
  const resolved = path.resolve(input);
  const info = await stat(resolved).catch(() => {
    throw new ReviewError(
      `${input}: no such file or folder (expected a synthesis round folder or an FEA JSONL file)`,
      {
        usage: true,
      },
    );
  });
  const datasetFile = info.isDirectory() ? await findRoundFile(resolved) : resolved;
  const isRound = await exists(outcomesPath(datasetFile));
  const notes: string[] = [];
  const roots = new Set<string>((options.images ?? []).map((root) => path.resolve(root)));
  if (!options.images?.length) roots.add(path.dirname(datasetFile));

  if (!isRound) {
    const samples = await readSamples(datasetFile);
    const all = samples.map((sample): ReviewItem => ({ id: sample.id, sample, origin: 'dataset' }));
    return finish({ kind: 'dataset', datasetFile, roots, all, notes, verifier: {} }, options);
  }

  const kept = await readSamples(datasetFile).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as FeaSample[]; // an unfinished round: outcomes only
    throw error;
  });
  const outcomes = new Map<string, OutcomeRecord>();
  for await (const record of readJsonl<OutcomeRecord>(outcomesPath(datasetFile)))
    outcomes.set(record.id, record);
  let manifest: RoundManifest | undefined;
  try {
    manifest = JSON.parse(await readFile(`${datasetFile}.manifest.json`, 'utf8')) as RoundManifest;
  } catch {
    notes.push('no round manifest (the round is unfinished): verifier defaults are used');
  }
  const sourceFile =
    options.samples ?? path.resolve(path.dirname(datasetFile), '..', '..', 'data', 'samples.jsonl');
  const sources = new Map<string, FeaSample>();
  if (await exists(sourceFile)) {
    for (const sample of await readSamples(sourceFile)) sources.set(sample.id, sample);
    if (!options.images?.length) roots.add(path.dirname(sourceFile));
  } else if (options.samples) {
    throw new ReviewError(`--samples ${options.samples}: no such file`, { usage: true });
  } else {
    notes.push(
      `the round's source samples (${sourceFile}) were not found: only kept samples are shown; pass --samples <file> to review the verifier's rejections too`,
    );
  }
  const outcomeOf = (id: string): ReviewItem['outcome'] => {
    const record = outcomes.get(id);
    if (!record) return undefined;
    return {
      attempts: record.attempts,
      reasons: record.reasons,
      problems: record.problems,
      history: historyOf(record),
    };
  };
  const items = new Map<string, ReviewItem>();
  for (const sample of kept)
    items.set(sample.id, { id: sample.id, sample, origin: 'kept', outcome: outcomeOf(sample.id) });
  for (const [id, record] of outcomes) {
    if (items.has(id)) continue;
    const source = sources.get(id);
    if (!source) continue;
    items.set(id, {
      id,
      sample: { ...source, description: record.completion },
      origin: record.accepted ? 'duplicate' : 'rejected',
      outcome: outcomeOf(id),
    });
  }
  const all = [...items.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const options_ = manifest?.options as ReviewSet['verifier'] | undefined;
  const verifier: ReviewSet['verifier'] = {
    auRule: options_?.auRule,
    minAuF1: options_?.minAuF1,
    requireConsistency: options_?.requireConsistency,
  };
  return finish({ kind: 'round', datasetFile, roots, all, notes, verifier }, options);
}

function finish(
  partial: {
    kind: ReviewSet['kind'];
    datasetFile: string;
    roots: Set<string>;
    all: ReviewItem[];
    notes: string[];
    verifier: ReviewSet['verifier'];
  },
  options: LoadReviewSetOptions,
): ReviewSet {
  let items: readonly ReviewItem[] = partial.all;
  if (options.sample !== undefined && options.sample < partial.all.length) {
    const byId = new Map(partial.all.map((item) => [item.id, item]));
    const picked = new Set(
      stratifiedPick(
        partial.all.map((item) => item.sample),
        options.sample,
        options.seed ?? 0,
      ).map((sample) => sample.id),
    );
    items = partial.all.filter((item) => picked.has(item.id) && byId.has(item.id));
  }
  return {
    kind: partial.kind,
    datasetFile: partial.datasetFile,
    imageRoots: [...partial.roots],
    all: partial.all,
    items,
    verifier: partial.verifier,
    notes: partial.notes,
  };
}

const IMAGE_TYPES: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.bmp': 'image/bmp',
};

/**
 * The file of a sample's image and its content type, or why it is not served: the image must
 * resolve (symlinks followed) to a file inside one of the image roots and have an image extension.
 */
export async function resolveReviewImage(
  image: string,
  roots: readonly string[],
): Promise<{ file: string; type: string } | { error: string; status: 403 | 404 }> {
  let real: string;
  try {
    // The shared resolver keeps the file inside its root (real paths, symlinks followed) and
    // refuses what is not a regular file.
    real = await realpath(await resolveImagePath(image, roots));
  } catch (error) {
    if (error instanceof ImageOutsideRootError || error instanceof ImageNotRegularFileError)
      return { error: `${(error as Error).message}; pass its folder with --images`, status: 403 };
    return { error: (error as Error).message, status: 404 };
  }
  const type = IMAGE_TYPES[path.extname(real).toLowerCase()];
  if (!type) return { error: `"${image}" is not an image file (.jpg, .png, .webp, .gif, .bmp)`, status: 403 };
  return { file: real, type };
}
