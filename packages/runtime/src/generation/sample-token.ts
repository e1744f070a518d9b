import type { SeededRandom } from './seeded-random';

/** How one next token is chosen from logits. */
export interface TokenSamplingOptions {
  /** Softmax temperature; 0 or less means greedy (arg max). */
  readonly temperature: number;
  /** Keep the `topK` largest logits (0: no limit). */
  readonly topK: number;
  /** Keep the smallest set of tokens whose probability mass reaches `topP` (1: no limit). */
  readonly topP: number;
}

/** Index of the largest logit; the lowest index wins ties (as arg max does). */
export function argMax(logits: ArrayLike<number>): number {
  let best = 0;
  let bestValue = Number.NEGATIVE_INFINITY;
  for (let index = 0; index < logits.length; index += 1) {
    const value = logits[index] as number;
    if (value > bestValue) {
      bestValue = value;
      best = index;
    }
  }
  return best;
}

/** Reused per-token weights over the whole vocabulary. */
let scratch = new Float64Array(0);

/**
 * Picks the next token: greedy at temperature 0; otherwise temperature-scaled softmax restricted
 * to top-k then top-p (in that order, as transformers' logits warpers apply them), and one draw
 * from `random`. Without top-k the vocabulary is never sorted whole: with top-p 1 the draw walks
 * the weights in id order; with top-p < 1 only the tokens above a probability cut that already
 * holds the nucleus are sorted (the cut is lowered until it does), so the nucleus is exactly the
 * one a full sort would give.
 */
export function sampleToken(
  logits: ArrayLike<number>,
  options: TokenSamplingOptions,
  random: SeededRandom,
): number {
  if (options.temperature <= 0) return argMax(logits);
  const size = logits.length;
  if (options.topK > 0 && options.topK < size) {
    const candidates = topKIndices(logits, options.topK);
    const maximum = logits[candidates[0] as number] as number;
    return drawFromRanked(
      candidates,
      candidates.map((id) => Math.exp(((logits[id] as number) - maximum) / options.temperature)),
      options.topP,
      random,
    );
  }
  if (scratch.length < size) scratch = new Float64Array(size);
  const weights = scratch;
  const maximum = logits[argMax(logits)] as number;
  let total = 0;
  for (let id = 0; id < size; id += 1) {
    const weight = Math.exp(((logits[id] as number) - maximum) / options.temperature);
    weights[id] = weight;
    total += weight;
  }
  if (options.topP >= 1) {
    let target = random.next() * total;
    for (let id = 0; id < size; id += 1) {
      target -= weights[id] as number;
      if (target < 0) return id;
    }
    return argMax(logits);
  }
  // The nucleus lies among the tokens at or above a cut once their mass reaches top-p: every
  // token below the cut sorts after all of them.
  for (let cut = 1e-3; ; cut /= 100) {
    const floor = cut * total;
    let mass = 0;
    const candidates: number[] = [];
    for (let id = 0; id < size; id += 1) {
      if ((weights[id] as number) >= floor) {
        candidates.push(id);
        mass += weights[id] as number;
      }
    }
    if (mass / total >= options.topP || floor === 0 || candidates.length === size) {
      candidates.sort((a, b) => (weights[b] as number) - (weights[a] as number) || a - b);
      return drawFromRanked(
        candidates,
        candidates.map((id) => weights[id] as number),
        options.topP,
        random,
        total,
      );
    }
  }
}

/**
 * One draw among `candidates` (most likely first) with their `weights`, restricted to the
 * smallest prefix whose share of `total` (default: the candidates' own total) reaches `topP`.
 */
function drawFromRanked(
  candidates: readonly number[],
  weights: readonly number[],
  topP: number,
  random: SeededRandom,
  total = weights.reduce((sum, weight) => sum + weight, 0),
): number {
  let kept = candidates.length;
  if (topP < 1) {
    let mass = 0;
    for (let index = 0; index < candidates.length; index += 1) {
      mass += (weights[index] as number) / total;
      if (mass >= topP) {
        kept = index + 1;
        break;
      }
    }
  }
  let keptTotal = 0;
  for (let index = 0; index < kept; index += 1) keptTotal += weights[index] as number;
  let target = random.next() * keptTotal;
  for (let index = 0; index < kept; index += 1) {
    target -= weights[index] as number;
    if (target < 0) return candidates[index] as number;
  }
  return candidates[kept - 1] as number;
}

/**
 * The k largest logits in descending order (lower id first on ties), by insertion into a sorted
 * window held in typed arrays: each logit costs one comparison with the window's smallest value
 * unless it enters the window, so this is near O(V) in practice (O(V k) worst case).
 */
function topKIndices(logits: ArrayLike<number>, k: number): number[] {
  const ids = new Int32Array(k);
  const values = new Float64Array(k);
  let filled = 0;
  let floor = Number.NEGATIVE_INFINITY;
  const size = logits.length;
  for (let id = 0; id < size; id += 1) {
    const value = logits[id] as number;
    if (filled === k && value <= floor) continue;
    let at = filled === k ? k - 1 : filled;
    if (filled < k) filled += 1;
    while (at > 0 && (values[at - 1] as number) < value) {
      values[at] = values[at - 1] as number;
      ids[at] = ids[at - 1] as number;
      at -= 1;
    }
    values[at] = value;
    ids[at] = id;
    if (filled === k) floor = values[k - 1] as number;
  }
  return Array.from(ids.subarray(0, filled));
}
