import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ACTION_UNIT_LIST,
  ACTION_UNITS,
  AU_CODES,
  getActionUnit,
  INTENSITIES,
  isFacsAu,
  LATERALITIES,
  toAuId,
} from './action-units';
import { AU_VOCABULARIES } from './label-maps';

describe('the AU table', () => {
  it('holds every FACS main code 1-46 except the undefined 3, 8 and 40', () => {
    const expected = Array.from({ length: 46 }, (_, index) => index + 1).filter(
      (code) => ![3, 8, 40].includes(code),
    );
    expect(AU_CODES).toEqual(expected);
    expect(ACTION_UNIT_LIST).toHaveLength(43);
  });

  it('derives ids from codes and carries names, muscles, regions and phrases', () => {
    for (const unit of ACTION_UNIT_LIST) {
      expect(unit.id).toBe(`AU${unit.code}`);
      expect(unit.name.length).toBeGreaterThan(2);
      expect(unit.muscles.length).toBeGreaterThan(2);
      expect(unit.phrases.length).toBeGreaterThan(0);
      for (const phrase of unit.phrases) expect(phrase).toBe(phrase.toLowerCase());
    }
    expect(ACTION_UNITS[4]).toMatchObject({
      name: 'Brow Lowerer',
      region: 'brows',
      promptName: 'brow lowerer',
    });
    expect(ACTION_UNITS[13]).toMatchObject({ name: 'Sharp Lip Puller', promptName: 'cheek puffer' });
    expect(ACTION_UNITS[4].phrases).toContain('furrowed brows');
    expect(ACTION_UNITS[15].phrases).toContain('corners of the mouth turned down');
  });

  it('never gives one phrase to two AUs', () => {
    const seen = new Map<string, number>();
    for (const unit of ACTION_UNIT_LIST) {
      for (const phrase of unit.phrases) {
        expect(seen.get(phrase), `"${phrase}" of AU${unit.code}`).toBeUndefined();
        seen.set(phrase, unit.code);
      }
    }
  });

  it('has every vocabulary AU in the table', () => {
    for (const vocabulary of Object.values(AU_VOCABULARIES))
      for (const id of vocabulary) expect(isFacsAu(id)).toBe(true);
    expect(AU_VOCABULARIES.prompt).toHaveLength(30);
    expect(AU_VOCABULARIES.disfa8).toHaveLength(8);
    expect(AU_VOCABULARIES.bp4d).toHaveLength(12);
  });

  it('normalises AU spellings with toAuId', () => {
    for (const [input, expected] of [
      ['AU04', 'AU4'],
      ['au4', 'AU4'],
      ['AU 4', 'AU4'],
      ['AU-4', 'AU4'],
      ['Action Unit 12', 'AU12'],
      ['12', 'AU12'],
      [26, 'AU26'],
      ['AU', null],
      ['happy', null],
      [-1, null],
      [1.5, null],
    ] as const) {
      expect(toAuId(input)).toBe(expected);
    }
    expect(isFacsAu('AU3')).toBe(false);
    expect(getActionUnit('au06')?.name).toBe('Cheek Raiser');
    expect(getActionUnit(40)).toBeUndefined();
    expect(INTENSITIES).toEqual(['A', 'B', 'C', 'D', 'E']);
    expect(LATERALITIES).toEqual(['L', 'R', 'U']);
  });

  it('toAuId is idempotent on what it returns', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.nat(200).map((code) => `AU${String(code).padStart(3, '0')}`),
        ),
        (input) => {
          const id = toAuId(input);
          if (id !== null) expect(toAuId(id)).toBe(id);
        },
      ),
    );
  });
});
