import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findAuCodes, findAuCodesAtWords } from './au-codes';
import { TokenBuffer, tokenize } from './tokenize';
import { LEXICON } from './vocabulary';

const found = (text: string) =>
  findAuCodes(text).map(({ code, intensity, side, start, end }) => ({
    code,
    text: text.slice(start, end),
    ...(intensity ? { intensity } : {}),
    ...(side ? { side } : {}),
  }));

describe('findAuCodes', () => {
  it.each([
    ['AU4', [{ code: 4, text: 'AU4' }]],
    ['AU 4', [{ code: 4, text: 'AU 4' }]],
    ['AU04', [{ code: 4, text: 'AU04' }]],
    ['AU-4', [{ code: 4, text: 'AU-4' }]],
    ['AU_4', [{ code: 4, text: 'AU_4' }]],
    ['au4', [{ code: 4, text: 'au4' }]],
    ['Au 04', [{ code: 4, text: 'Au 04' }]],
    [
      'AU4+AU12',
      [
        { code: 4, text: 'AU4' },
        { code: 12, text: 'AU12' },
      ],
    ],
    [
      'AUs 1, 2 and 5',
      [
        { code: 1, text: 'AUs 1' },
        { code: 2, text: '2' },
        { code: 5, text: '5' },
      ],
    ],
    [
      'AU1/2',
      [
        { code: 1, text: 'AU1' },
        { code: 2, text: '2' },
      ],
    ],
    ['AU12C', [{ code: 12, text: 'AU12C', intensity: 'C' }]],
    ['AU12E.', [{ code: 12, text: 'AU12E', intensity: 'E' }]],
    ['au12c', [{ code: 12, text: 'au12c', intensity: 'C' }]],
    ['R12', [{ code: 12, text: 'R12', side: 'R' }]],
    ['L12', [{ code: 12, text: 'L12', side: 'L' }]],
    ['AU L12', [{ code: 12, text: 'AU L12', side: 'L' }]],
    ['AU R12', [{ code: 12, text: 'AU R12', side: 'R' }]],
    ['AUR12B', [{ code: 12, text: 'AUR12B', side: 'R', intensity: 'B' }]],
    ['Action Unit 12', [{ code: 12, text: 'Action Unit 12' }]],
    [
      'action units 1 and 2',
      [
        { code: 1, text: 'action units 1' },
        { code: 2, text: '2' },
      ],
    ],
  ])('%s', (text, expected) => {
    expect(found(text)).toEqual(expected);
  });

  it.each([
    ['a letter glued to the code is not an intensity', 'AU12Cheek'],
    ['an intensity letter past E', 'AU12F'],
    ['no word boundary', 'BEAU12'],
    ['a word starting with au', 'AUTUMN 4, auto 4'],
    ['lower-case bare side codes', 'r12 and l4'],
    ['a detached letter', 'AU 12 C'],
    ['AU0 and codes over 99', 'AU0 AU100 AU0004'],
    ['separators too long', 'AU   4'],
  ])('%s: %s', (_name, text) => {
    const codes = found(text);
    if (text === 'AU 12 C') expect(codes).toEqual([{ code: 12, text: 'AU 12' }]);
    else expect(codes).toEqual([]);
  });

  it('finds the same codes from word starts as from every character', () => {
    const buffer = new TokenBuffer(8);
    const pieces = [
      'AU',
      'au',
      'AUs',
      'R',
      'L',
      ' ',
      ',',
      ' and ',
      '/',
      '+',
      '-',
      '4',
      '12',
      'C',
      'x',
      'é',
      'action unit',
    ];
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(fc.constantFrom(...pieces), { maxLength: 20 }).map((parts) => parts.join('')),
          fc.string(),
        ),
        (text) => {
          const tokens = tokenize(text, LEXICON, buffer);
          expect(findAuCodesAtWords(text, tokens.start, tokens.length)).toEqual(findAuCodes(text));
        },
      ),
      { numRuns: 1000 },
    );
  });
});
