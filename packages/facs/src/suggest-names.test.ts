import { describe, expect, it } from 'vitest';
import { didYouMean, suggestNames } from './suggest-names';

describe('suggestNames', () => {
  it('suggests close names, best first, case-insensitively', () => {
    expect(suggestNames('onx', ['onnx', 'openai', 'baseline'])).toEqual(['onnx']);
    expect(suggestNames('opnai', ['onnx', 'openai', 'baseline'])).toEqual(['openai']);
    expect(suggestNames('open', ['onnx', 'openai'])).toEqual(['openai']);
    expect(suggestNames('RAFBD', ['disfa', 'rafdb', 'raf-au'])).toEqual(['rafdb']);
    expect(suggestNames('aligend', ['facial-r1', 'facial-r1-robust', 'aligned'])).toEqual(['aligned']);
    expect(suggestNames('facial', ['facial-r1', 'facial-r1-robust', 'aligned'])).toEqual([
      'facial-r1',
      'facial-r1-robust',
    ]);
  });

  it('suggests nothing for a name far from all, and at most `max`', () => {
    expect(suggestNames('vllm', ['onnx', 'openai', 'baseline'])).toEqual([]);
    expect(suggestNames('ab', ['aa', 'ac', 'ad', 'ae'], { max: 2 })).toEqual(['aa', 'ac']);
  });

  it('phrases the suggestions for a message', () => {
    expect(didYouMean(['rafdb'])).toBe(' (did you mean "rafdb"?)');
    expect(didYouMean(['a', 'b'])).toBe(' (did you mean "a" or "b"?)');
    expect(didYouMean([])).toBe('');
  });
});
