import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { didYouMean, editDistance, suggestClosest } from './suggest-closest';

describe('suggestClosest', () => {
  it('suggests close names, best first, case-insensitively', () => {
    expect(suggestClosest('rafbd', ['rafdb', 'raf-au', 'disfa'])).toEqual(['rafdb']);
    expect(suggestClosest('OPENAI', ['onnx', 'openai', 'baseline'])).toEqual(['openai']);
    expect(suggestClosest('--benchmrk', ['--benchmark', '--data', '--model'])).toEqual(['--benchmark']);
    expect(suggestClosest('tset', ['train', 'test'])).toEqual(['test']);
    expect(suggestClosest('zzzzzz', ['train', 'test'])).toEqual([]);
    expect(didYouMean('tset', ['train', 'test'])).toBe(' (did you mean "test"?)');
    expect(didYouMean('zzzz', ['train'])).toBe('');
  });

  it('edit distance is a metric', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), (a, b) => {
        expect(editDistance(a, b)).toBe(editDistance(b, a));
        expect(editDistance(a, a)).toBe(0);
        expect(editDistance(a, b)).toBeLessThanOrEqual(Math.max(a.length, b.length));
      }),
    );
  });
});
