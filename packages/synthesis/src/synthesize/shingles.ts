const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const SPACE = 32;

const isWordCode = (code: number) => (code >= 97 && code <= 122) || (code >= 48 && code <= 57);

/**
 * Word n-gram shingles of a text (lower-cased, runs of characters other than [a-z0-9] as word
 * breaks), as 32-bit FNV-1a hashes of the words joined by single spaces. A text with fewer
 * than `size` words is one shingle of all its words; an empty text has none. One scan, no
 * substring per word or shingle.
 */
export function shingles(text: string, size = 3): Set<number> {
  // Non-ASCII text is lower-cased as Unicode first (a Kelvin sign becomes 'k'), then scanned.
  let source = text;
  for (let index = 0; index < text.length; index += 1) {
    if (text.charCodeAt(index) > 0x7f) {
      source = text.toLowerCase();
      break;
    }
  }
  const starts: number[] = [];
  const ends: number[] = [];
  let start = -1;
  for (let index = 0; index <= source.length; index += 1) {
    let code = index < source.length ? source.charCodeAt(index) : SPACE;
    if (code >= 65 && code <= 90) code += 32;
    if (isWordCode(code)) {
      if (start < 0) start = index;
    } else if (start >= 0) {
      starts.push(start);
      ends.push(index);
      start = -1;
    }
  }
  const result = new Set<number>();
  const words = starts.length;
  if (words === 0) return result;
  const width = Math.min(size, words);
  for (let first = 0; first + width <= words; first += 1) {
    let value = FNV_OFFSET;
    for (let word = first; word < first + width; word += 1) {
      if (word > first) value = Math.imul(value ^ SPACE, FNV_PRIME);
      for (let index = starts[word]!; index < ends[word]!; index += 1) {
        let code = source.charCodeAt(index);
        if (code >= 65 && code <= 90) code += 32;
        value = Math.imul(value ^ code, FNV_PRIME);
      }
    }
    result.add(value >>> 0);
  }
  return result;
}

/** Jaccard similarity of two shingle sets. */
export function jaccard(a: ReadonlySet<number>, b: ReadonlySet<number>): number {
  if (a.size === 0 && b.size === 0) return 1;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let shared = 0;
  for (const item of small) if (large.has(item)) shared += 1;
  return shared / (a.size + b.size - shared);
}

/**
 * An index of texts that answers "is this a near-duplicate of anything added so far?"
 * (shingled Jaccard at or above `threshold`). Candidates come from an inverted index over
 * shingles, so each query touches only texts that share a shingle.
 */
export class NearDuplicateIndex {
  private readonly sets: Set<number>[] = [];
  private readonly postings = new Map<number, number[]>();

  constructor(
    readonly threshold = 0.8,
    readonly shingleSize = 3,
  ) {}

  /** The index of a near-duplicate already added, or -1. */
  find(text: string): number {
    return this.findSet(shingles(text, this.shingleSize));
  }

  /** Adds `text` unless it is a near-duplicate; returns true when added. */
  addIfNew(text: string): boolean {
    const set = shingles(text, this.shingleSize);
    if (this.findSet(set) !== -1) return false;
    const id = this.sets.length;
    this.sets.push(set);
    for (const shingle of set) {
      const list = this.postings.get(shingle);
      if (list) list.push(id);
      else this.postings.set(shingle, [id]);
    }
    return true;
  }

