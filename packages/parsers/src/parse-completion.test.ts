import { EMOTIONS } from '@facial-r1/facs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeAnswer, parseCompletion } from './parse-completion';

const wrap = (think: string, answer = 'happiness') => `<think>${think}</think><answer>${answer}</answer>`;
const present = (think: string) => parseCompletion(wrap(think)).presentAus;

describe('AU spellings (robust)', () => {
  it.each([
    ['AU4', ['AU4']],
    ['AU 4', ['AU4']],
    ['AU04', ['AU4']],
    ['AU-4', ['AU4']],
    ['au4', ['AU4']],
    ['AU4+AU12', ['AU4', 'AU12']],
    ['AU6+12', ['AU6', 'AU12']],
    ['AUs 1, 2 and 5', ['AU1', 'AU2', 'AU5']],
    ['AU1/2', ['AU1', 'AU2']],
    ['AU12C', ['AU12']],
    ['R12', ['AU12']],
    ['AU L12', ['AU12']],
    ['Action Unit 12', ['AU12']],
    ['action units 1 and 2', ['AU1', 'AU2']],
    ['beau12 and AUTUMN and auto 4', []],
  ])('%s', (text, expected) => {
    expect(present(text)).toEqual(expected);
  });

  it('records intensity and side when written', () => {
    const mentions = parseCompletion(wrap('AU12C and AU L14 and R6 and AU1A')).mentions;
    expect(mentions.map(({ au, intensity, side }) => ({ au, intensity, side }))).toEqual([
      { au: 'AU12', intensity: 'C', side: undefined },
      { au: 'AU14', intensity: undefined, side: 'L' },
      { au: 'AU6', intensity: undefined, side: 'R' },
      { au: 'AU1', intensity: 'A', side: undefined },
    ]);
  });

  it('finds FACS names and plain-language phrases', () => {
    const parsed = parseCompletion(
      wrap(
        'Furrowed brows, a brow lowerer, raised cheeks, the nose is wrinkled... a wrinkled nose and parted lips.',
      ),
    );
    expect(parsed.presentAus).toEqual(['AU4', 'AU6', 'AU9', 'AU25']);
    expect(parsed.mentions.map((mention) => mention.via)).toEqual([
      'phrase',
      'name',
      'phrase',
      'phrase',
      'phrase',
      'phrase',
    ]);
    expect(present('The corners of the mouth turned down and the jaw dropped')).toEqual(['AU15', 'AU26']);
    expect(present('eyebrows are pulled together')).toEqual(['AU4']);
  });
});

describe('negation and hedging', () => {
  it.each([
    ['no AU12', 'AU12'],
    ['without a smile', 'AU12'],
    ['AU9 is absent', 'AU9'],
    ['rather than AU4', 'AU4'],
    ['there is not any AU15', 'AU15'],
    ['absence of AU20', 'AU20'],
    ['lack of raised cheeks', 'AU6'],
  ])('%s negates %s', (text, au) => {
    const parsed = parseCompletion(wrap(`${text}, but AU1 is visible`));
    expect(parsed.negatedAus).toEqual([au]);
    expect(parsed.presentAus).toEqual(['AU1']);
  });

  it('extends negation over a list, both ways', () => {
    expect(parseCompletion(wrap('without AU1, AU2 or AU5. AU12 is strong')).negatedAus).toEqual([
      'AU1',
      'AU2',
      'AU5',
    ]);
    expect(parseCompletion(wrap('AUs 1, 2 and 5 are absent. AU6 pulls')).presentAus).toEqual(['AU6']);
  });

  it('marks hedged mentions and collects hedging and negation words', () => {
    const parsed = parseCompletion(
      wrap('Maybe AU9, possibly a smile, a slight hint of AU4; AU1 is clear. Not AU2.'),
    );
    expect(parsed.mentions.filter((mention) => mention.hedged).map((mention) => mention.au)).toEqual([
      'AU9',
      'AU12',
      'AU4',
    ]);
    expect(parsed.hedges.map((span) => span.text)).toEqual(['Maybe', 'possibly', 'a slight hint of']);
    expect(parsed.negations.map((span) => span.text)).toEqual(['Not']);
    expect(parsed.presentAus).toEqual(['AU1', 'AU4', 'AU9', 'AU12']);
  });
});

