import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bestSupportedEmotion, EMOTION_RULES, scoreEmotionsFromAus } from './emotion-rules';
import { EMOTIONS } from './emotions';
import { naiveScoreEmotionsFromAus } from './naive-score-emotions';

const supportOf = (aus: Iterable<string | number>, emotion: string) =>
  scoreEmotionsFromAus(aus).find((support) => support.emotion === emotion)!;

describe('EMOTION_RULES', () => {
  it('covers every emotion but neutral, with FACS AUs and a source', () => {
    const emotions = new Set(EMOTION_RULES.map((rule) => rule.emotion));
    expect([...emotions].sort()).toEqual(EMOTIONS.filter((emotion) => emotion !== 'neutral'));
    const names = new Set<string>();
    for (const rule of EMOTION_RULES) {
      expect(names.has(rule.name), rule.name).toBe(false);
      names.add(rule.name);
      expect(rule.name.startsWith(`${rule.emotion}/`)).toBe(true);
      expect(rule.aus.length).toBeGreaterThan(0);
      expect(new Set(rule.aus).size).toBe(rule.aus.length);
      expect(rule.source).toMatch(/Ekman|Du, Tao & Martinez|Matsumoto/);
    }
  });
});

describe('scoreEmotionsFromAus', () => {
  it.each(
    EMOTION_RULES.filter((rule) => rule.name.includes('prototype')).map((rule) => [rule.name, rule] as const),
  )('prototype %s ranks its emotion first with a full score', (_name, rule) => {
    const [best] = scoreEmotionsFromAus(rule.aus);
    expect(best!.emotion).toBe(rule.emotion);
    expect(best!.score).toBe(1);
    expect(best!.missing).toEqual([]);
  });

  it.each([
    [['AU6', 'AU12'], 'happiness'],
    [['AU1', 'AU4', 'AU15'], 'sadness'],
    [['AU1', 'AU4', 'AU15', 'AU17'], 'sadness'],
    [['AU1', 'AU2', 'AU5', 'AU26'], 'surprise'],
    [['AU1', 'AU2', 'AU26'], 'surprise'],
    [['AU5', 'AU26'], 'surprise'],
    [['AU1', 'AU2', 'AU4', 'AU5', 'AU7', 'AU20', 'AU26'], 'fear'],
    [['AU1', 'AU2', 'AU4', 'AU5', 'AU20', 'AU25'], 'fear'],
    [['AU4', 'AU5', 'AU7', 'AU23'], 'anger'],
    [['AU4', 'AU7', 'AU24'], 'anger'],
    [['AU9'], 'disgust'],
    [['AU9', 'AU15', 'AU16'], 'disgust'],
    [['AU10', 'AU17'], 'disgust'],
    [['AU14'], 'contempt'],
    [['AU12', 'AU14'], 'contempt'],
    [[], 'neutral'],
    [['AU43'], 'neutral'],
    [['AU4'], 'neutral'],
    [['AU25'], 'neutral'],
  ])('%j supports %s first', (aus, emotion) => {
    expect(scoreEmotionsFromAus(aus)[0]!.emotion).toBe(emotion);
  });

  it('reports the best rule with its matched and missing AUs', () => {
    const [best] = scoreEmotionsFromAus(['au6', 'AU012']);
    expect(best).toMatchObject({ emotion: 'happiness', score: 1, matched: ['AU6', 'AU12'], missing: [] });
    expect(best!.rule?.name).toBe('happiness/prototype');
    // Equal scores: the complete rule that matches more AUs is reported.
    expect(scoreEmotionsFromAus(['AU6', 'AU12', 'AU25'])[0]).toMatchObject({
      emotion: 'happiness',
      score: 1,
      rule: { name: 'happiness/variant-open' },
      matched: ['AU6', 'AU12', 'AU25'],
    });
    const sadness = supportOf([1, 4], 'sadness');
    expect(sadness.rule?.name).toBe('sadness/prototype');
    expect(sadness.matched).toEqual(['AU1', 'AU4']);
    expect(sadness.missing).toEqual(['AU15']);
    expect(sadness.score).toBeCloseTo(2 / 3, 12);
  });

  it('accepts AUs in any spelling, ignores duplicates, unknown forms and rule-less AUs', () => {
    const reference = scoreEmotionsFromAus(['AU1', 'AU2', 'AU5', 'AU26']);
    for (const spelling of [
      ['AU01', 'au2', 'AU 5', '26'],
      [1, 2, 5, 26],
      new Set(['AU1', 'AU2', 'AU5', 'AU26']),
      ['AU1', 'AU1', 'AU2', 'AU5', 'AU26', 'AU43', 'AU45', 'AU61', 'happy', ''],
    ]) {
      expect(scoreEmotionsFromAus(spelling)).toEqual(reference);
    }
    function* generated() {
      yield 'AU1';
      yield 'AU2';
      yield 'AU5';
      yield 'AU26';
    }
    expect(scoreEmotionsFromAus(generated())).toEqual(reference);
  });

  it('discounts a prototype among AUs that only other emotions predict', () => {
    const ranked = scoreEmotionsFromAus(['AU6', 'AU12', 'AU4', 'AU15']);
    // 6+12 complete, but only 2 of the 4 informative AUs are happiness AUs: 1 x (0.5 + 0.5 x 0.5)
    expect(supportOf(['AU6', 'AU12', 'AU4', 'AU15'], 'happiness').score).toBeCloseTo(0.75, 12);
    // sadness has complete rules (6+15, 4+15) and predicts 4, 6 and 15: 1 x (0.5 + 0.5 x 0.75)
    expect(ranked[0]).toMatchObject({ emotion: 'sadness', score: 0.875 });
    expect(supportOf(['AU6', 'AU12', 'AU4', 'AU15'], 'neutral').score).toBe(0);
  });

  it('ranks a mixed fear/surprise face by what each emotion explains', () => {
    // 1+2+5+26 is surprise's prototype, and every AU is a fear AU too; 4+20 tip it to fear.
    expect(scoreEmotionsFromAus(['AU1', 'AU2', 'AU5', 'AU26'])[0]!.emotion).toBe('surprise');
    expect(scoreEmotionsFromAus(['AU1', 'AU2', 'AU4', 'AU5', 'AU20', 'AU26'])[0]!.emotion).toBe('fear');
    // A smile with a wrinkled nose: both complete, each explains half.
    const ranked = scoreEmotionsFromAus(['AU6', 'AU12', 'AU9']);
    expect(ranked[0]!.emotion).toBe('happiness');
    expect(supportOf(['AU6', 'AU12', 'AU9'], 'disgust').score).toBeCloseTo(2 / 3, 12);
  });

  it('returns all eight emotions, sorted, ties in EMOTIONS order, scores in [0, 1]', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 70 }), { maxLength: 10 }), (codes) => {
        const ranked = scoreEmotionsFromAus(codes);
        expect(ranked.map((support) => support.emotion).sort()).toEqual([...EMOTIONS].sort());
        for (let index = 0; index < ranked.length; index += 1) {
          const current = ranked[index]!;
          expect(current.score).toBeGreaterThanOrEqual(0);
          expect(current.score).toBeLessThanOrEqual(1);
          expect([...current.matched, ...current.missing].sort()).toEqual(
            [...(current.rule?.aus ?? [])].sort(),
          );
          if (index === 0) continue;
          const previous = ranked[index - 1]!;
          expect(previous.score).toBeGreaterThanOrEqual(current.score);
          if (previous.score === current.score) {
            expect(EMOTIONS.indexOf(previous.emotion)).toBeLessThan(EMOTIONS.indexOf(current.emotion));
          }
        }
      }),
    );
  });

  it('equals the naive reference implementation on any AU set', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.integer({ min: 0, max: 50 }),
            fc.integer({ min: 1, max: 46 }).map((code) => `AU${code}`),
            fc.integer({ min: 1, max: 46 }).map((code) => `au0${code}`),
            fc.string({ maxLength: 4 }),
          ),
          { maxLength: 12 },
        ),
        (aus) => {
          expect(scoreEmotionsFromAus(aus)).toEqual(naiveScoreEmotionsFromAus(aus));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('returns a fresh array each call, cached or not', () => {
    for (let call = 0; call < 3; call += 1) {
      const ranking = scoreEmotionsFromAus(['AU9']);
      expect(ranking[0]!.emotion).toBe('disgust');
      ranking.reverse();
      ranking.length = 0;
    }
    expect(scoreEmotionsFromAus(['AU9'])).toEqual(naiveScoreEmotionsFromAus(['AU9']));
  });
});

