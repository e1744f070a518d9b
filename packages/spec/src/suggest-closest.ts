/** Levenshtein distance between two strings. */
export function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    let diagonal = previous[0]!;
    previous[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const above = previous[j]!;
      previous[j] = Math.min(above + 1, previous[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return previous[b.length]!;
}

/**
 * The known names closest to `name`, best first, for "did you mean" messages: case-insensitive
 * edit distance at most a third of the longer name (at least 1, or 2 for names of 6 or more
 * characters), or one a prefix of the other. Every registry, preset list and CLI option list
 * uses this one rule.
 */
export function suggestClosest(
  name: string,
  known: readonly string[],
  options: { readonly max?: number } = {},
): string[] {
  const wanted = name.trim().toLowerCase();
  if (!wanted) return [];
  const scored = [...new Set(known)]
    .map((candidate) => {
      const lower = candidate.toLowerCase();
      return { candidate, lower, distance: editDistance(wanted, lower) };
    })
    .filter(
      ({ lower, distance }) =>
        distance <=
          Math.max(wanted.length >= 6 ? 2 : 1, Math.ceil(Math.max(lower.length, wanted.length) / 3)) ||
        (wanted.length >= 2 && (lower.startsWith(wanted) || wanted.startsWith(lower))),
    )
    .sort((a, b) => a.distance - b.distance || a.candidate.localeCompare(b.candidate));
  return scored.slice(0, options.max ?? 2).map(({ candidate }) => candidate);
}

/** ` (did you mean "a" or "b"?)`, or an empty string when nothing is close. */
export function didYouMean(
  name: string,
  known: readonly string[],
  options: { readonly max?: number; readonly quote?: boolean } = {},
): string {
  const suggestions = suggestClosest(name, known, options);
  if (!suggestions.length) return '';
  const quote = options.quote === false ? (item: string) => item : (item: string) => `"${item}"`;
  return ` (did you mean ${suggestions.map(quote).join(' or ')}?)`;
}
