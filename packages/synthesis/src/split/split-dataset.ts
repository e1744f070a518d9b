import type { FeaSample } from '@facial-r1/dataset';

/** Options of {@link splitTrainTest}. */
export interface SplitOptions {
  /** Share of groups that go to test. Default 0.1 (FEA-20K: 1,688 of 19,425). */
  readonly testFraction?: number;
  readonly seed?: number;
  /**
   * The unit that must not straddle the split. Default: the subject when `meta_info.subject`
   * exists, else the image path - so no image and no subject is in both splits.
   */
  readonly groupOf?: (sample: FeaSample) => string;
}

const defaultGroup = (sample: FeaSample) => {
  const subject = sample.meta_info?.subject;
  return typeof subject === 'string' || typeof subject === 'number'
    ? `subject:${sample.dataset}:${subject}`
    : `image:${sample.image}`;
};

function unitInterval(text: string, seed: number): number {
  let value = (0x811c9dc5 ^ seed) >>> 0;
  for (let index = 0; index < text.length; index += 1) {
    value ^= text.charCodeAt(index);
    value = Math.imul(value, 0x01000193);
  }
  value ^= value >>> 16;
  value = Math.imul(value, 0x85ebca6b);
  value ^= value >>> 13;
  return (value >>> 0) / 4294967296;
}

/**
 * Splits samples by hashing their group (subject or image) with a seed: deterministic,
 * stable when samples are added, and no group in both splits.
 */
export function splitTrainTest(samples: readonly FeaSample[], options: SplitOptions = {}) {
  const fraction = options.testFraction ?? 0.1;
  const seed = options.seed ?? 0;
  const groupOf = options.groupOf ?? defaultGroup;
  const train: FeaSample[] = [];
  const test: FeaSample[] = [];
  for (const sample of samples) (unitInterval(groupOf(sample), seed) < fraction ? test : train).push(sample);
  return { train, test };
}