describe('bestSupportedEmotion', () => {
  it('is the first ranked support', () => {
    expect(bestSupportedEmotion(['AU6', 'AU12'])).toEqual(scoreEmotionsFromAus(['AU6', 'AU12'])[0]);
    expect(bestSupportedEmotion(['AU6', 'AU12'])).toMatchObject({
      emotion: 'happiness',
      score: 1,
      rule: { name: 'happiness/prototype' },
    });
    expect(bestSupportedEmotion([])).toMatchObject({ emotion: 'neutral', score: 1, rule: null });
  });

  it('agrees with the ranking on any set, on first sight and when cached', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 30 }), { maxLength: 7 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (codes, minScore) => {
          const expected = (() => {
            const [first, second] = naiveScoreEmotionsFromAus(codes);
            return first!.score < minScore || second!.score === first!.score ? null : first!;
          })();
          for (let call = 0; call < 3; call += 1) {
            expect(bestSupportedEmotion(codes, { minScore })).toEqual(expected);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('applies minScore (default 0.5) and refuses ties', () => {
    expect(bestSupportedEmotion(['AU1', 'AU2'], { minScore: 0.9 })).toBeNull();
    expect(bestSupportedEmotion(['AU1', 'AU2'])).toMatchObject({ emotion: 'surprise' });
    expect(bestSupportedEmotion(['AU1', 'AU2'], { minScore: 0 })).toMatchObject({ emotion: 'surprise' });
    // AU9 (disgust) and AU14 (contempt): two complete single-AU rules, equal scores.
    expect(bestSupportedEmotion(['AU9', 'AU14'])).toBeNull();
    expect(scoreEmotionsFromAus(['AU9', 'AU14'])[0]!.emotion).toBe('contempt');
  });
});
