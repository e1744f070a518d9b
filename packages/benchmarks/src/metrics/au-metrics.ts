import { type AuComparison, compareAus, goldAus } from '@facial-r1/assessment';
import type { AuId } from '@facial-r1/facs';

/** Per-AU figures. */
export interface AuScore {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Gold positives. */
  readonly support: number;
}

/** AU detection metrics. */
export interface AuMetrics {
  readonly perAu: Readonly<Record<string, AuScore>>;
  /** Mean F1 over AUs with at least one gold positive (the reference rule). */
  readonly macroF1: number;
  /** Mean F1 over the whole vocabulary, 0 where undefined (the fixed-list rule: DISFA 8, BP4D 12, FABA 12). */
  readonly macroF1Fixed: number;
  /** F1 of the pooled counts. */
  readonly microF1: number;
  /** AUs averaged by `macroF1`. */
  readonly averagedAus: readonly string[];
}

/** Options of {@link auMetrics}. */
export interface AuMetricOptions {
  /** The AU list to score; default: every AU in gold or predicted. Others are ignored. */
  readonly vocabulary?: readonly string[];
  /** Per sample, AUs whose label is unknown (BP4D code 9): excluded from that AU's counts for that sample. */
  readonly unknown?: readonly (readonly string[] | undefined)[];
}

/** What {@link auMetricsFromComparisons} reads of a sample's AU comparison (an Assessment's `aus`). */
export type AuOutcome = Pick<AuComparison, 'truePositives' | 'falsePositives' | 'falseNegatives'>;

const byCode = (a: string, b: string) => Number(a.slice(2)) - Number(b.slice(2));

/**
 * Binary per-AU detection over samples: `gold[i]` and `predicted[i]` are AU-id arrays (any
 * spelling, read once with `goldAus`). Per-AU precision/recall/F1 (0 on zero division), macro
 * F1 over AUs with a gold positive (reference rule), macro F1 over a fixed vocabulary, micro F1.
 */
export function auMetrics(
  gold: readonly (readonly string[])[],
  predicted: readonly (readonly string[])[],
  options: AuMetricOptions = {},
): AuMetrics {
  return auMetricsFromComparisons(
    gold.map((aus, index) => compareAus(goldAus(aus), goldAus(predicted[index] ?? []))),
    {
      vocabulary: options.vocabulary && goldAus(options.vocabulary),
      unknown: options.unknown?.map((aus) => goldAus(aus)),
    },
  );
}

/**
 * {@link auMetrics} from per-sample comparisons (the Assessments' `aus`, canonical ids): the
 * per-AU counts are the sums of their true/false positives and negatives, so nothing is read
 * or normalised again (bootstrap resamples call this as it is).
 */
export function auMetricsFromComparisons(
  comparisons: readonly AuOutcome[],
  options: {
    readonly vocabulary?: readonly AuId[];
    readonly unknown?: readonly (readonly AuId[] | undefined)[];
  } = {},
): AuMetrics {
  let vocabulary = options.vocabulary;
  if (!vocabulary) {
    const all = new Set<AuId>();
    for (const comparison of comparisons) {
      for (const au of comparison.truePositives) all.add(au);
      for (const au of comparison.falsePositives) all.add(au);
      for (const au of comparison.falseNegatives) all.add(au);
    }
    vocabulary = [...all].sort(byCode);
  }
  const index = new Map(vocabulary.map((au, position) => [au, position]));
  const truePositive = new Array<number>(vocabulary.length).fill(0);
  const falsePositive = new Array<number>(vocabulary.length).fill(0);
  const falseNegative = new Array<number>(vocabulary.length).fill(0);
  const count = (aus: readonly AuId[], unknown: readonly AuId[] | undefined, into: number[]) => {
    for (const au of aus) {
      const position = index.get(au);
      if (position !== undefined && !unknown?.includes(au)) into[position]! += 1;
    }
  };
  comparisons.forEach((comparison, sample) => {
    const unknown = options.unknown?.[sample];
    count(comparison.truePositives, unknown, truePositive);
    count(comparison.falsePositives, unknown, falsePositive);
    count(comparison.falseNegatives, unknown, falseNegative);
  });
  const perAu: Record<string, AuScore> = {};
  let pooledTruePositive = 0;
  let pooledFalsePositive = 0;
  let pooledFalseNegative = 0;
  vocabulary.forEach((au, position) => {
    const tp = truePositive[position]!;
    const fp = falsePositive[position]!;
    const fn = falseNegative[position]!;
    const precision = tp + fp ? tp / (tp + fp) : 0;
    const recall = tp + fn ? tp / (tp + fn) : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    perAu[au] = { precision, recall, f1, support: tp + fn };
    pooledTruePositive += tp;
    pooledFalsePositive += fp;
    pooledFalseNegative += fn;
  });
  const averagedAus = vocabulary.filter((au) => perAu[au]!.support > 0);
  const mean = (aus: readonly string[]) =>
    aus.length ? aus.reduce((sum, au) => sum + perAu[au]!.f1, 0) / aus.length : 0;
  const microDenominator = 2 * pooledTruePositive + pooledFalsePositive + pooledFalseNegative;
  return {
    perAu,
    macroF1: mean(averagedAus),
    macroF1Fixed: mean(vocabulary),
    microF1: microDenominator ? (2 * pooledTruePositive) / microDenominator : 0,
    averagedAus,
  };
}
