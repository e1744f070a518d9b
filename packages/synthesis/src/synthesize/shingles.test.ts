import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findNearDuplicates, jaccard, shingles } from './shingles';

describe('near-duplicate detection', () => {
  it('the prefix filter decides exactly like comparing against every kept text', () => {
    const word = fc.constantFrom(
      'brows',
      'raised',
      'lips',
      'pressed',
      'cheeks',
      'smile',
      'AU4',
      'AU12',
      'anger',
      'joy',
    );
    const text = fc.array(word, { minLength: 2, maxLength: 12 }).map((words) => words.join(' '));
    fc.assert(
      fc.property(
        fc.array(text, { maxLength: 25 }),
        fc.array(text, { maxLength: 5 }),
        fc.constantFrom(0.5, 0.8, 1),
        (texts, previous, threshold) => {
          const kept = previous.map((item) => shingles(item));
          const expected = texts.map((item) => {
            const set = shingles(item);
            if (kept.some((other) => jaccard(set, other) >= threshold)) return true;
            kept.push(set);
            return false;
          });
          expect(findNearDuplicates(texts, { threshold, previous })).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});