describe('structure and the answer', () => {
  it('reports format issues', () => {
    const codes = (text: string) => parseCompletion(text).formatIssues.map((issue) => issue.code);
    expect(codes(wrap('AU4'))).toEqual([]);
    expect(codes('AU4 happiness')).toEqual(['missing-think', 'missing-answer']);
    expect(codes('<think>AU4')).toEqual(['unclosed-think', 'missing-answer']);
    expect(codes('<think> </think><answer></answer>')).toEqual(['empty-think', 'empty-answer']);
    expect(codes(' <think>a</think> junk <answer>b</answer><answer>c</answer>\n')).toEqual([
      'multiple-answer',
      'text-outside-tags',
      'leading-whitespace',
      'trailing-whitespace',
    ]);
    expect(codes('<answer>b</answer><think>a</think>')).toEqual(['answer-before-think']);
    expect(codes('<THINK>a</THINK><answer>b</answer>')).toEqual(['tag-case']);
  });

  it('reads AUs from all think blocks, or the whole text when there is none', () => {
    expect(
      parseCompletion('<think>AU1</think><think>AU2</think><answer>AU9 fear</answer>').presentAus,
    ).toEqual(['AU1', 'AU2']);
    expect(parseCompletion('AU4 and AU7 <answer>anger AU9</answer>').presentAus).toEqual(['AU4', 'AU7']);
  });

  it('normalises the answer: synonyms, case, punctuation; null when unknown or two emotions', () => {
    expect(parseCompletion(wrap('x', ' Happy. ')).emotion).toBe('happiness');
    expect(parseCompletion(wrap('x', 'The emotion is ANGER')).emotion).toBe('anger');
    expect(parseCompletion(wrap('x', 'sad or angry')).emotion).toBeNull();
    expect(parseCompletion(wrap('x', 'not happy')).emotion).toBeNull();
    expect(parseCompletion(wrap('x', 'banana')).emotion).toBeNull();
    expect(parseCompletion('<think>x</think>').emotion).toBeNull();
    expect(normalizeAnswer('joyful')).toBe('happiness');
  });

  it('facial-r1 mode keeps the reference semantics', () => {
    const text = ' <think>au04 and AU 4, no AU12</think><answer>Happiness</answer><answer>fear</answer>';
    const parsed = parseCompletion(text, { mode: 'facial-r1' });
    expect(parsed).toMatchObject({
      wellFormed: false,
      presentAus: ['AU04', 'AU12'],
      answer: 'fear',
      negatedAus: [],
    });
    expect(parseCompletion('just text', { mode: 'facial-r1' }).answer).toBe('just text');
  });
});

describe('properties', () => {
  const codes = fc.uniqueArray(
    fc.constantFrom(1, 2, 4, 5, 6, 7, 9, 10, 12, 14, 15, 17, 20, 23, 24, 25, 26, 43),
    { maxLength: 8 },
  );
  it('gives back a rendered AU set and emotion', () => {
    fc.assert(
      fc.property(
        codes,
        fc.constantFrom(...EMOTIONS),
        fc.constantFrom('AU%', 'AU0%', 'AU %', 'au%'),
        (set, emotion, style) => {
          const think = set.map((code) => `movement (${style.replace('%', String(code))})`).join(', ');
          const parsed = parseCompletion(wrap(`The face shows ${think}.`, emotion));
          expect(parsed.presentAus).toEqual([...set].sort((a, b) => a - b).map((code) => `AU${code}`));
          expect(parsed.emotion).toBe(emotion);
        },
      ),
    );
  });

  it('never throws, for any string, in both modes', () => {
    const tagHeavy = fc
      .array(
        fc.oneof(
          fc.constantFrom(
            '<think>',
            '</think>',
            '<answer>',
            '</answer>',
            'AU',
            'au1',
            ' no ',
            'maybe',
            ',',
            '.',
            '+',
          ),
          fc.string(),
        ),
        { maxLength: 30 },
      )
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), tagHeavy), (text) => {
        for (const mode of ['robust', 'facial-r1'] as const) {
          const parsed = parseCompletion(text, { mode });
          expect(Array.isArray(parsed.presentAus)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('robust present AUs are sorted, unique and canonical', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const aus = parseCompletion(text).presentAus;
        const numbers = aus.map((au) => Number(au.slice(2)));
        expect(numbers).toEqual([...new Set(numbers)].sort((a, b) => a - b));
        for (const au of aus) expect(au).toMatch(/^AU[1-9]\d?$/);
      }),
    );
  });
});

describe('adversarial 1 MB inputs', () => {
  const megabyte = 1 << 20;
  it.each([
    ['deep tag nesting', '<think>'.repeat(megabyte / 7)],
    ['100k "AU"', 'AU'.repeat(100_000)],
    ['long digit run', `<think>AU${'9'.repeat(megabyte)}</think>`],
    ['unclosed tags', '<think><answer>'.repeat(megabyte / 15)],
    ['many blocks', '<think>AU1 no AU2</think>'.repeat(megabyte / 26)],
    ['close tags only', '</think>'.repeat(megabyte / 8) + '<answer>x</answer>'],
  ])('%s parses to a result', (_name, text) => {
    const robust = parseCompletion(text);
    const reference = parseCompletion(text, { mode: 'facial-r1' });
    expect(robust.mode).toBe('robust');
    expect(reference.mode).toBe('facial-r1');
  });

  it('still finds what is there in a huge completion', () => {
    const text = `<think>${'the brows move. '.repeat(60_000)}AU4 is clear</think><answer>anger</answer>`;
    expect(parseCompletion(text).presentAus).toEqual(['AU4']);
    expect(parseCompletion(text, { mode: 'facial-r1' }).presentAus).toEqual(['AU4']);
  });
});
