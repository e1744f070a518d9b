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

/**
 * Picks the next token: greedy at temperature 0; otherwise temperature-scaled softmax restricted
 * to top-k then top-p (in that order, as transformers' logits warpers apply them), and one draw
 * from `random`.
 */
export function sampleToken(
  logits: ArrayLike<number>,
  options: TokenSamplingOptions,
  random: SeededRandom,
): number {
  if (options.temperature <= 0) return argMax(logits);
  const size = logits.length;
  const limit = options.topK > 0 ? Math.min(options.topK, size) : size;
  const candidates = limit < size ? topKIndices(logits, limit) : sortedIndices(logits);
  const maximum = logits[candidates[0] as number] as number;
  const weights = candidates.map((id) => Math.exp(((logits[id] as number) - maximum) / options.temperature));
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  let kept = candidates.length;
  if (options.topP < 1) {
    let mass = 0;
    for (let index = 0; index < candidates.length; index += 1) {
      mass += (weights[index] as number) / total;
      if (mass >= options.topP) {
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

// Ties keep the lower id first so draws are stable.
function sortedIndices(logits: ArrayLike<number>): number[] {
  const order = Array.from({ length: logits.length }, (_, index) => index);
  return order.sort((a, b) => (logits[b] as number) - (logits[a] as number) || a - b);
}

// The k largest logits in descending order (lower id first on ties), by insertion into a sorted window: O(V k) worst case, near O(V) in practice.
function topKIndices(logits: ArrayLike<number>, k: number): number[] {
  const ids: number[] = [];
  const values: number[] = [];
  for (let id = 0; id < logits.length; id += 1) {
    const value = logits[id] as number;
    if (ids.length === k && value <= (values[k - 1] as number)) continue;
    let at = ids.length === k ? k - 1 : ids.length;
    while (at > 0 && (values[at - 1] as number) < value) {
      values[at] = values[at - 1] as number;
      ids[at] = ids[at - 1] as number;
      at -= 1;
    }
    values[at] = value;
    ids[at] = id;
  }
  return ids;
}
