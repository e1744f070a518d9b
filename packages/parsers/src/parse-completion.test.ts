import { EMOTIONS, normalizeEmotion } from '@facial-r1/facs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeAnswer, parseCompletion } from './parse-completion';
import { pythonStrip } from './text-scan';

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
    ['AU12E', ['AU12']],
    ['AU R12', ['AU12']],
    ['L12', ['AU12']],
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
    ['I do not see AU4', 'AU4'],
    ['there are no signs of AU17', 'AU17'],
    ['AU23 is missing', 'AU23'],
    ["the mouth isn't showing AU25", 'AU25'],
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

describe('negation look-alikes and hedging cues', () => {
  it('"not only" does not negate', () => {
    const parsed = parseCompletion(wrap('not only AU4 but also AU12'));
    expect(parsed.presentAus).toEqual(['AU4', 'AU12']);
    expect(parsed.negations).toEqual([]);
  });

  it.each([
    ['maybe AU9', 'maybe'],
    ['possibly AU9', 'possibly'],
    ['perhaps AU9', 'perhaps'],
    ['it might be AU9', 'might be'],
    ['a slight hint of AU9', 'a slight hint of'],
    ['this could be AU9', 'could be'],
  ])('%s is hedged', (text, cue) => {
    const parsed = parseCompletion(wrap(text));
    expect(parsed.mentions.map((mention) => [mention.au, mention.hedged, mention.negated])).toEqual([
      ['AU9', true, false],
    ]);
    expect(parsed.hedges.map((span) => span.text)).toEqual([cue]);
    expect(parsed.presentAus).toEqual(['AU9']);
  });

  it('hedging stops at a clause boundary; negation does too', () => {
    const parsed = parseCompletion(wrap('maybe tense, AU9 shows; no doubt. Not happy, but AU12 pulls'));
    expect(parsed.mentions.map((mention) => [mention.au, mention.hedged, mention.negated])).toEqual([
      ['AU9', false, false],
      ['AU12', false, false],
    ]);
  });

  it('gives spans that are slices of the text', () => {
    const text = wrap('The eyebrows are pulled together (AU 4), there is no smile and AU12C is absent.');
    const parsed = parseCompletion(text);
    for (const span of [...parsed.mentions, ...parsed.hedges, ...parsed.negations]) {
      expect(text.slice(span.start, span.end)).toBe(span.text);
    }
    expect(
      parsed.mentions.map(({ au, via, text: written, negated }) => ({ au, via, written, negated })),
    ).toEqual([
      { au: 'AU4', via: 'phrase', written: 'eyebrows are pulled together', negated: false },
      { au: 'AU4', via: 'code', written: 'AU 4', negated: false },
      { au: 'AU12', via: 'phrase', written: 'smile', negated: true },
      { au: 'AU12', via: 'code', written: 'AU12C', negated: true },
    ]);
    expect(parsed.presentAus).toEqual(['AU4']);
    expect(parsed.negatedAus).toEqual(['AU12']);
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
});

describe("facial-r1 mode (FACTS 3, the reference rewards' parse)", () => {
  const reference = (text: string) => parseCompletion(text, { mode: 'facial-r1' });

  it.each([
    ['well formed', '<think>AU4</think><answer>anger</answer>', true],
    ['whitespace between the blocks', '<think>AU4</think>\n\t <answer>anger</answer>', true],
    ['leading whitespace', ' <think>AU4</think><answer>anger</answer>', false],
    ['trailing newline', '<think>AU4</think><answer>anger</answer>\n', false],
    [
      'two answers (the lazy .*? stretches over the first)',
      '<think>a</think><answer>b</answer><answer>c</answer>',
      true,
    ],
    ['a second think block before the answer', '<think>a</think><think>b</think><answer>c</answer>', true],
    ['text between the blocks', '<think>a</think> so <answer>b</answer>', false],
    ['upper-case tags', '<THINK>a</THINK><answer>b</answer>', false],
    ['no think block', '<answer>b</answer>', false],
    ['no answer block', '<think>a</think>', false],
    ['empty blocks', '<think></think><answer></answer>', true],
  ])('wellFormed: %s', (_name, text, expected) => {
    expect(reference(text).wellFormed).toBe(expected);
    // robust mode reports the same reference format flag
    expect(parseCompletion(text).wellFormed).toBe(expected);
  });

  it('takes the AU tokens of the first think block as written, upper-cased, in order', () => {
    const parsed = reference(
      '<THINK>brows (AU04) and AU4, au12 and AU12C; AU 4 and BEAU7; no AU15</think><think>AU9</think><answer>x</answer>',
    );
    expect(parsed.presentAus).toEqual(['AU04', 'AU4', 'AU12', 'AU7', 'AU15']);
    expect(parsed.negatedAus).toEqual([]);
    expect(parsed.think).toBe('brows (AU04) and AU4, au12 and AU12C; AU 4 and BEAU7; no AU15');
    expect(parsed.thinks).toHaveLength(2);
    expect(parsed.mentions.map((mention) => [mention.au, mention.text])).toEqual([
      ['AU4', 'AU04'],
      ['AU4', 'AU4'],
      ['AU12', 'au12'],
      ['AU12', 'AU12'],
      ['AU7', 'AU7'],
      ['AU15', 'AU15'],
    ]);
  });

  it('finds no AUs without a (closed) think block', () => {
    expect(reference('AU4 and AU12 <answer>anger</answer>').presentAus).toEqual([]);
    expect(reference('<think>AU4 and AU12').presentAus).toEqual([]);
  });

  it('answers with the last answer block (case-sensitive tags), else the whole text stripped', () => {
    expect(reference('<think>a</think><answer> Happiness </answer><answer>\nfear\n</answer>').answer).toBe(
      'fear',
    );
    expect(reference('<think>a</think><ANSWER>fear</ANSWER>').answer).toBe(
      '<think>a</think><ANSWER>fear</ANSWER>',
    );
    expect(reference('  happiness \n').answer).toBe('happiness');
    expect(reference('  happiness \n').emotion).toBe('happiness');
    expect(reference('<think>a</think><answer>Happy.</answer>').emotion).toBe('happiness');
  });

  it('computes its secondary fields on access, and serialises them', () => {
    const text = ' <think>maybe AU4, no smile</think><answer>anger</answer>';
    const parsed = reference(text);
    expect(parsed.formatIssues.map((issue) => issue.code)).toEqual(['leading-whitespace']);
    expect(parsed.hedges.map((span) => span.text)).toEqual(['maybe']);
    expect(parsed.negations.map((span) => span.text)).toEqual(['no']);
    expect(parsed.mentions.map((mention) => [mention.start, mention.end])).toEqual([[14, 17]]);
    const json = JSON.parse(JSON.stringify(parsed));
    expect(json).toEqual({
      mode: 'facial-r1',
      thinks: ['maybe AU4, no smile'],
      think: 'maybe AU4, no smile',
      thinkSpan: { text: 'maybe AU4, no smile', start: 8, end: 27 },
      answers: ['anger'],
      answer: 'anger',
      answerSpan: { text: 'anger', start: 43, end: 48 },
      wellFormed: false,
      formatIssues: [{ code: 'leading-whitespace', message: 'the completion starts with whitespace' }],
      mentions: [
        {
          au: 'AU4',
          code: 4,
          text: 'AU4',
          start: 14,
          end: 17,
          via: 'code',
          negated: false,
          hedged: false,
          inThink: true,
        },
      ],
      presentAus: ['AU4'],
      negatedAus: [],
      hedges: [{ text: 'maybe', start: 8, end: 13 }],
      negations: [{ text: 'no', start: 19, end: 21 }],
      emotion: 'anger',
    });
  });
});

describe('properties', () => {
  const auCodes = fc.uniqueArray(
    fc.constantFrom(1, 2, 4, 5, 6, 7, 9, 10, 12, 14, 15, 17, 20, 23, 24, 25, 26, 43),
    { minLength: 1, maxLength: 8 },
  );
  const ascending = (codes: readonly number[]) => [...codes].sort((a, b) => a - b).map((code) => `AU${code}`);

  it('gives back a rendered AU set and emotion (robust)', () => {
    fc.assert(
      fc.property(
        auCodes,
        fc.constantFrom(...EMOTIONS),
        fc.constantFrom('AU%', 'AU0%', 'AU %', 'au%', 'AU-%', 'Action Unit %', 'AU%C', 'AU%E', 'AU R%'),
        fc.constantFrom('%', ' %', '%.', 'The emotion is %.', '%'.toUpperCase()),
        (set, emotion, style, answerStyle) => {
          const think = set.map((code) => `movement (${style.replace('%', String(code))})`).join(', ');
          const answer = answerStyle.replace('%', emotion);
          const parsed = parseCompletion(wrap(`The face shows ${think}.`, answer));
          expect(parsed.presentAus).toEqual(ascending(set));
          expect(parsed.negatedAus).toEqual([]);
          expect(parsed.emotion).toBe(emotion);
        },
      ),
    );
  });

  it('gives back a rendered AU list and emotion ("AUs 1, 2 and 5")', () => {
    fc.assert(
      fc.property(auCodes, fc.constantFrom(...EMOTIONS), (set, emotion) => {
        const list =
          set.length === 1 ? `AU${set[0]}` : `AUs ${set.slice(0, -1).join(', ')} and ${set.at(-1)}`;
        const parsed = parseCompletion(wrap(`I see ${list} here.`, emotion));
        expect(parsed.presentAus).toEqual(ascending(set));
        expect(parsed.emotion).toBe(emotion);
      }),
    );
  });

  it('gives back a rendered AU set and answer (facial-r1): tokens in order of appearance', () => {
    fc.assert(
      fc.property(auCodes, fc.constantFrom(...EMOTIONS), (set, emotion) => {
        const think = set.map((code) => `movement (AU${code})`).join(', ');
        const parsed = parseCompletion(wrap(think, emotion), { mode: 'facial-r1' });
        expect(parsed.presentAus).toEqual(set.map((code) => `AU${code}`));
        expect(parsed.answer).toBe(emotion);
        expect(parsed.emotion).toBe(emotion);
        expect(parsed.wellFormed).toBe(true);
      }),
    );
  });

  it('never throws, for any string, in both modes, and keeps its invariants', () => {
    const tagHeavy = fc
      .array(
        fc.oneof(
          fc.constantFrom(
            '<think>',
            '</think>',
            '<answer>',
            '</answer>',
            '<THINK>',
            '</Answer>',
            'AU',
            'au1',
            'AUs 1, 2',
            ' no ',
            'maybe',
            'not only',
            'smile',
            ',',
            '.',
            '+',
            '\n',
          ),
          fc.string({ unit: 'binary' }),
        ),
        { maxLength: 30 },
      )
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), fc.string(), tagHeavy),
        (text) => {
          const robust = parseCompletion(text);
          const reference = parseCompletion(text, { mode: 'facial-r1' });
          for (const parsed of [robust, reference]) {
            for (const span of [...parsed.mentions, ...parsed.hedges, ...parsed.negations]) {
              expect(text.slice(span.start, span.end)).toBe(span.text);
            }
            expect(JSON.parse(JSON.stringify(parsed)).mode).toBe(parsed.mode);
          }
          expect(robust.wellFormed).toBe(reference.wellFormed);
          for (const au of robust.presentAus) expect(robust.negatedAus).not.toContain(au);
          if (robust.emotion !== null) expect(EMOTIONS).toContain(robust.emotion);
        },
      ),
      { numRuns: 600 },
    );
  });

  it('gives the think and answer spans where their texts lie, in both modes', () => {
    const piece = fc.oneof(
      fc.constantFrom(...'<think>|</think>|<answer>|</answer>|<THINK>| |\n|AU4|happy'.split('|')),
      fc.string(),
    );
    const pieces = fc.array(piece, { maxLength: 12 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(pieces, (text) => {
        for (const parsed of [parseCompletion(text), parseCompletion(text, { mode: 'facial-r1' })]) {
          for (const span of [parsed.thinkSpan, parsed.answerSpan]) {
            if (span) expect(text.slice(span.start, span.end)).toBe(span.text);
          }
          expect(parsed.thinkSpan?.text ?? null).toBe(parsed.think);
          if (parsed.mode === 'robust') expect(parsed.answerSpan?.text.trim() ?? null).toBe(parsed.answer);
          else expect(pythonStrip(parsed.answerSpan!.text)).toBe(parsed.answer);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('facial-r1 wellFormed equals a JavaScript port of the reference regex on short tag-heavy strings', () => {
    // The port is exact on these pieces: JavaScript's \s and Python's \s differ only on
    // U+FEFF, U+0085 and U+001C-U+001F, which are left out here (the Python test covers them).
    const port = /^<think>[\s\S]*?<\/think>\s*<answer>[\s\S]*?<\/answer>$/;
    const pieces = [
      '<think>',
      '</think>',
      '<answer>',
      '</answer>',
      '<',
      '>',
      '/',
      'think',
      'answer',
      ' ',
      '\n',
      '\t',
      '\u00a0',
      'x',
    ];
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...pieces), { maxLength: 12 }).map((parts) => parts.join('')),
        (text) => {
          expect(parseCompletion(text, { mode: 'facial-r1' }).wellFormed).toBe(port.test(text));
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('normalisation is idempotent', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.constantFrom(...EMOTIONS).map((emotion) => ` ${emotion.toUpperCase()}! `),
          fc.constantFrom('Happy.', 'joyful', 'ANGRY', 'sad', 'surprised!', 'disgusted', 'scared', 'calm'),
        ),
        (answer) => {
          const emotion = normalizeAnswer(answer);
          if (emotion !== null) {
            expect(normalizeAnswer(emotion)).toBe(emotion);
            expect(normalizeEmotion(emotion)).toBe(emotion);
          }
        },
      ),
    );
    for (const emotion of EMOTIONS) expect(normalizeAnswer(emotion)).toBe(emotion);
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

describe('adversarial 1 MB inputs (results, not time)', () => {
  const megabyte = 1 << 20;

  it('1 MB of <think>', () => {
    const text = '<think>'.repeat(megabyte / 7);
    const robust = parseCompletion(text);
    expect(robust.thinks).toEqual([]);
    expect(robust.formatIssues.map((issue) => issue.code)).toEqual(['unclosed-think', 'missing-answer']);
    const reference = parseCompletion(text, { mode: 'facial-r1' });
    expect(reference).toMatchObject({ wellFormed: false, think: null, presentAus: [], answer: text });
  });

  it('deep nesting of think and answer tags', () => {
    const depth = megabyte / 32;
    const text = `${'<think><answer>'.repeat(depth)}AU4${'</answer></think>'.repeat(depth)}`;
    const robust = parseCompletion(text);
    expect(robust.presentAus).toEqual(['AU4']);
    expect(robust.thinks).toHaveLength(1);
    const reference = parseCompletion(text, { mode: 'facial-r1' });
    expect(reference.presentAus).toEqual(['AU4']);
    // findall's first match runs from the first <answer> to the first </answer>, and it is the only one.
    expect(reference.answer).toBe(text.slice(15, text.indexOf('</answer>')));
    expect(reference.wellFormed).toBe(false);
  });

  it('100k "AU"', () => {
    const text = 'AU'.repeat(100_000);
    expect(parseCompletion(text).mentions).toEqual([]);
    expect(parseCompletion(`<think>${text}</think>`, { mode: 'facial-r1' }).presentAus).toEqual([]);
    // "AU" followed by digits, 100k times: one token, repeated.
    const tokens = `<think>${'AU1'.repeat(100_000)}</think>`;
    expect(parseCompletion(tokens, { mode: 'facial-r1' }).presentAus).toEqual(['AU1']);
    expect(parseCompletion(tokens).presentAus).toEqual([]);
  });

  it('100k distinct AU tokens', () => {
    const codes = Array.from({ length: 100_000 }, (_, index) => index + 1);
    const text = `<think>${codes.map((code) => `AU${code}`).join(' ')}</think><answer>fear</answer>`;
    const reference = parseCompletion(text, { mode: 'facial-r1' });
    expect(reference.presentAus).toHaveLength(100_000);
    expect(reference.presentAus.at(-1)).toBe('AU100000');
    // robust mode reads codes 1-99 only
    expect(parseCompletion(text).presentAus).toHaveLength(99);
  });

  it('a 1 MB digit run', () => {
    const digits = '9'.repeat(megabyte);
    const text = `<think>AU${digits}</think><answer>fear</answer>`;
    expect(parseCompletion(text).presentAus).toEqual([]);
    const reference = parseCompletion(text, { mode: 'facial-r1' });
    expect(reference.presentAus).toEqual([`AU${digits}`]);
    expect(reference.wellFormed).toBe(true);
  });

  it('unclosed tags', () => {
    const text = '<think><answer>'.repeat(megabyte / 15);
    const robust = parseCompletion(text);
    expect(robust.formatIssues.map((issue) => issue.code)).toEqual(['unclosed-think', 'unclosed-answer']);
    expect(parseCompletion(text, { mode: 'facial-r1' })).toMatchObject({ wellFormed: false, answer: text });
  });

  it('many blocks', () => {
    const count = Math.floor(megabyte / 26);
    const text = '<think>AU1 no AU2</think>'.repeat(count);
    const robust = parseCompletion(text);
    expect(robust).toMatchObject({ presentAus: ['AU1'], negatedAus: ['AU2'] });
    expect(robust.thinks).toHaveLength(count);
    expect(parseCompletion(text, { mode: 'facial-r1' }).presentAus).toEqual(['AU1', 'AU2']);
  });

  it('close tags then whitespace: every split point of the format regex fails', () => {
    const text = `<think>${'</think>   '.repeat(megabyte / 11)}x</answer>`;
    expect(parseCompletion(text, { mode: 'facial-r1' }).wellFormed).toBe(false);
    const good = `<think>${'</think> '.repeat(megabyte / 9)}<answer>x</answer>`;
    expect(parseCompletion(good, { mode: 'facial-r1' }).wellFormed).toBe(true);
  });

  it('still finds what is there in a huge completion', () => {
    const text = `<think>${'the brows move. '.repeat(60_000)}AU4 is clear</think><answer>anger</answer>`;
    expect(parseCompletion(text).presentAus).toEqual(['AU4']);
    expect(parseCompletion(text, { mode: 'facial-r1' }).presentAus).toEqual(['AU4']);
  });
});
