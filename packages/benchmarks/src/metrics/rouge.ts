import { rougeTokenize } from './text-tokens';

/** Precision, recall and F-measure of one ROUGE variant. */
export interface RougeScore {
  readonly precision: number;
  readonly recall: number;
  readonly fmeasure: number;
}

/** ROUGE-1, ROUGE-2 and ROUGE-L of one prediction against one reference. */
export interface RougeScores {
  readonly rouge1: RougeScore;
  readonly rouge2: RougeScore;
  readonly rougeL: RougeScore;
}

const fmeasure = (precision: number, recall: number) =>
  precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;

function ngramScore(reference: Int32Array, prediction: Int32Array, n: number): RougeScore {
  const counts = new Map<string, number>();
  let referenceTotal = 0;
  for (let index = 0; index + n <= reference.length; index += 1) {
    const key =
      n === 1 ? String(reference[index]) : Array.from(reference.subarray(index, index + n)).join(',');
    counts.set(key, (counts.get(key) ?? 0) + 1);
    referenceTotal += 1;
  }
  let overlap = 0;
  let predictionTotal = 0;
  for (let index = 0; index + n <= prediction.length; index += 1) {
    const key =
      n === 1 ? String(prediction[index]) : Array.from(prediction.subarray(index, index + n)).join(',');
    predictionTotal += 1;
    const available = counts.get(key);
    if (available) {
      overlap += 1;
      counts.set(key, available - 1);
    }
  }
  const precision = overlap / Math.max(predictionTotal, 1);
  const recall = overlap / Math.max(referenceTotal, 1);
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/**
 * Length of the longest common subsequence of two integer sequences, bit-parallel
 * (Allison-Dix / Hyyro): one pass over `prediction` with the reference's match masks packed
 * 32 positions to a word, O(n x ceil(m / 32)) instead of the O(n x m) table.
 */
let maskPool = new Uint32Array(4096);
let vectorPool = new Uint32Array(64);
// Per token id: the offset of its mask in maskPool, valid when stamp[id] === generation.
let slotOffset = new Int32Array(1024);
let slotStamp = new Uint32Array(1024);
let generation = 0;

export function lcsLength(reference: ArrayLike<number>, prediction: ArrayLike<number>): number {
  return lcsOf(reference, reference.length, prediction, prediction.length);
}

/** {@link lcsLength} over the first `length` and `predictionLength` items (reused buffers). */
function lcsOf(
  reference: ArrayLike<number>,
  length: number,
  prediction: ArrayLike<number>,
  predictionLength: number,
): number {
  if (length === 0 || predictionLength === 0) return 0;
  const words = (length + 31) >>> 5;
  generation = (generation + 1) >>> 0;
  if (generation === 0) {
    slotStamp.fill(0);
    generation = 1;
  }
  let maximumId = 0;
  for (let index = 0; index < length; index += 1) maximumId = Math.max(maximumId, reference[index]!);
  for (let index = 0; index < predictionLength; index += 1)
    maximumId = Math.max(maximumId, prediction[index]!);
  if (slotOffset.length <= maximumId) {
    slotOffset = new Int32Array((maximumId + 1) * 2);
    slotStamp = new Uint32Array((maximumId + 1) * 2);
  }
  if (maskPool.length < length * words) maskPool = new Uint32Array(length * words * 2);
  let distinct = 0;
  for (let index = 0; index < length; index += 1) {
    const token = reference[index]!;
    let slot: number;
    if (slotStamp[token] === generation) slot = slotOffset[token]!;
    else {
      slot = distinct * words;
      distinct += 1;
      slotStamp[token] = generation;
      slotOffset[token] = slot;
      maskPool.fill(0, slot, slot + words);
    }
    maskPool[slot + (index >>> 5)]! |= 1 << (index & 31);
  }
  if (vectorPool.length < words) vectorPool = new Uint32Array(words * 2);
  const vector = vectorPool;
  vector.fill(0xffffffff, 0, words);
  for (let position = 0; position < predictionLength; position += 1) {
    const token = prediction[position]!;
    if (slotStamp[token] !== generation) continue;
    const slot = slotOffset[token]!;
    let carry = 0;
    let borrow = 0;
    for (let word = 0; word < words; word += 1) {
      const v = vector[word]!;
      const u = (v & maskPool[slot + word]!) >>> 0;
      const sum = v + u + carry;
      carry = sum > 0xffffffff ? 1 : 0;
      const difference = v - u - borrow;
      borrow = difference < 0 ? 1 : 0;
      vector[word] = ((sum >>> 0) | (difference >>> 0)) >>> 0;
    }
  }
  let zeros = 0;
  for (let index = 0; index < length; index += 1)
    if ((vector[index >>> 5]! & (1 << (index & 31))) === 0) zeros += 1;
  return zeros;
}

/**
 * ROUGE-1/2/L F-measures with `rouge-score` semantics (`RougeScorer(['rouge1', 'rouge2',
 * 'rougeL'], use_stemmer=True)`, `score(target=reference, prediction=prediction)`): ROUGE-N
 * from clipped n-gram counts (precision over the prediction's n-grams, recall over the
 * reference's, each over at least 1); ROUGE-L from the longest common subsequence (0 when
 * either side has no tokens); F = 2PR / (P + R), 0 when P + R = 0.
 */
export function rougeScores(
  prediction: string,
  reference: string,
  options: { readonly stem?: boolean } = {},
): RougeScores {
  resetCachesIfLarge();
  const referenceIds = toIds(rougeTokenize(reference, options));
  const predictionIds = toIds(rougeTokenize(prediction, options));
  let rougeL: RougeScore = { precision: 0, recall: 0, fmeasure: 0 };
  if (referenceIds.length && predictionIds.length) {
    const lcs = lcsLength(referenceIds, predictionIds);
    const precision = lcs / predictionIds.length;
    const recall = lcs / referenceIds.length;
    rougeL = { precision, recall, fmeasure: fmeasure(precision, recall) };
  }
  return {
    rouge1: ngramScore(referenceIds, predictionIds, 1),
    rouge2: ngramScore(referenceIds, predictionIds, 2),
    rougeL,
  };
}

// Raw token -> id of its stem, so the ROUGE-L fast path does one lookup per token.
// Tokens are interned to integers once (bounded), so the LCS compares numbers.
const INTERNED = new Map<string, number>();
function toIds(tokens: readonly string[]): Int32Array {
  const ids = new Int32Array(tokens.length);
  for (let index = 0; index < tokens.length; index += 1) {
    const token = tokens[index]!;
    let id = INTERNED.get(token);
    if (id === undefined) {
      id = INTERNED.size;
      INTERNED.set(token, id);
    }
    ids[index] = id;
  }
  return ids;
}

/**
 * Raw token -> id of its stem, keyed by the characters of the text itself: an open-addressing
 * table probed with a hash computed while scanning, so the ROUGE-L fast path makes no substring
 * and no Map lookup per token; a token is sliced and stemmed only the first time it is seen.
 */
class StemIdTable {
  #capacity = 0;
  #keys: (string | undefined)[] = [];
  #hashes = new Int32Array(0);
  #ids = new Int32Array(0);
  size = 0;

  constructor() {
    this.clear();
  }

  clear(): void {
    this.#allocate(1 << 14);
  }

  #allocate(capacity: number): void {
    this.#capacity = capacity;
    this.#keys = new Array(capacity);
    this.#hashes = new Int32Array(capacity);
    this.#ids = new Int32Array(capacity);
    this.size = 0;
  }

  /** The stem id of the lower-cased ASCII token `text[start, end)` whose hash is `hash`. */
  idOf(text: string, start: number, end: number, hash: number): number {
    const mask = this.#capacity - 1;
    const length = end - start;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const key = this.#keys[slot];
      if (key === undefined) break;
      if (this.#hashes[slot] !== hash || key.length !== length) continue;
      let same = true;
      for (let offset = 0; offset < length; offset += 1) {
        let code = text.charCodeAt(start + offset);
        if (code >= 65 && code <= 90) code += 32;
        if (code !== key.charCodeAt(offset)) {
          same = false;
          break;
        }
      }
      if (same) return this.#ids[slot]!;
    }
    const token = text.slice(start, end).toLowerCase();
    const id = toIds(rougeTokenize(token))[0]!;
    this.#insert(token, hash, id);
    return id;
  }

  #insert(key: string, hash: number, id: number): void {
    if ((this.size + 1) * 2 > this.#capacity) this.#grow();
    const mask = this.#capacity - 1;
    let slot = hash & mask;
    while (this.#keys[slot] !== undefined) slot = (slot + 1) & mask;
    this.#keys[slot] = key;
    this.#hashes[slot] = hash;
    this.#ids[slot] = id;
    this.size += 1;
  }

  #grow(): void {
    const keys = this.#keys;
    const hashes = this.#hashes;
    const ids = this.#ids;
    this.#allocate(this.#capacity * 2);
    for (let slot = 0; slot < keys.length; slot += 1)
      if (keys[slot] !== undefined) this.#insert(keys[slot]!, hashes[slot]!, ids[slot]!);
  }
}

