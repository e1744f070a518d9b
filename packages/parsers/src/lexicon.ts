/**
 * The word lexicon of the robust parser: every word that occurs in an AU name or phrase, a
 * negation or hedging cue, an emotion term, or one of the small word classes (fillers, list
 * words, clause breakers). Words of a completion are looked up while they are scanned, through
 * an open-addressing hash table over ASCII-lower-cased character codes, so tokenizing allocates
 * no string per word; a word outside the lexicon gets id -1 and can match nothing.
 */

/** The hash of a word, updated one (lower-cased) character code at a time: FNV-1a. */
export const HASH_SEED = 0x811c9dc5 | 0;
export const hashStep = (hash: number, code: number): number => Math.imul(hash ^ code, 0x01000193);

/** Word classes, as bit flags of a lexicon id. */
export const WORD_CLAUSE = 1;
export const WORD_FILLER = 2;
export const WORD_LIST = 4;
export const WORD_POST_NEGATION = 8;

/** A growing lexicon; frozen (hash table built) by {@link Lexicon.freeze}. */
export class Lexicon {
  readonly words: string[] = [];
  private readonly ids = new Map<string, number>();
  private flags = new Uint8Array(0);
  private table = new Int32Array(0);
  private mask = 0;
  /** The longest word: longer words of a text are not looked up. */
  maxLength = 0;

  /** The id of `word` (lower-case [a-z0-9]+), added when new. */
  add(word: string): number {
    let id = this.ids.get(word);
    if (id === undefined) {
      id = this.words.length;
      this.words.push(word);
      this.ids.set(word, id);
      this.maxLength = Math.max(this.maxLength, word.length);
    }
    return id;
  }

  /** Adds `word` with a class flag. */
  mark(word: string, flag: number): void {
    const id = this.add(word);
    if (this.flags.length <= id) {
      const grown = new Uint8Array(Math.max(64, (id + 1) * 2));
      grown.set(this.flags);
      this.flags = grown;
    }
    this.flags[id]! |= flag;
  }

  /** The class flags of a word id (0 for -1). */
  flagsOf(id: number): number {
    return id < 0 || id >= this.flags.length ? 0 : this.flags[id]!;
  }

  /** Builds the hash table; call after the last {@link add}. */
  freeze(): void {
    let size = 16;
    while (size < this.words.length * 4) size *= 2;
    this.table = new Int32Array(size);
    this.mask = size - 1;
    const grown = new Uint8Array(this.words.length);
    grown.set(this.flags.subarray(0, Math.min(this.flags.length, grown.length)));
    this.flags = grown;
    for (let id = 0; id < this.words.length; id += 1) {
      const word = this.words[id]!;
      let hash = HASH_SEED;
      for (let index = 0; index < word.length; index += 1) hash = hashStep(hash, word.charCodeAt(index));
      let slot = hash & this.mask;
      while (this.table[slot] !== 0) slot = (slot + 1) & this.mask;
      this.table[slot] = id + 1;
    }
  }

  /**
   * The id of the word `text[start, end)` (ASCII letters compared case-insensitively) whose
   * hash is `hash`, or -1.
   */
  lookup(text: string, start: number, end: number, hash: number): number {
    const length = end - start;
    let slot = hash & this.mask;
    for (;;) {
      const entry = this.table[slot]!;
      if (entry === 0) return -1;
      const word = this.words[entry - 1]!;
      if (word.length === length) {
        let same = true;
        for (let offset = 0; offset < length; offset += 1) {
          let code = text.charCodeAt(start + offset);
          if (code >= 65 && code <= 90) code += 32;
          if (code !== word.charCodeAt(offset)) {
            same = false;
            break;
          }
        }
        if (same) return entry - 1;
      }
      slot = (slot + 1) & this.mask;
    }
  }

  /** The id of a lower-case word already in the lexicon, or -1 (for tests and building). */
  idOf(word: string): number {
    return this.ids.get(word) ?? -1;
  }
}

/** Splits a phrase into its lower-case [a-z0-9]+ words. */
export function phraseWords(phrase: string): string[] {
  return phrase.toLowerCase().match(/[a-z0-9]+/g) ?? [];
}

/** A multi-word pattern: its word ids and a value. */
export interface PhraseEntry<T> {
  readonly words: Int32Array;
  readonly value: T;
}

/** Phrases indexed by the id of their first word, longest first. */
export class PhraseSet<T> {
  // A dense array indexed by word id: faster than a Map on the per-word hot path.
  private readonly byFirst: (PhraseEntry<T>[] | undefined)[] = [];

  constructor(lexicon: Lexicon, entries: Iterable<readonly [phrase: string, value: T]>) {
    const seen = new Set<string>();
    for (const [phrase, value] of entries) {
      const words = phraseWords(phrase);
      const key = words.join(' ');
      if (words.length === 0 || seen.has(key)) continue;
      seen.add(key);
      const ids = Int32Array.from(words, (word) => lexicon.add(word));
      while (this.byFirst.length <= ids[0]!) this.byFirst.push(undefined);
      const list = this.byFirst[ids[0]!] ?? [];
      list.push({ words: ids, value });
      this.byFirst[ids[0]!] = list;
    }
    for (const list of this.byFirst) list?.sort((a, b) => b.words.length - a.words.length);
  }

  /** The phrases starting with word id `first` (longest first), or undefined. */
  startingWith(first: number): readonly PhraseEntry<T>[] | undefined {
    return first < 0 || first >= this.byFirst.length ? undefined : this.byFirst[first];
  }
}
