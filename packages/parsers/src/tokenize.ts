import {
  HASH_SEED,
  hashStep,
  type Lexicon,
  type PhraseEntry,
  type PhraseSet,
  WORD_CLAUSE,
  WORD_FILLER,
} from './lexicon';

/**
 * The words of a text, as parallel typed arrays (no object per word): a word is a run of ASCII
 * [A-Za-z0-9], looked up case-insensitively in a {@link Lexicon}. Reused between parses.
 */
export class TokenBuffer {
  length = 0;
  start: Int32Array;
  end: Int32Array;
  /** Lexicon id, or -1 for a word outside the lexicon. */
  word: Int32Array;
  /** Increments at every clause boundary (.;:!?, newline, tag brackets, commas, "but"...). */
  clause: Int32Array;
  /** Increments at sentence boundaries only (.;:!? newline, tag brackets). */
  sentence: Int32Array;
  /** 1 when the word is digits, optionally followed by one intensity letter a-e ("12", "12c"). */
  numeric: Uint8Array;

  constructor(private readonly initialCapacity = 256) {
    this.start = new Int32Array(initialCapacity);
    this.end = new Int32Array(initialCapacity);
    this.word = new Int32Array(initialCapacity);
    this.clause = new Int32Array(initialCapacity);
    this.sentence = new Int32Array(initialCapacity);
    this.numeric = new Uint8Array(initialCapacity);
  }

  /** Doubles the capacity, keeping the tokens. */
  grow(): void {
    const capacity = this.start.length * 2;
    const copy = <A extends Int32Array | Uint8Array>(array: A, make: (size: number) => A): A => {
      const grown = make(capacity);
      grown.set(array);
      return grown;
    };
    this.start = copy(this.start, (size) => new Int32Array(size));
    this.end = copy(this.end, (size) => new Int32Array(size));
    this.word = copy(this.word, (size) => new Int32Array(size));
    this.clause = copy(this.clause, (size) => new Int32Array(size));
    this.sentence = copy(this.sentence, (size) => new Int32Array(size));
    this.numeric = copy(this.numeric, (size) => new Uint8Array(size));
  }

  /** Gives back the memory of a huge text once it has been parsed. */
  release(): void {
    if (this.start.length > 1 << 16) {
      this.start = new Int32Array(this.initialCapacity);
      this.end = new Int32Array(this.initialCapacity);
      this.word = new Int32Array(this.initialCapacity);
      this.clause = new Int32Array(this.initialCapacity);
      this.sentence = new Int32Array(this.initialCapacity);
      this.numeric = new Uint8Array(this.initialCapacity);
    }
    this.length = 0;
  }

  /** Index of the first token whose start is >= `position` (binary search). */
  tokenAt(position: number): number {
    let low = 0;
    let high = this.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.start[middle]! < position) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

const isWordCode = (code: number) =>
  (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57);

/** Tokenizes `text` into `buffer` (reset first), in one pass. */
export function tokenize(text: string, lexicon: Lexicon, buffer: TokenBuffer): TokenBuffer {
  buffer.length = 0;
  let clause = 0;
  let sentence = 0;
  let index = 0;
  const length = text.length;
  const maxLength = lexicon.maxLength;
  while (index < length) {
    const code = text.charCodeAt(index);
    if (isWordCode(code)) {
      const start = index;
      let hash = HASH_SEED;
      let digits = 0;
      let letters = 0;
      let lastLetter = 0;
      while (index < length) {
        let next = text.charCodeAt(index);
        if (next >= 65 && next <= 90) next += 32;
        else if (!((next >= 97 && next <= 122) || (next >= 48 && next <= 57))) break;
        if (next <= 57) digits += 1;
        else {
          letters += 1;
          lastLetter = next;
        }
        hash = hashStep(hash, next);
        index += 1;
      }
      const size = index - start;
      const id = size <= maxLength ? lexicon.lookup(text, start, index, hash) : -1;
      if (id >= 0 && (lexicon.flagsOf(id) & WORD_CLAUSE) !== 0) clause += 1;
      if (buffer.length === buffer.start.length) buffer.grow();
      const at = buffer.length;
      buffer.start[at] = start;
      buffer.end[at] = index;
      buffer.word[at] = id;
      buffer.clause[at] = clause;
      buffer.sentence[at] = sentence;
      // Digits, optionally one trailing intensity letter: "12", "12c" (not "c12").
      buffer.numeric[at] =
        digits > 0 &&
        (letters === 0 ||
          (letters === 1 && lastLetter >= 97 && lastLetter <= 101 && text.charCodeAt(index - 1) > 57))
          ? 1
          : 0;
      buffer.length = at + 1;
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
        text.charCodeAt(index - 1) >= 48 &&
        text.charCodeAt(index - 1) <= 57 &&
        text.charCodeAt(index + 1) >= 48 &&
        text.charCodeAt(index + 1) <= 57;
      if (!between) {
        clause += 1;
        sentence += 1;
      }
    } else if (code === 44) clause += 1;
    index += 1;
  }
  return buffer;
}

/**
 * The longest phrase of `phrases` starting at token `position`: the entry and the index of its
 * last token, or undefined. With `fillers`, up to two filler words may stand between the
 * phrase's words ("brows *are* lowered"); the phrase stays within one clause.
 */
export function matchPhrase<T>(
  tokens: TokenBuffer,
  position: number,
  phrases: PhraseSet<T>,
  lexicon: Lexicon,
  fillers: boolean,
): { entry: PhraseEntry<T>; last: number } | undefined {
  const candidates = phrases.startingWith(tokens.word[position]!);
  if (!candidates) return undefined;
  const clause = tokens.clause[position]!;
  const count = tokens.length;
  for (const entry of candidates) {
    let cursor = position;
    let matches = true;
    for (let offset = 1; offset < entry.words.length; offset += 1) {
      const wanted = entry.words[offset]!;
      let next = cursor + 1;
      let skipped = 0;
      while (
        fillers &&
        skipped < 2 &&
        next < count &&
        tokens.word[next] !== wanted &&
        (lexicon.flagsOf(tokens.word[next]!) & WORD_FILLER) !== 0
      ) {
        next += 1;
        skipped += 1;
      }
      if (next >= count || tokens.word[next] !== wanted || tokens.clause[next] !== clause) {
        matches = false;
        break;
      }
      cursor = next;
    }
    if (matches) return { entry, last: cursor };
  }
  return undefined;
}