  private findSet(set: Set<number>): number {
    const counts = new Map<number, number>();
    for (const shingle of set) {
      for (const id of this.postings.get(shingle) ?? []) counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    for (const [id, shared] of counts) {
      const other = this.sets[id]!;
      if (shared / (set.size + other.size - shared) >= this.threshold) return id;
    }
    return -1;
  }
}

/**
 * Which texts are near-duplicates (shingled Jaccard >= `threshold`) of an earlier kept text or
 * of a `previous` text, deciding in order (the first of a group is kept). Exact, and
 * near-linear in practice: PPJoin's prefix and positional filters. Every set becomes the
 * sorted array of its shingles' ranks in one global order, rarest first; only a prefix of
 * |s| - ceil(t x |s|) + 1 ranks is indexed, and two sets with Jaccard >= t always share a
 * prefix rank. While a set's prefix is probed, each candidate's overlap found so far plus what
 * could still follow the matching positions bounds its final overlap: candidates that cannot
 * reach the overlap Jaccard t needs, ceil(t / (1 + t) x (|x| + |y|)), are dropped before the
 * exact count (texts that differ in a few rare words, as synthesized reasoning does, stop
 * there).
 */
export function findNearDuplicates(
  texts: readonly string[],
  options: {
    readonly threshold?: number;
    readonly shingleSize?: number;
    readonly previous?: readonly string[];
  } = {},
): boolean[] {
  const threshold = options.threshold ?? 0.8;
  const size = options.shingleSize ?? 3;
  const previous = options.previous ?? [];
  const hashed = [...previous, ...texts].map((text) => shingles(text, size));

  // Global order: ascending frequency, then hash; rank = position in that order.
  const frequency = new Map<number, number>();
  for (const set of hashed)
    for (const shingle of set) frequency.set(shingle, (frequency.get(shingle) ?? 0) + 1);
  const order = [...frequency.keys()].sort((a, b) => frequency.get(a)! - frequency.get(b)! || a - b);
  const rankOf = new Map<number, number>();
  for (let rank = 0; rank < order.length; rank += 1) rankOf.set(order[rank]!, rank);
  const sets = hashed.map((set) => {
    const ranks = new Int32Array(set.size);
    let at = 0;
    for (const shingle of set) ranks[at++] = rankOf.get(shingle)!;
    return ranks.sort();
  });

  const prefixLength = (length: number) => Math.max(1, length - Math.ceil(threshold * length) + 1);
  const required = (a: number, b: number) => Math.ceil((threshold / (1 + threshold)) * (a + b) - 1e-9);
  // postings[rank]: kept set ids and positions, interleaved.
  const postings: (number[] | undefined)[] = new Array(order.length);
  const kept: Int32Array[] = [];
  const overlap = new Int32Array(sets.length);
  const touched: number[] = [];
  const keep = (set: Int32Array) => {
    const id = kept.length;
    kept.push(set);
    const prefix = Math.min(set.length, prefixLength(set.length));
    for (let position = 0; position < prefix; position += 1) {
      const list = postings[set[position]!];
      if (list) list.push(id, position);
      else postings[set[position]!] = [id, position];
    }
  };
  const PRUNED = -1;

  const isDuplicate = (set: Int32Array): boolean => {
    if (set.length === 0) return kept.some((other) => other.length === 0);
    const prefix = Math.min(set.length, prefixLength(set.length));
    touched.length = 0;
    for (let position = 0; position < prefix; position += 1) {
      const list = postings[set[position]!];
      if (!list) continue;
      for (let entry = 0; entry < list.length; entry += 2) {
        const id = list[entry]!;
        const seen = overlap[id]!;
        if (seen === PRUNED) continue;
        const other = kept[id]!;
        if (seen === 0) {
          // Size filter: Jaccard >= t needs t|x| <= |y| <= |x| / t.
          if (Math.min(other.length, set.length) < threshold * Math.max(other.length, set.length)) {
            overlap[id] = PRUNED;
            touched.push(id);
            continue;
          }
          touched.push(id);
        }
        const bound = seen + 1 + Math.min(set.length - position - 1, other.length - list[entry + 1]! - 1);
        overlap[id] = bound >= required(set.length, other.length) ? seen + 1 : PRUNED;
      }
    }
    let found = false;
    for (const id of touched) {
      if (!found && overlap[id]! > 0 && jaccardOfSorted(set, kept[id]!) >= threshold) found = true;
      overlap[id] = 0;
    }
    return found;
  };

  for (let index = 0; index < previous.length; index += 1) keep(sets[index]!);
  return texts.map((_, index) => {
    const set = sets[previous.length + index]!;
    if (isDuplicate(set)) return true;
    keep(set);
    return false;
  });
}

/** Jaccard similarity of two sorted arrays of distinct integers (merge count). */
function jaccardOfSorted(a: Int32Array, b: Int32Array): number {
  if (a.length === 0 && b.length === 0) return 1;
  let shared = 0;
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const difference = a[i]! - b[j]!;
    if (difference === 0) {
      shared += 1;
      i += 1;
      j += 1;
    } else if (difference < 0) i += 1;
    else j += 1;
  }
  return shared / (a.length + b.length - shared);
}
