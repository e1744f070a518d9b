import type { AuId, Emotion } from '@facial-r1/facs';
import type { FeaSample } from '@facial-r1/dataset';

/** What a benchmark measures. */
export type BenchmarkTask = 'au' | 'emotion' | 'au+emotion' | 'reasoning';

/** A sample loaded by an adapter: an FEA sample whose `image` is an absolute path that exists. */
export type BenchmarkSample = FeaSample;

/** Options of {@link BenchmarkAdapter.load}. */
export interface LoadOptions {
  /** Which split (the adapter's `splits`); default `defaultSplit`. */
  readonly split?: string;
  /** DISFA/BP4D: the 3-fold protocol's test fold (0, 1, 2). */
  readonly fold?: number;
  /** DISFA/BP4D: explicit subject ids (overrides `fold`). */
  readonly subjects?: readonly string[];
  /** Stop after this many samples. */
  readonly limit?: number;
  /** Where decoded images go (FER2013 csv). Default `<root>/.fea-cache/<id>`. */
  readonly cacheDir?: string;
  /** DISFA/BP4D: keep every n-th frame (default 1). */
  readonly stride?: number;
  /** `fail` (default): a bad row or missing image throws; `skip`: skipped and reported through `onSkip`. */
  readonly onInvalid?: 'fail' | 'skip';
  readonly onSkip?: (error: Error) => void;
}

/**
 * A benchmark in its native layout (FACTS 7), turned into FEA samples with canonical emotions
 * and `AU<n>` ids. `version` is bumped whenever scores could move.
 */
export interface BenchmarkAdapter {
  readonly id: string;
  readonly version: number;
  readonly title: string;
  readonly task: BenchmarkTask;
  /** The label set scored: emotions in the dataset's order, and/or the AU vocabulary. */
  readonly labelSet: { readonly emotions?: readonly Emotion[]; readonly aus?: readonly AuId[] };
  readonly splits: readonly string[];
  readonly defaultSplit: string;
  /** What a user must have on disk (shown in errors and docs). */
  readonly layout: string;
  load(root: string, options?: LoadOptions): AsyncIterable<BenchmarkSample>;
}
