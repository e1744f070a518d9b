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
  /**
   * DISFA/BP4D: where the extracted frames are, relative to the root, with `{subject}`,
   * `{task}` (BP4D) and `{frame}` placeholders; `{frame:5}` zero-pads to 5 digits. Default
   * DISFA `Images/{subject}/{frame}.jpg`, BP4D `{subject}/{task}/{frame}.jpg` (each also tries
   * `.png` and the zero-padded names the common extraction scripts write).
   */
  readonly frameTemplate?: string;
  /**
   * Read images an annotation points at outside the data root (by `..`, an absolute path or a
   * symbolic link). Off by default: such a row is a {@link BenchmarkDataError} naming file,
   * line and field, so a report never embeds, and a model endpoint is never sent, a file from
   * elsewhere on the machine.
   */
  readonly allowOutsideRoot?: boolean;
  /** `fail` (default): a bad row or missing image throws; `skip`: skipped and reported through `onSkip`. */
  readonly onInvalid?: 'fail' | 'skip';
  /** Receives every skipped row (with `onInvalid: 'skip'`) and every excluded one (AffectNet codes 8-10). */
  readonly onSkip?: (error: Error) => void;
}

/**
 * A benchmark in its native layout (FACTS 7), turned into FEA samples with canonical emotions
 * and `AU<n>` ids. `version` is bumped whenever scores could move.
 */
export interface BenchmarkAdapter {
  /** Registry id (`rafdb`, `disfa`, ...). */
  readonly id: string;
  /** Bumped whenever scores could move (labels, splits, samples read). */
  readonly version: number;
  /** Human-readable name for reports. */
  readonly title: string;
  /** What is scored: AU detection, emotion accuracy, both (FABA) or reasoning text (FEA-20K). */
  readonly task: BenchmarkTask;
  /** The label set scored: emotions in the dataset's order, and/or the AU vocabulary. */
  readonly labelSet: { readonly emotions?: readonly Emotion[]; readonly aus?: readonly AuId[] };
  /** The split names `load` accepts. */
  readonly splits: readonly string[];
  /** The split scored by default (the test split the paper reports). */
  readonly defaultSplit: string;
  /** What a user must have on disk (shown in errors and docs). */
  readonly layout: string;
  /** Streams the samples of one split of the dataset at `root` (its downloaded layout). */
  load(root: string, options?: LoadOptions): AsyncIterable<BenchmarkSample>;
}