const STEM_IDS = new StemIdTable();

// Bounded caches, reset only at the start of a scoring call so both sides of a pair always
// share one id space.
function resetCachesIfLarge(): void {
  if (INTERNED.size > 500_000 || STEM_IDS.size > 500_000) {
    INTERNED.clear();
    STEM_IDS.clear();
  }
}

/** FNV-1a step over a lower-cased character code. */
const hashStep = (hash: number, code: number) => Math.imul(hash ^ code, 0x01000193);
const HASH_SEED = 0x811c9dc5 | 0;

/** Reused id buffers of the two sides of a pair. */
class IdBuffer {
  ids = new Int32Array(256);
  length = 0;
  push(id: number): void {
    if (this.length === this.ids.length) {
      const grown = new Int32Array(this.ids.length * 2);
      grown.set(this.ids);
      this.ids = grown;
    }
    this.ids[this.length] = id;
    this.length += 1;
  }
}
const REFERENCE_IDS = new IdBuffer();
const PREDICTION_IDS = new IdBuffer();

/**
 * Fills `buffer` with the stem ids of `text`'s tokens (the {@link rougeTokenize} tokens),
 * scanning ASCII text in place; text with any non-ASCII character goes through the Unicode
 * lower-casing of {@link rougeTokenize} instead.
 */
