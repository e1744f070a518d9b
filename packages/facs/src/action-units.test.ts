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
  it('holds every FACS code 1-46 except 3, which FACS never assigned', () => {
    const expected = Array.from({ length: 46 }, (_, index) => index + 1).filter((code) => code !== 3);
    expect(AU_CODES).toEqual(expected);
    expect(ACTION_UNIT_LIST).toHaveLength(45);
    expect(ACTION_UNIT_LIST.map((unit) => unit.code)).toEqual(AU_CODES);
    expect(ACTION_UNITS[8].name).toBe('Lips Toward Each Other');
    expect(ACTION_UNITS[40].name).toBe('Sniff');
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

  it('never gives one phrase or name to two AUs', () => {
    const seen = new Map<string, number>();
    for (const unit of ACTION_UNIT_LIST) {
      const own = new Set([unit.name.toLowerCase(), unit.promptName, ...unit.phrases]);
      for (const phrase of own) {
        expect(seen.get(phrase), `"${phrase}" of AU${unit.code}`).toBeUndefined();
        seen.set(phrase, unit.code);
      }
      expect(new Set(unit.phrases).size).toBe(unit.phrases.length);
    }
  });

  it('gives the common AUs several phrases', () => {
    for (const code of [1, 2, 4, 5, 6, 7, 9, 10, 12, 14, 15, 17, 20, 23, 24, 25, 26, 43] as const) {
      expect(ACTION_UNITS[code].phrases.length, `AU${code}`).toBeGreaterThanOrEqual(3);
    }
    const phraseOwner = (phrase: string) =>
      ACTION_UNIT_LIST.find((unit) => unit.phrases.includes(phrase))?.id;
    expect(phraseOwner('eyebrows drawn together')).toBe('AU4');
    expect(phraseOwner('raised cheeks')).toBe('AU6');
    expect(phraseOwner('wrinkled nose')).toBe('AU9');
    expect(phraseOwner('parted lips')).toBe('AU25');
    expect(phraseOwner('dropped jaw')).toBe('AU26');
    expect(phraseOwner('smile')).toBe('AU12');
    expect(phraseOwner('wide eyes')).toBe('AU5');
    expect(phraseOwner('tightened lips')).toBe('AU23');
    expect(phraseOwner('pressed lips')).toBe('AU24');
    expect(phraseOwner('raised upper lip')).toBe('AU10');
    expect(phraseOwner('stretched lips')).toBe('AU20');
    expect(phraseOwner('closed eyes')).toBe('AU43');
  });

  it('keeps the prompt names of FACTS 4 (AU13 is "cheek puffer" there)', () => {
    expect(AU_VOCABULARIES.prompt.map((id) => getActionUnit(id)!.promptName)).toEqual([
      'inner brow raiser',
      'outer brow raiser',
      'brow lowerer',
      'upper lid raiser',
      'cheek raiser',
      'lid tightener',
      'nose wrinkler',
      'upper lip raiser',
      'nasolabial furrow deepener',
      'lip corner puller',
      'cheek puffer',
      'dimpler',
      'lip corner depressor',
      'lower lip depressor',
      'chin raiser',
      'lip pucker',
      'tongue show',
      'lip stretcher',
      'lip funneler',
      'lip tightener',
      'lip pressor',
      'lips part',
      'jaw drop',
      'mouth stretch',
      'lip suck',
      'jaw thrust',
      'jaw sideways',
      'jaw clencher',
      'lip bite',
      'eyes closed',
    ]);
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
      ['', null],
      ['AU12C', null],
      ['AU1000', null],
      ['AU0004', 'AU4'],
      [' au 06 ', 'AU6'],
      [-1, null],
      [1.5, null],
      [Number.NaN, null],
    ] as const) {
      expect(toAuId(input)).toBe(expected);
    }
    expect(isFacsAu('AU3')).toBe(false);
    expect(getActionUnit('au06')?.name).toBe('Cheek Raiser');
    expect(getActionUnit(3)).toBeUndefined();
    expect(getActionUnit('constructor')).toBeUndefined();
    expect(isFacsAu('AU8')).toBe(true);
    expect(isFacsAu('AU47')).toBe(false);
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
