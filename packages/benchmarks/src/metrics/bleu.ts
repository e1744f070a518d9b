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
  const tokens = (text: string | readonly string[]) =>
    typeof text === 'string' ? rougeTokenize(text, { stem: false }) : [...text];
  const matches = new Array<number>(maxOrder).fill(0);
  const totals = new Array<number>(maxOrder).fill(0);
  let hypothesisLength = 0;
  let referenceLength = 0;
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
    for (let n = 1; n <= maxOrder; n += 1) {
      const counts = new Map<string, number>();
      for (let start = 0; start + n <= hypothesis.length; start += 1) {
        const key = hypothesis.slice(start, start + n).join(' ');
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      const maxReference = new Map<string, number>();
      for (const reference of referenceTokens) {
        const referenceCounts = new Map<string, number>();
        for (let start = 0; start + n <= reference.length; start += 1) {
          const key = reference.slice(start, start + n).join(' ');
          referenceCounts.set(key, (referenceCounts.get(key) ?? 0) + 1);
        }
        for (const [key, count] of referenceCounts)
          maxReference.set(key, Math.max(maxReference.get(key) ?? 0, count));
      }
      for (const [key, count] of counts) matches[n - 1]! += Math.min(count, maxReference.get(key) ?? 0);
      totals[n - 1]! += Math.max(0, hypothesis.length - n + 1);
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
