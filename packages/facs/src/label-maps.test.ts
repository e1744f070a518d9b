import { describe, expect, it } from 'vitest';
import { isFacsAu } from './action-units';
import { EMOTIONS } from './emotions';
import { FeaError } from './errors';
import {
  AU_VOCABULARIES,
  decodeEmotionCode,
  LABEL_MAPS,
  safeDecodeEmotionCode,
  UnknownLabelCodeError,
} from './label-maps';

const codesOf = (id: keyof typeof LABEL_MAPS) =>
  Object.entries(LABEL_MAPS[id].codes).map(([code, emotion]) => `${code} ${emotion}`);

describe('LABEL_MAPS', () => {
  it('holds each dataset code table as published', () => {
    expect(codesOf('rafdb')).toEqual([
      '1 surprise',
      '2 fear',
      '3 disgust',
      '4 happiness',
      '5 sadness',
      '6 anger',
      '7 neutral',
    ]);
    expect(codesOf('fer2013')).toEqual([
      '0 anger',
      '1 disgust',
      '2 fear',
      '3 happiness',
      '4 sadness',
      '5 surprise',
      '6 neutral',
    ]);
    expect(codesOf('ferplus')).toEqual([
      '0 neutral',
      '1 happiness',
      '2 surprise',
      '3 sadness',
      '4 anger',
      '5 disgust',
      '6 fear',
      '7 contempt',
    ]);
    expect(codesOf('affectnet')).toEqual([
      '0 neutral',
      '1 happiness',
      '2 sadness',
      '3 surprise',
      '4 fear',
      '5 disgust',
      '6 anger',
      '7 contempt',
    ]);
    expect(codesOf('ckplus')).toEqual([
      '0 neutral',
      '1 anger',
      '2 contempt',
      '3 disgust',
      '4 fear',
      '5 happiness',
      '6 sadness',
      '7 surprise',
    ]);
    expect(LABEL_MAPS.affectnet.excludedCodes).toEqual({ 8: 'none', 9: 'uncertain', 10: 'no-face' });
    expect(Object.keys(LABEL_MAPS.ferplus.excludedCodes)).toEqual(['8', '9']);
    expect(LABEL_MAPS.jaffe.fileCodes).toEqual({ AN: 0, DI: 1, FE: 2, HA: 3, NE: 4, SA: 5, SU: 6 });
    expect(LABEL_MAPS.faba.emotions).not.toContain('contempt');
    expect(LABEL_MAPS.faba.emotions).toHaveLength(7);
    expect([...LABEL_MAPS.fea20k.emotions]).toEqual([...EMOTIONS]);
  });

  it("derives ids and emotions, each map's emotions unique and canonical, codes and exclusions disjoint", () => {
    for (const [id, map] of Object.entries(LABEL_MAPS)) {
      expect(map.id).toBe(id);
      expect(map.emotions).toEqual(
        Object.keys(map.codes)
          .map(Number)
          .sort((a, b) => a - b)
          .map((code) => map.codes[code]),
      );
      expect(new Set(map.emotions).size).toBe(map.emotions.length);
      for (const emotion of map.emotions) expect(EMOTIONS).toContain(emotion);
      for (const code of Object.keys(map.excludedCodes)) expect(Object.keys(map.codes)).not.toContain(code);
      for (const code of Object.values(map.fileCodes ?? {})) expect(map.codes[code]).toBeDefined();
      expect(map.emotions.length === 7 || map.emotions.length === 8).toBe(true);
    }
  });
});