function stemmedIds(text: string, buffer: IdBuffer): IdBuffer {
  buffer.length = 0;
  let start = -1;
  let hash = HASH_SEED;
  const length = text.length;
  for (let index = 0; index <= length; index += 1) {
    let code = index < length ? text.charCodeAt(index) : 32;
    if (code > 0x7f) {
      buffer.length = 0;
      for (const token of rougeTokenize(text, { stem: false })) {
        let tokenHash = HASH_SEED;
        for (let offset = 0; offset < token.length; offset += 1)
          tokenHash = hashStep(tokenHash, token.charCodeAt(offset));
        buffer.push(STEM_IDS.idOf(token, 0, token.length, tokenHash));
      }
      return buffer;
    }
    if (code >= 65 && code <= 90) code += 32;
    if ((code >= 97 && code <= 122) || (code >= 48 && code <= 57)) {
      if (start < 0) {
        start = index;
        hash = HASH_SEED;
      }
      hash = hashStep(hash, code);
    } else if (start >= 0) {
      buffer.push(STEM_IDS.idOf(text, start, index, hash));
      start = -1;
    }
  }
  return buffer;
}

/** ROUGE-L F-measure only (the FEA-20K column), without the n-gram work. */
export function rougeL(prediction: string, reference: string): number {
  resetCachesIfLarge();
  const referenceIds = stemmedIds(reference, REFERENCE_IDS);
  const predictionIds = stemmedIds(prediction, PREDICTION_IDS);
  if (!referenceIds.length || !predictionIds.length) return 0;
  const lcs = lcsOf(referenceIds.ids, referenceIds.length, predictionIds.ids, predictionIds.length);
  return fmeasure(lcs / predictionIds.length, lcs / referenceIds.length);
}
