import { toAuId } from '@facial-r1/facs';

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

const canonical = (au: string) => toAuId(au) ?? au.toUpperCase();

/**
 * Binary per-AU detection over samples: `gold[i]` and `predicted[i]` are AU-id arrays (any
 * spelling). Per-AU precision/recall/F1 (0 on zero division), macro F1 over AUs with a gold
 * positive (reference rule), macro F1 over a fixed vocabulary, micro F1.
 */
export function auMetrics(
  gold: readonly (readonly string[])[],
  predicted: readonly (readonly string[])[],
  options: AuMetricOptions = {},
): AuMetrics {
  const goldSets = gold.map((aus) => new Set(aus.map(canonical)));
  const predictedSets = predicted.map((aus) => new Set((aus ?? []).map(canonical)));
  const unknownSets = options.unknown?.map((aus) => new Set((aus ?? []).map(canonical)));
  let vocabulary = options.vocabulary?.map(canonical);
  if (!vocabulary) {
    const all = new Set<string>();
    for (const set of [...goldSets, ...predictedSets]) for (const au of set) all.add(au);
    vocabulary = [...all].sort((a, b) => Number(a.slice(2)) - Number(b.slice(2)));
  }
  const perAu: Record<string, AuScore> = {};
  let pooledTruePositive = 0;
  let pooledFalsePositive = 0;
  let pooledFalseNegative = 0;
  for (const au of vocabulary) {
    let truePositive = 0;
    let falsePositive = 0;
    let falseNegative = 0;
    goldSets.forEach((goldSet, index) => {
      if (unknownSets?.[index]?.has(au)) return;
      const inGold = goldSet.has(au);
      const inPrediction = predictedSets[index]?.has(au) ?? false;
      if (inGold && inPrediction) truePositive += 1;
      else if (inPrediction) falsePositive += 1;
      else if (inGold) falseNegative += 1;
    });
    const precision = truePositive + falsePositive ? truePositive / (truePositive + falsePositive) : 0;
    const recall = truePositive + falseNegative ? truePositive / (truePositive + falseNegative) : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    perAu[au] = { precision, recall, f1, support: truePositive + falseNegative };
    pooledTruePositive += truePositive;
    pooledFalsePositive += falsePositive;
    pooledFalseNegative += falseNegative;
  }
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
