/** F-beta of a predicted set against a gold set (both non-empty is the caller's business). */
export function fBeta(predicted: ReadonlySet<string>, gold: ReadonlySet<string>, beta = 1): number {
  let hits = 0;
  for (const item of predicted) if (gold.has(item)) hits += 1;
  if (hits === 0) return 0;
  const precision = hits / predicted.size;
  const recall = hits / gold.size;
  const beta2 = beta * beta;
  return ((1 + beta2) * precision * recall) / (beta2 * precision + recall);
}
