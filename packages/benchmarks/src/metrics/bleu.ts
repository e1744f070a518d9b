import { rougeTokenize } from './text-tokens';

/** Corpus BLEU and its parts. */
export interface BleuScore {
  /** BLEU in [0, 1]. */
  readonly bleu: number;
  /** Modified n-gram precisions, n = 1..maxOrder. */
  readonly precisions: readonly number[];
  readonly brevityPenalty: number;
  readonly hypothesisLength: number;
  readonly referenceLength: number;
}

/**
 * Corpus BLEU with NLTK's `corpus_bleu` semantics (uniform weights, no smoothing): clipped
 * n-gram counts summed over the corpus, the closest reference length per hypothesis (shorter
 * wins ties), brevity penalty exp(1 - r/c) when c < r, and 0 when any order has no match.
 * Texts are tokenized like ROUGE without stemming (lower-case [a-z0-9] words), or pass token
 * arrays to keep your own tokenization. `references[i]` is one reference string or a list of
 * references for hypothesis i.
 */
export function corpusBleu(
  hypotheses: readonly (string | readonly string[])[],
  references: readonly (string | readonly (string | readonly string[])[])[],
  options: { readonly maxOrder?: number } = {},
): BleuScore {
  const maxOrder = options.maxOrder ?? 4;
  const matches = new Array<number>(maxOrder).fill(0);
  const totals = new Array<number>(maxOrder).fill(0);
  let hypothesisLength = 0;
  let referenceLength = 0;
  const tokens = (text: string | readonly string[]) =>
    typeof text === 'string' ? rougeTokenize(text, { stem: false }) : text;
  // Per pair, tokens get local ids 0..k-1 and an n-gram the exact number sum(id_i * k^i), so
  // counting is sorting numbers and merging runs (no string keys, no hashing, no collisions;
  // exact while k^maxOrder < 2^53, which holds for any pair under 8,192 distinct tokens at
  // order 4 - larger pairs fall back to string keys).
  const local = new Map<string, number>();
  hypotheses.forEach((hypothesisText, index) => {
    const hypothesis = tokens(hypothesisText);
    // One reference string, or a list of references (each a string or a token array).
    const raw = references[index] ?? [];
    const referenceList = typeof raw === 'string' ? [raw] : raw;
    const referenceTokens = referenceList.map(tokens);
    hypothesisLength += hypothesis.length;
    let closest = referenceTokens[0]?.length ?? 0;
    for (const reference of referenceTokens) {
      const distance = Math.abs(reference.length - hypothesis.length);
      const best = Math.abs(closest - hypothesis.length);
      if (distance < best || (distance === best && reference.length < closest)) closest = reference.length;
    }
    referenceLength += closest;
    local.clear();
    const toLocal = (list: readonly string[]) => {
      const ids = new Float64Array(list.length);
      for (let position = 0; position < list.length; position += 1) {
        const token = list[position]!;
        let id = local.get(token);
        if (id === undefined) {
          id = local.size;
          local.set(token, id);
        }
        ids[position] = id;
      }
      return ids;
    };
    const hypothesisIds = toLocal(hypothesis);
    const referenceIds = referenceTokens.map(toLocal);
    const base = Math.max(local.size, 1);
    const exact = base ** maxOrder < Number.MAX_SAFE_INTEGER;
    for (let n = 1; n <= maxOrder; n += 1) {
      totals[n - 1]! += Math.max(0, hypothesis.length - n + 1);
      if (!exact) {
        matches[n - 1]! += stringKeyMatches(hypothesis, referenceTokens, n);
        continue;
      }
      const grams = (ids: Float64Array) => {
        const count = Math.max(0, ids.length - n + 1);
        const keys = new Float64Array(count);
        for (let start = 0; start < count; start += 1) {
          let key = 0;
          for (let offset = 0; offset < n; offset += 1) key = key * base + ids[start + offset]!;
          keys[start] = key;
        }
        return keys.sort();
      };
      const hypothesisGrams = grams(hypothesisIds);
      // Distinct hypothesis n-grams with their counts, then the largest count in any reference.
      const distinct: number[] = [];
      const distinctCounts: number[] = [];
      for (const key of hypothesisGrams) {
        if (distinct.length && distinct[distinct.length - 1] === key)
          distinctCounts[distinctCounts.length - 1]! += 1;
        else {
          distinct.push(key);
          distinctCounts.push(1);
        }
      }
      const best = new Array<number>(distinct.length).fill(0);
      for (const ids of referenceIds) {
        const referenceGrams = grams(ids);
        let cursor = 0;
        let position = 0;
        while (position < referenceGrams.length && cursor < distinct.length) {
          const key = referenceGrams[position]!;
          if (key < distinct[cursor]!) position += 1;
          else if (key > distinct[cursor]!) cursor += 1;
          else {
            let run = 0;
            while (position < referenceGrams.length && referenceGrams[position] === key) {
              run += 1;
              position += 1;
            }
            if (run > best[cursor]!) best[cursor] = run;
            cursor += 1;
          }
        }
      }
      for (let slot = 0; slot < distinct.length; slot += 1)
        matches[n - 1]! += Math.min(distinctCounts[slot]!, best[slot]!);
    }
  });
  const precisions = matches.map((match, index) => (totals[index] ? match / totals[index]! : 0));
  const brevityPenalty =
    hypothesisLength === 0
      ? 0
      : hypothesisLength >= referenceLength
        ? 1
        : Math.exp(1 - referenceLength / hypothesisLength);
  const bleu = precisions.some((precision) => precision === 0)
    ? 0
    : brevityPenalty *
      Math.exp(precisions.reduce((sum, precision) => sum + Math.log(precision), 0) / maxOrder);
  return { bleu, precisions, brevityPenalty, hypothesisLength, referenceLength };
}

/** Clipped n-gram matches of one hypothesis with string keys (pairs too large for numeric keys). */
function stringKeyMatches(
  hypothesis: readonly string[],
  references: readonly (readonly string[])[],
  n: number,
): number {
  const countsOf = (list: readonly string[]) => {
    const counts = new Map<string, number>();
    for (let start = 0; start + n <= list.length; start += 1) {
      const key = list.slice(start, start + n).join(' ');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  };
  const maxReference = new Map<string, number>();
  for (const reference of references)
    for (const [key, count] of countsOf(reference))
      maxReference.set(key, Math.max(maxReference.get(key) ?? 0, count));
  let matched = 0;
  for (const [key, count] of countsOf(hypothesis)) matched += Math.min(count, maxReference.get(key) ?? 0);
  return matched;
}
