import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findNearDuplicates, jaccard, shingles } from './shingles';

/** The definition: FNV-1a of the lower-cased words joined by spaces, word runs [a-z0-9]. */
function referenceShingles(text: string, size = 3): Set<number> {
  const words = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .filter(Boolean);
  const hash = (value: string) => {
    let result = 0x811c9dc5;
    for (let index = 0; index < value.length; index += 1)
      result = Math.imul(result ^ value.charCodeAt(index), 0x01000193);
    return result >>> 0;
  };
  const result = new Set<number>();
  if (words.length < size) {
    if (words.length) result.add(hash(words.join(' ')));
    return result;
  }
  for (let index = 0; index + size <= words.length; index += 1)
    result.add(hash(words.slice(index, index + size).join(' ')));
  return result;
}

/** Brute force: compare with every kept text. */
function bruteForce(texts: readonly string[], previous: readonly string[], threshold: number): boolean[] {
  const kept = previous.map((item) => shingles(item));
  return texts.map((item) => {
    const set = shingles(item);
    if (kept.some((other) => jaccard(set, other) >= threshold)) return true;
    kept.push(set);
    return false;
  });
}

describe('shingles', () => {
  it('are the FNV-1a hashes of lower-cased word trigrams, on any text', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc
        .array(fc.constantFrom('Brows', 'AU12', 'raised,', ' ', 'café', 'K\u212a', 'İ', '--', 'x9'), {
          maxLength: 15,
        })
        .map((words) => words.join(' ')),
    );
    fc.assert(
      fc.property(text, fc.constantFrom(1, 2, 3, 5), (value, size) => {
        expect(shingles(value, size)).toEqual(referenceShingles(value, size));
      }),
      { numRuns: 500 },
    );
  });
});

describe('near-duplicate detection', () => {
  it('the prefix and positional filters decide exactly like comparing against every kept text', () => {
    const word = fc.oneof(
      fc.constantFrom('brows', 'raised', 'lips', 'pressed', 'cheeks', 'smile', 'AU4', 'AU12', 'anger', 'joy'),
      fc.integer({ min: 0, max: 40 }).map(String),
    );
    const text = fc.array(word, { minLength: 0, maxLength: 24 }).map((words) => words.join(' '));
    fc.assert(
      fc.property(
        fc.array(text, { maxLength: 25 }),
        fc.array(text, { maxLength: 5 }),
        fc.constantFrom(0.5, 0.6, 0.8, 0.9, 1),
        (texts, previous, threshold) => {
          expect(findNearDuplicates(texts, { threshold, previous })).toEqual(
            bruteForce(texts, previous, threshold),
          );
        },
      ),
      { numRuns: 400 },
    );
  });

  it('templated texts that differ in one number: kept just under the threshold, caught at it', () => {
    // 30 words: each text has 28 trigrams, 3 of them hold its number; two texts share 25 of
    // their 28 trigrams, so their Jaccard is 25 / 31 = 0.806.
    const template = (index: number) =>
      `the inner brows rise AU1 and the outer brows rise AU2 while the upper lids lift AU5 in image ${index} so the jaw drops AU26 and the face shows surprise`;
    const texts = Array.from({ length: 300 }, (_, index) => template(index));
    const set = shingles(texts[0]!);
    const similarity = jaccard(set, shingles(texts[1]!));
    expect(similarity).toBeCloseTo(25 / 31, 12);
    expect(findNearDuplicates(texts, { threshold: 0.81 })).toEqual(texts.map(() => false));
    expect(findNearDuplicates(texts, { threshold: 25 / 31 })).toEqual(texts.map((_, index) => index > 0));
    expect(findNearDuplicates(texts, { threshold: 0.81 })).toEqual(bruteForce(texts, [], 0.81));
  });

  it('an empty text is a duplicate of an earlier empty text only', () => {
    expect(findNearDuplicates(['', 'brows raised high', '', '...'])).toEqual([false, false, true, true]);
  });
});
