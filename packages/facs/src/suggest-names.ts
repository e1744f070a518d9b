import { distance } from 'fastest-levenshtein';

/** Options of {@link suggestNames}. */
export interface SuggestNamesOptions {
  /** At most this many suggestions. Default 3. */
  readonly max?: number;
}

/**
 * The known names close to an unknown one, best first, for "did you mean" answers of every
 * registry and preset lookup: case-insensitive edit distance at most a third of the
 * candidate's length (at least 2), or one name a prefix of the other (`open` -> `openai`).
 */
export function suggestNames(
  name: string,
  known: Iterable<string>,
  options: SuggestNamesOptions = {},
): string[] {
  const wanted = String(name).trim().toLowerCase();
  const scored: { candidate: string; score: number }[] = [];
  for (const candidate of new Set(known)) {
    const lower = candidate.toLowerCase();
    const score = distance(wanted, lower);
    const prefix = wanted.length >= 2 && (lower.startsWith(wanted) || wanted.startsWith(lower));
    if (score <= Math.max(2, Math.ceil(lower.length / 3)) || prefix) scored.push({ candidate, score });
  }
  return scored
    .sort((a, b) => a.score - b.score)
    .slice(0, options.max ?? 3)
    .map((entry) => entry.candidate);
}

/** ` (did you mean "a" or "b"?)` for a message, or '' when there is no suggestion. */
export function didYouMean(suggestions: readonly string[]): string {
  return suggestions.length ? ` (did you mean ${suggestions.map((item) => `"${item}"`).join(' or ')}?)` : '';
}
