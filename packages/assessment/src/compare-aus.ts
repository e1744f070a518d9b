import { type AuId, toAuId } from '@facial-r1/facs';
import type { AssessmentMode, AuComparison } from './assessment';

const NONE: readonly AuId[] = Object.freeze([]);

/** Whether labels are already as the comparison reads them (the common case: no copy is made). */
function isReadAsIs(labels: readonly string[], mode: AssessmentMode): boolean {
  for (let index = 0; index < labels.length; index += 1) {
    const label = labels[index];
    if (typeof label !== 'string') return false;
    if (mode === 'robust' ? toAuId(label) !== label : label.toUpperCase() !== label) return false;
    for (let other = 0; other < index; other += 1) if (labels[other] === label) return false;
  }
  return true;
}

/**
 * A sample's AU labels as the comparison reads them, unique, in label order: canonical ids
 * (`robust`; `AU04`, `au 4` and `4` are `AU4`), or upper-cased as written (`facial-r1`, the
 * reference rule). Labels that are no AU id are kept upper-cased.
 */
export function goldAus(
  labels: readonly string[] | undefined,
  mode: AssessmentMode = 'robust',
): readonly AuId[] {
  if (!labels || labels.length === 0) return NONE;
  if (isReadAsIs(labels, mode)) return labels as readonly AuId[];
  const gold: AuId[] = [];
  for (const label of labels) {
    const text = String(label);
    const id = (mode === 'robust' ? (toAuId(text) ?? text.toUpperCase()) : text.toUpperCase()) as AuId;
    if (!gold.includes(id)) gold.push(id);
  }
  return gold;
}

/** Compares an asserted AU set with the gold one (both unique): TP/FP/FN, precision, recall, F1. */
export function compareAus(gold: readonly AuId[], predicted: readonly AuId[]): AuComparison {
  // The common cases share arrays instead of copying: all asserted AUs right, none missing.
  let hits = 0;
  for (const au of predicted) if (gold.includes(au)) hits += 1;
  const truePositives = hits === predicted.length ? predicted : predicted.filter((au) => gold.includes(au));
  const falsePositives = hits === predicted.length ? NONE : predicted.filter((au) => !gold.includes(au));
  const falseNegatives = hits === gold.length ? NONE : gold.filter((au) => !predicted.includes(au));
  const precision = predicted.length > 0 ? hits / predicted.length : 1;
  const recall = gold.length > 0 ? hits / gold.length : 1;
  const f1 =
    hits > 0 ? (2 * precision * recall) / (precision + recall) : predicted.length + gold.length === 0 ? 1 : 0;
  return { gold, predicted, truePositives, falsePositives, falseNegatives, precision, recall, f1 };
}

/**
 * F-beta from a comparison's counts (beta = 1 gives its `f1` exactly); 0 when no AU matches.
 * Recall weighs beta times as much as precision.
 */
export function auFBeta(comparison: AuComparison, beta = 1): number {
  if (beta === 1) return comparison.truePositives.length > 0 ? comparison.f1 : 0;
  const hits = comparison.truePositives.length;
  if (hits === 0) return 0;
  const precision = hits / comparison.predicted.length;
  const recall = hits / comparison.gold.length;
  const beta2 = beta * beta;
  return ((1 + beta2) * precision * recall) / (beta2 * precision + recall);
}
