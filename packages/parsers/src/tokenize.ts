/** A word of the text with its span and clause. */
export interface Token {
  /** The word, ASCII lower-cased: a run of [a-z0-9]. */
  readonly word: string;
  readonly start: number;
  readonly end: number;
  /** Increments at every clause boundary (.;:!?, newline, tag brackets, "but"...). */
  readonly clause: number;
  /** Increments at sentence boundaries only (.;:!? newline, tags): list inheritance stays within one. */
  readonly sentence: number;
}

const CLAUSE_WORDS = new Set(['but', 'however', 'whereas', 'while', 'although', 'though', 'yet']);

/**
 * Splits ASCII-lower-cased text into [a-z0-9]+ words with their clause and sentence numbers,
 * in one pass.
 */
export function tokenize(lower: string): Token[] {
  const tokens: Token[] = [];
  let clause = 0;
  let sentence = 0;
  let index = 0;
  const length = lower.length;
  while (index < length) {
    const code = lower.charCodeAt(index);
    const isWord = (code >= 97 && code <= 122) || (code >= 48 && code <= 57);
    if (isWord) {
      const start = index;
      while (index < length) {
        const next = lower.charCodeAt(index);
        if (!((next >= 97 && next <= 122) || (next >= 48 && next <= 57))) break;
        index += 1;
      }
      const word = lower.slice(start, index);
      if (word.length >= 3 && word.length <= 8 && CLAUSE_WORDS.has(word)) clause += 1;
      tokens.push({ word, start, end: index, clause, sentence });
      continue;
    }
    // . ; : ! ? newline < > end sentences (a '.' between digits does not); ',' ends a clause.
    if (
      code === 46 ||
      code === 59 ||
      code === 58 ||
      code === 33 ||
      code === 63 ||
      code === 10 ||
      code === 60 ||
      code === 62
    ) {
      const between =
        code === 46 &&
        index > 0 &&
        index + 1 < length &&
        lower.charCodeAt(index - 1) >= 48 &&
        lower.charCodeAt(index - 1) <= 57 &&
        lower.charCodeAt(index + 1) >= 48 &&
        lower.charCodeAt(index + 1) <= 57;
      if (!between) {
        clause += 1;
        sentence += 1;
      }
    } else if (code === 44) clause += 1;
    index += 1;
  }
  return tokens;
}

/** Index of the first token whose start is >= `position` (binary search). */
export function tokenAt(tokens: readonly Token[], position: number): number {
  let low = 0;
  let high = tokens.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (tokens[middle]!.start < position) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** A multi-word pattern indexed by its first word, longest first. */
export interface PhraseEntry<T> {
  readonly words: readonly string[];
  readonly value: T;
}

/** Builds a first-word index of phrases (each split into [a-z0-9]+ words). */
export function buildPhraseIndex<T>(
  entries: Iterable<readonly [phrase: string, value: T]>,
): Map<string, PhraseEntry<T>[]> {
  const index = new Map<string, PhraseEntry<T>[]>();
  for (const [phrase, value] of entries) {
    const words = phrase.toLowerCase().match(/[a-z0-9]+/g);
    if (!words) continue;
    const list = index.get(words[0]!) ?? [];
    if (!list.some((entry) => entry.words.join(' ') === words.join(' '))) list.push({ words, value });
    index.set(words[0]!, list);
  }
  for (const list of index.values()) list.sort((a, b) => b.words.length - a.words.length);
  return index;
}

/** A phrase found at a token position: the entry and the index of its last token. */
export interface PhraseMatch<T> {
  readonly entry: PhraseEntry<T>;
  readonly last: number;
}

/**
 * The longest phrase of `index` starting at token `position`, or undefined. With `fillers`,
 * up to two filler words may stand between the phrase's words ("brows *are* lowered"),
 * within one clause.
 */
export function matchPhrase<T>(
  tokens: readonly Token[],
  position: number,
  index: ReadonlyMap<string, readonly PhraseEntry<T>[]>,
  fillers?: ReadonlySet<string>,
): PhraseMatch<T> | undefined {
  const candidates = index.get(tokens[position]!.word);
  if (!candidates) return undefined;
  const clause = tokens[position]!.clause;
  for (const entry of candidates) {
    let cursor = position;
    let matches = true;
    for (let offset = 1; offset < entry.words.length; offset += 1) {
      let next = cursor + 1;
      let skipped = 0;
      while (
        fillers &&
        skipped < 2 &&
        next < tokens.length &&
        tokens[next]!.word !== entry.words[offset] &&
        fillers.has(tokens[next]!.word)
      ) {
        next += 1;
        skipped += 1;
      }
      if (
        next >= tokens.length ||
        tokens[next]!.word !== entry.words[offset] ||
        tokens[next]!.clause !== clause
      ) {
        matches = false;
        break;
      }
      cursor = next;
    }
    if (matches) return { entry, last: cursor };
  }
  return undefined;
}
