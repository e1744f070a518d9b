import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EMOTION_LEXICON, EMOTION_TERMS, EMOTIONS, isEmotion, normalizeEmotion } from './emotions';

describe('normalizeEmotion', () => {
  it.each([
    ['Happy', 'happiness'],
    ['joy.', 'happiness'],
    ['Joyful!', 'happiness'],
    ['smiling', 'happiness'],
    ['ANGRY', 'anger'],
    ['anger', 'anger'],
    [' Sadness! ', 'sadness'],
    ['sorrow', 'sadness'],
    ['sad', 'sadness'],
    ['scared', 'fear'],
    ['afraid', 'fear'],
    ['"Fearful"', 'fear'],
    ['contemptuous', 'contempt'],
    ['Surprised', 'surprise'],
    ['astonished', 'surprise'],
    ['disgusted', 'disgust'],
    ['calm', 'neutral'],
    ['Neutral.', 'neutral'],
    ['grossed-out', 'disgust'],
    ['grossed   out', 'disgust'],
    ['banana', null],
    ['happy sad', null],
    ['', null],
    ['   ', null],
    ['...', null],
  ] as const)('%j -> %s', (term, expected) => {
    expect(normalizeEmotion(term)).toBe(expected);
  });

  it('maps every lexicon term to its emotion and every canonical emotion to itself', () => {
    for (const emotion of EMOTIONS) {
      expect(normalizeEmotion(emotion)).toBe(emotion);
      expect(normalizeEmotion(emotion.toUpperCase())).toBe(emotion);
      for (const term of [...EMOTION_LEXICON[emotion].synonyms, ...EMOTION_LEXICON[emotion].adjectives]) {
        expect(term, term).toBe(term.toLowerCase());
        expect(normalizeEmotion(term)).toBe(emotion);
      }
    }
  });

  it('gives no term to two emotions', () => {
    const owner = new Map<string, string>();
    for (const emotion of EMOTIONS) {
      for (const term of new Set([
        emotion,
        ...EMOTION_LEXICON[emotion].synonyms,
        ...EMOTION_LEXICON[emotion].adjectives,
      ])) {
        expect(owner.get(term), `"${term}" in ${emotion}`).toBeUndefined();
        owner.set(term, emotion);
      }
    }
    expect(EMOTION_TERMS.length).toBe(owner.size);
  });

  it('is idempotent and returns only canonical emotions', () => {
    const terms = EMOTION_TERMS.map(([term]) => term);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc
            .tuple(fc.constantFrom(...terms), fc.constantFrom('', '.', '!', ' ', '"'), fc.boolean())
            .map(([term, punctuation, upper]) => `${upper ? term.toUpperCase() : term}${punctuation}`),
        ),
        (term) => {
          const once = normalizeEmotion(term);
          if (once === null) return;
          expect(isEmotion(once)).toBe(true);
          expect(normalizeEmotion(once)).toBe(once);
        },
      ),
    );
  });
});

describe('isEmotion', () => {
  it('accepts exactly the canonical emotions', () => {
    for (const emotion of EMOTIONS) expect(isEmotion(emotion)).toBe(true);
    expect(isEmotion('happy')).toBe(false);
    expect(isEmotion(3)).toBe(false);
  });
});
