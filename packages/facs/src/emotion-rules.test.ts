import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bestSupportedEmotion, EMOTION_RULES, scoreEmotionsFromAus } from './emotion-rules';
import { EMOTIONS } from './emotions';

describe('scoreEmotionsFromAus', () => {
  it.each([
    [['AU6', 'AU12'], 'happiness'],
    [['AU1', 'AU4', 'AU15'], 'sadness'],
    [['AU1', 'AU2', 'AU5', 'AU26'], 'surprise'],
    [['AU1', 'AU2', 'AU4', 'AU5', 'AU20', 'AU26'], 'fear'],
    [['AU4', 'AU5', 'AU7', 'AU23'], 'anger'],
    [['AU9', 'AU15', 'AU16'], 'disgust'],
    [['AU10', 'AU17'], 'disgust'],
    [['AU14'], 'contempt'],
    [[], 'neutral'],
    [['AU43'], 'neutral'],
  ])('%j supports %s first', (aus, emotion) => {
    const [best] = scoreEmotionsFromAus(aus);
    expect(best!.emotion).toBe(emotion);
  });

  it('gives each prototype a full score with its rule, matched and missing AUs', () => {
    const [best] = scoreEmotionsFromAus(['au6', 'AU012']);
    expect(best).toMatchObject({ emotion: 'happiness', score: 1, matched: ['AU6', 'AU12'], missing: [] });
    expect(best!.rule?.name).toBe('happiness/prototype');
    const sadness = scoreEmotionsFromAus([1, 4]).find((support) => support.emotion === 'sadness')!;
    expect(sadness.missing).toEqual(['AU15']);
    expect(sadness.score).toBeCloseTo((2 / 3) * 1, 10);
  });

  it('discounts a prototype among AUs of other emotions', () => {
    const ranked = scoreEmotionsFromAus(['AU6', 'AU12', 'AU4', 'AU15']);
    const happiness = ranked.find((support) => support.emotion === 'happiness')!;
    // 6+12 complete, but only 2 of the 4 informative AUs are happiness AUs: 1 x (0.5 + 0.5 x 0.5)
    expect(happiness.score).toBeCloseTo(0.75, 10);
    // 6+15 (sadness variant) is complete too and sadness explains 4, 6 and 15: 1 x (0.5 + 0.5 x 0.75)
    expect(ranked[0]).toMatchObject({ emotion: 'sadness', score: 0.875 });
  });

  it('returns all eight emotions sorted, ties in EMOTIONS order, every rule citing a source', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 46 }), { maxLength: 8 }), (codes) => {
        const ranked = scoreEmotionsFromAus(codes);
        expect(ranked.map((support) => support.emotion).sort()).toEqual([...EMOTIONS].sort());
        for (let index = 1; index < ranked.length; index += 1) {
          const previous = ranked[index - 1]!;
          const current = ranked[index]!;
          expect(previous.score).toBeGreaterThanOrEqual(current.score);
          if (previous.score === current.score) {
            expect(EMOTIONS.indexOf(previous.emotion)).toBeLessThan(EMOTIONS.indexOf(current.emotion));
          }
          expect(current.score).toBeGreaterThanOrEqual(0);
          expect(current.score).toBeLessThanOrEqual(1);
        }
      }),
    );
    for (const rule of EMOTION_RULES) expect(rule.source.length).toBeGreaterThan(10);
  });

  it('bestSupportedEmotion applies a minimum score and refuses ties', () => {
    expect(bestSupportedEmotion(['AU6', 'AU12'])).toEqual({ emotion: 'happiness', score: 1 });
    expect(bestSupportedEmotion([])).toEqual({ emotion: 'neutral', score: 1 });
    expect(bestSupportedEmotion(['AU1', 'AU2'], { minScore: 0.9 })).toBeNull();
    // AU9 (disgust) and AU14 (contempt): two complete single-AU rules, equal scores.
    expect(bestSupportedEmotion(['AU9', 'AU14'])).toBeNull();
  });
});
