import { mulberry32 as seededRandom } from '@facial-r1/dataset';

/** A point estimate with a percentile bootstrap interval. */
export interface Interval {
  readonly value: number;
  readonly low: number;
  readonly high: number;
}

/** Options of the bootstrap functions. */
export interface BootstrapOptions {
  /** Resamples. Default 1000. */
  readonly resamples?: number;
  /** Default 0. */
  readonly seed?: number;
  /** Default 0.95. */
  readonly confidence?: number;
}

function percentile(sorted: readonly number[], quantile: number): number {
  if (!sorted.length) return Number.NaN;
  const position = (sorted.length - 1) * quantile;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (position - lower);
}

/**
 * A seeded percentile bootstrap interval of `statistic` over `rows` (resampled with
 * replacement, same size). Deterministic for a given seed.
 */
export function bootstrapInterval<T>(
  rows: readonly T[],
  statistic: (rows: readonly T[]) => number,
  options: BootstrapOptions = {},
): Interval {
  const value = statistic(rows);
  if (rows.length === 0) return { value, low: value, high: value };
  const random = seededRandom(options.seed ?? 0);
  const values: number[] = [];
  const sample = new Array<T>(rows.length);
  for (let resample = 0; resample < (options.resamples ?? 1000); resample += 1) {
    for (let index = 0; index < rows.length; index += 1)
      sample[index] = rows[Math.floor(random() * rows.length)]!;
    values.push(statistic(sample));
  }
  values.sort((a, b) => a - b);
  const tail = (1 - (options.confidence ?? 0.95)) / 2;
  return { value, low: percentile(values, tail), high: percentile(values, 1 - tail) };
}

/**
 * A sampler of Binomial(`trials`, `probability`) by inversion of its CDF, tabulated once from
 * the mode outwards (the probability mass function by its ratio recurrence, so no log-gamma),
 * over the window where any mass is representable in a double: exact up to rounding.
 */
function binomialSampler(trials: number, probability: number, random: () => number): () => number {
  if (probability <= 0) return () => 0;
  if (probability >= 1) return () => trials;
  const odds = probability / (1 - probability);
  const mode = Math.min(trials, Math.floor((trials + 1) * probability));
  // Relative masses around the mode: w(k+1) = w(k) * (trials - k) / (k + 1) * odds.
  const above: number[] = [];
  for (let k = mode, weight = 1; k < trials; k += 1) {
    weight *= ((trials - k) / (k + 1)) * odds;
    if (weight < 1e-300) break;
    above.push(weight);
  }
  const below: number[] = [];
  for (let k = mode, weight = 1; k > 0; k -= 1) {
    weight *= k / (trials - k + 1) / odds;
    if (weight < 1e-300) break;
    below.push(weight);
  }
  const first = mode - below.length;
  const cdf = new Float64Array(below.length + 1 + above.length);
  let total = 0;
  for (let index = 0; index < cdf.length; index += 1) {
    total +=
      index < below.length
        ? below[below.length - 1 - index]!
        : index === below.length
          ? 1
          : above[index - below.length - 1]!;
    cdf[index] = total;
  }
  for (let index = 0; index < cdf.length; index += 1) cdf[index]! /= total;
  return () => {
    const target = random();
    let low = 0;
    let high = cdf.length - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (cdf[middle]! > target) high = middle;
      else low = middle + 1;
    }
    return first + low;
  };
}

/**
 * {@link bootstrapInterval} of the mean of `values`, without building resampled arrays:
 * the fast path for accuracy-like (0/1) and per-sample scores. When the values take at most
 * two distinct values (accuracy, any 0/1 indicator), a resample's sum is drawn directly: the
 * number of draws of the larger value among `n` draws with replacement is exactly
 * Binomial(n, its share), so 1000 resamples of 100k rows cost 1000 draws, not 10^8.
 */
export function bootstrapMean(values: ArrayLike<number>, options: BootstrapOptions = {}): Interval {
  const count = values.length;
  let total = 0;
  // The first two distinct values seen; NaN until seen. A third one turns the shortcut off.
  let first = Number.NaN;
  let second = Number.NaN;
  let twoValued = true;
  for (let index = 0; index < count; index += 1) {
    const value = values[index]!;
    total += value;
    if (!twoValued || value === first || value === second) continue;
    if (Number.isNaN(first)) first = value;
    else if (Number.isNaN(second)) second = value;
    else twoValued = false;
  }
  const smallest = Number.isNaN(second) ? first : Math.min(first, second);
  const largest = Number.isNaN(second) ? first : Math.max(first, second);
  const value = count ? total / count : 0;
  if (count === 0) return { value, low: value, high: value };
  const random = seededRandom(options.seed ?? 0);
  const means = new Float64Array(options.resamples ?? 1000);
  if (twoValued && !Number.isNaN(first)) {
    let high = 0;
    for (let index = 0; index < count; index += 1) if (values[index] === largest) high += 1;
    const draw = binomialSampler(count, high / count, random);
    for (let resample = 0; resample < means.length; resample += 1) {
      const drawn = draw();
      means[resample] = (drawn * largest + (count - drawn) * smallest) / count;
    }
  } else {
    for (let resample = 0; resample < means.length; resample += 1) {
      let sum = 0;
      for (let index = 0; index < count; index += 1) sum += values[Math.floor(random() * count)]!;
      means[resample] = sum / count;
    }
  }
  means.sort();
  const tail = (1 - (options.confidence ?? 0.95)) / 2;
  return {
    value,
    low: percentile(means as unknown as number[], tail),
    high: percentile(means as unknown as number[], 1 - tail),
  };
}

/**
 * A paired bootstrap of the difference statistic(B) - statistic(A) over rows aligned by
 * index (the same samples scored by two models): the delta, its interval, and the share of
 * resamples where B does not beat A (a one-sided p-value).
 */
export function pairedBootstrap<T>(
  rowsA: readonly T[],
  rowsB: readonly T[],
  statistic: (rows: readonly T[]) => number,
  options: BootstrapOptions = {},
): Interval & { readonly pValue: number } {
  if (rowsA.length !== rowsB.length)
    throw new RangeError(`paired bootstrap needs aligned rows: ${rowsA.length} vs ${rowsB.length}`);
  const value = statistic(rowsB) - statistic(rowsA);
  if (rowsA.length === 0) return { value, low: value, high: value, pValue: 1 };
  const random = seededRandom(options.seed ?? 0);
  const deltas: number[] = [];
  const sampleA = new Array<T>(rowsA.length);
  const sampleB = new Array<T>(rowsB.length);
  let notBetter = 0;
  for (let resample = 0; resample < (options.resamples ?? 1000); resample += 1) {
    for (let index = 0; index < rowsA.length; index += 1) {
      const pick = Math.floor(random() * rowsA.length);
      sampleA[index] = rowsA[pick]!;
      sampleB[index] = rowsB[pick]!;
    }
    const delta = statistic(sampleB) - statistic(sampleA);
    deltas.push(delta);
    if (delta <= 0) notBetter += 1;
  }
  deltas.sort((a, b) => a - b);
  const tail = (1 - (options.confidence ?? 0.95)) / 2;
  return {
    value,
    low: percentile(deltas, tail),
    high: percentile(deltas, 1 - tail),
    pValue: notBetter / deltas.length,
  };
}

/** REGE (FABA): S_re + S_ge, both x100, with S_re an accuracy or F1 and S_ge a ROUGE-L F1 in [0, 1]. */
export function regeScore(recognition: number, generation: number): number {
  return 100 * recognition + 100 * generation;
}