describe('decodeEmotionCode', () => {
  it('decodes numbers, numeric strings and JAFFE file-name codes', () => {
    expect(decodeEmotionCode('rafdb', 1)).toBe('surprise');
    expect(decodeEmotionCode('rafdb', ' 7 ')).toBe('neutral');
    expect(decodeEmotionCode('fer2013', 3)).toBe('happiness');
    expect(decodeEmotionCode('affectnet', 7)).toBe('contempt');
    expect(decodeEmotionCode('ckplus', 2)).toBe('contempt');
    expect(decodeEmotionCode('ferplus', 7)).toBe('contempt');
    expect(decodeEmotionCode('jaffe', 'HA')).toBe('happiness');
    expect(decodeEmotionCode('jaffe', 'su')).toBe('surprise');
    expect(decodeEmotionCode('jaffe', 4)).toBe('neutral');
    expect(decodeEmotionCode('fea20k', 1)).toBe('contempt');
  });

  it('throws a typed error for an excluded code, naming the dataset, the code and the valid codes', () => {
    let caught: unknown;
    try {
      decodeEmotionCode('affectnet', 9);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UnknownLabelCodeError);
    expect(FeaError.isInstance(caught)).toBe(true);
    const error = caught as UnknownLabelCodeError;
    expect(error.code).toBe('facs/excluded-label-code');
    expect(error).toMatchObject({ dataset: 'affectnet', labelCode: 9, excluded: true });
    expect(error.validCodes).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(error.message).toMatch(
      /AffectNet code 9 \("uncertain"\) names no emotion and is excluded.*label map "affectnet"/,
    );
    expect(error.message).toContain('0 neutral, 1 happiness');
    expect(() => decodeEmotionCode('ferplus', 9)).toThrow(/not a face/);
  });

  it('throws for unknown codes and datasets', () => {
    expect(() => decodeEmotionCode('rafdb', 8)).toThrow(
      /RAF-DB \(basic\) has no emotion code 8; expected one of: 1 surprise, 2 fear.*\(label map "rafdb"\)/,
    );
    expect(() => decodeEmotionCode('rafdb', 0)).toThrow(UnknownLabelCodeError);
    expect(() => decodeEmotionCode('rafdb', 'toString')).toThrow(/no emotion code "toString"/);
    expect(() => decodeEmotionCode('jaffe', 'XX')).toThrow(/file-name codes AN, DI, FE/);
    expect(() => decodeEmotionCode('fer2013', 2.5)).toThrow(/no emotion code 2.5/);
    let caught: unknown;
    try {
      decodeEmotionCode('nope', 1);
    } catch (error) {
      caught = error;
    }
    expect((caught as UnknownLabelCodeError).code).toBe('facs/unknown-label-map');
    expect((caught as Error).message).toMatch(/no label map for dataset "nope"; use one of: rafdb, fer2013/);
    expect(() => decodeEmotionCode('constructor', 1)).toThrow(/no label map/);
  });

  it('returns null with { safe: true }, and safeDecodeEmotionCode returns a result', () => {
    expect(decodeEmotionCode('affectnet', 8, { safe: true })).toBeNull();
    expect(decodeEmotionCode('nope', 8, { safe: true })).toBeNull();
    expect(decodeEmotionCode('affectnet', 1, { safe: true })).toBe('happiness');
    expect(safeDecodeEmotionCode('fer2013', 0)).toEqual({ success: true, value: 'anger' });
    const failed = safeDecodeEmotionCode('affectnet', 10);
    expect(failed.success).toBe(false);
    if (!failed.success) expect(failed.error.code).toBe('facs/excluded-label-code');
  });
});

describe('AU_VOCABULARIES', () => {
  it('lists the benchmark vocabularies, each AU defined by FACS, ascending and unique', () => {
    expect(AU_VOCABULARIES.disfa8).toEqual(['AU1', 'AU2', 'AU4', 'AU6', 'AU9', 'AU12', 'AU25', 'AU26']);
    expect(AU_VOCABULARIES.disfa12).toHaveLength(12);
    expect(AU_VOCABULARIES.bp4d).toEqual([
      'AU1',
      'AU2',
      'AU4',
      'AU6',
      'AU7',
      'AU10',
      'AU12',
      'AU14',
      'AU15',
      'AU17',
      'AU23',
      'AU24',
    ]);
    expect(AU_VOCABULARIES.faba).toHaveLength(12);
    expect(AU_VOCABULARIES.prompt).toHaveLength(30);
    for (const vocabulary of Object.values(AU_VOCABULARIES)) {
      const codes = vocabulary.map((id) => Number(id.slice(2)));
      expect(codes).toEqual([...new Set(codes)].sort((a, b) => a - b));
      for (const id of vocabulary) expect(isFacsAu(id), id).toBe(true);
    }
    for (const id of AU_VOCABULARIES.disfa8) expect(AU_VOCABULARIES.disfa12).toContain(id);
  });
});
