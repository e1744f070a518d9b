import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EMOTION_LEXICON, EMOTIONS, normalizeEmotion } from './emotions';
import { decodeEmotionCode, LABEL_MAPS, UnknownLabelCodeError } from './label-maps';

describe('emotions', () => {
  it('normalises case, punctuation, synonyms and adjectives', () => {
    for (const [term, expected] of [
      ['Happy', 'happiness'],
      ['joy.', 'happiness'],
      ['ANGRY', 'anger'],
      [' Sadness! ', 'sadness'],
      ['scared', 'fear'],
      ['contemptuous', 'contempt'],
      ['Surprised', 'surprise'],
      ['disgusted', 'disgust'],
      ['calm', 'neutral'],
      ['grossed-out', 'disgust'],
      ['banana', null],
      ['', null],
    ] as const) {
      expect(normalizeEmotion(term)).toBe(expected);
    }
  });

  it('maps every lexicon term to its emotion, and is idempotent', () => {
    for (const emotion of EMOTIONS) {
      expect(normalizeEmotion(emotion)).toBe(emotion);
      for (const term of [...EMOTION_LEXICON[emotion].synonyms, ...EMOTION_LEXICON[emotion].adjectives]) {
        expect(normalizeEmotion(term)).toBe(emotion);
      }
    }
    fc.assert(
      fc.property(fc.string(), (term) => {
        const once = normalizeEmotion(term);
        if (once !== null) expect(normalizeEmotion(once)).toBe(once);
      }),
    );
  });
});

describe('label maps', () => {
  it('decodes each dataset code to the canonical emotion', () => {
    expect(decodeEmotionCode('rafdb', 1)).toBe('surprise');
    expect(decodeEmotionCode('rafdb', '7')).toBe('neutral');
    expect(decodeEmotionCode('fer2013', 3)).toBe('happiness');
    expect(decodeEmotionCode('affectnet', 7)).toBe('contempt');
    expect(decodeEmotionCode('ckplus', 2)).toBe('contempt');
    expect(decodeEmotionCode('ferplus', 7)).toBe('contempt');
    expect(decodeEmotionCode('jaffe', 'HA')).toBe('happiness');
    expect(LABEL_MAPS.rafdb.emotions).toEqual([
      'surprise',
      'fear',
      'disgust',
      'happiness',
      'sadness',
      'anger',
      'neutral',
    ]);
    expect(LABEL_MAPS.faba.emotions).not.toContain('contempt');
    expect(LABEL_MAPS.fea20k.emotions).toHaveLength(8);
  });

  it('names excluded and unknown codes with the valid ones', () => {
    expect(() => decodeEmotionCode('affectnet', 9)).toThrow(
      /AffectNet code 9 \("uncertain"\) names no emotion and is excluded/,
    );
    expect(() => decodeEmotionCode('rafdb', 8)).toThrow(
      /RAF-DB \(basic\) has no emotion code 8; expected one of: 1 surprise/,
    );
    expect(() => decodeEmotionCode('nope', 1)).toThrow(/no label map for dataset "nope"/);
    try {
      decodeEmotionCode('affectnet', 10);
    } catch (error) {
      expect(UnknownLabelCodeError.isInstance(error)).toBe(true);
      expect((error as UnknownLabelCodeError).code).toBe('facs/excluded-label-code');
    }
    expect(decodeEmotionCode('affectnet', 8, { safe: true })).toBeNull();
  });

  it("covers each map's emotions with exactly its codes", () => {
    for (const map of Object.values(LABEL_MAPS)) {
      expect(new Set(map.emotions).size).toBe(map.emotions.length);
      for (const emotion of map.emotions) expect(EMOTIONS).toContain(emotion);
    }
  });
});
