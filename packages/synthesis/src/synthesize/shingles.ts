/** Word n-gram shingles of a text (lower-cased, punctuation stripped), as 32-bit hashes. */
export function shingles(text: string, size = 3): Set<number> {
  const words = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .filter(Boolean);
  const result = new Set<number>();
  if (words.length < size) {
    if (words.length) result.add(hash(words.join(' ')));
    return result;
  }
  for (let index = 0; index + size <= words.length; index += 1) {
    result.add(hash(words.slice(index, index + size).join(' ')));
  }
  return result;
}

function hash(text: string): number {
  // FNV-1a, 32 bit: stable across runs and platforms.
  let value = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    value ^= text.charCodeAt(index);
    value = Math.imul(value, 0x01000193);
  }
  return value >>> 0;
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
 * near-linear in practice: the AllPairs prefix filter. Every set's shingles are ordered rarest
 * first (by frequency over all texts), only a prefix of |s| - ceil(t x |s|) + 1 shingles is
 * indexed, and two sets with Jaccard >= t always share a prefix shingle, so only texts sharing
 * a rare shingle are compared exactly.
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
  const previous = (options.previous ?? []).map((text) => shingles(text, size));
  const current = texts.map((text) => shingles(text, size));
  const frequency = new Map<number, number>();
  for (const set of [...previous, ...current])
    for (const shingle of set) frequency.set(shingle, (frequency.get(shingle) ?? 0) + 1);
  const ordered = (set: Set<number>) =>
    [...set].sort((a, b) => frequency.get(a)! - frequency.get(b)! || a - b);
  const kept: Set<number>[] = [];
  const postings = new Map<number, number[]>();
  const keep = (set: Set<number>) => {
    const id = kept.length;
    kept.push(set);
    const order = ordered(set);
    const prefix = order.length - Math.ceil(threshold * order.length) + 1;
    for (const shingle of order.slice(0, Math.max(1, prefix))) {
      const list = postings.get(shingle);
      if (list) list.push(id);
      else postings.set(shingle, [id]);
    }
  };
  for (const set of previous) keep(set);
  return current.map((set) => {
    const order = ordered(set);
    const prefix = Math.max(1, order.length - Math.ceil(threshold * order.length) + 1);
    const seen = new Set<number>();
    for (const shingle of order.slice(0, prefix)) {
      for (const id of postings.get(shingle) ?? []) {
        if (seen.has(id)) continue;
        seen.add(id);
        const other = kept[id]!;
        if (Math.min(other.size, set.size) < threshold * Math.max(other.size, set.size)) continue;
        if (jaccard(set, other) >= threshold) return true;
      }
    }
    keep(set);
    return false;
  });
}
