import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isReferenceWellFormed, parseReference } from './parse-reference';

const hasPython = (() => {
  try {
    execFileSync('python3', ['--version']);
    return true;
  } catch {
    console.warn('python3 not found: the differential test against Python re is skipped');
    return false;
  }
})();

// The reference semantics of FACTS 3, written with Python's own `re` (run by python3): the
// ground truth our linear scanner is compared against.
const PYTHON_REFERENCE = String.raw`
import json, re, sys
out = []
for text in json.load(sys.stdin):
    well = re.fullmatch(r"<think>.*?</think>\s*<answer>.*?</answer>", text, re.DOTALL) is not None
    think = re.search(r"<think>(.*?)</think>", text, re.DOTALL | re.IGNORECASE)
    aus = []
    if think:
        for token in re.findall(r"AU\d+", think.group(1).upper()):
            if token not in aus:
                aus.append(token)
    answers = re.findall(r"<answer>(.*?)</answer>", text, re.DOTALL)
    answer = answers[-1].strip() if answers else text.strip()
    out.append({"wellFormed": well, "think": think.group(1) if think else None, "aus": aus, "answer": answer})
print(json.dumps(out))
`;

describe('parseReference (FACTS 3)', () => {
  it.each([
    ['<think>a</think><answer>b</answer>', true],
    ['<think>a</think>\n \t<answer>b</answer>', true],
    [' <think>a</think><answer>b</answer>', false],
    ['<think>a</think><answer>b</answer>\n', false],
    ['<think>a</think><answer>b</answer><answer>c</answer>', true],
    ['<Think>a</Think><answer>b</answer>', false],
    ['<think></think><answer></answer>', true],
    ['<think>a</think>x<answer>b</answer>', false],
    ['<think>a</think>x</think><answer>b</answer>', true],
    ['<think>a<answer>b</answer>', false],
    ['', false],
  ])('format of %j is %s', (text, expected) => {
    expect(isReferenceWellFormed(text)).toBe(expected);
    expect(parseReference(text).wellFormed).toBe(expected);
  });

  it('takes AUs from the first think block as written, upper-cased, without word boundaries', () => {
    expect(
      parseReference('<THINK>brows (AU04), au12, AU12C, AU 4, beau7</think><answer>x</answer>').aus,
    ).toEqual(['AU04', 'AU12', 'AU7']);
    expect(parseReference('<think>AU1</think><think>AU2</think>').aus).toEqual(['AU1']);
    expect(parseReference('no tags AU4').aus).toEqual([]);
    expect(parseReference('<think>unclosed AU4').aus).toEqual([]);
  });

  it('answers with the last answer block, or the whole text stripped', () => {
    expect(parseReference('<answer> fear </answer><answer>\nhappiness\n</answer>').answer).toBe('happiness');
    expect(parseReference('  happiness  ').answer).toBe('happiness');
    expect(parseReference('<ANSWER>anger</ANSWER>')).toMatchObject({
      answer: '<ANSWER>anger</ANSWER>',
      answerTagged: false,
    });
  });

  it.skipIf(!hasPython)('equals Python re on 4,000 generated strings', () => {
    const pieces = [
      '<think>',
      '</think>',
      '<answer>',
      '</answer>',
      '<THINK>',
      '</Think>',
      'AU',
      'au',
      '04',
      '12',
      'C',
      ' ',
      '\n',
      '\u00a0',
      '\u001c',
      '\ufeff',
      'happy',
      'x',
      '\u0664',
      'ı',
      '<thİnk>',
      '</thin\u212a>',
      'ß',
      'ﬀ',
      '\u0085',
      '\u2028',
      '\ud800',
      '\ud835\udfd8',
    ];
    const samples = fc.sample(
      fc.array(fc.constantFrom(...pieces), { maxLength: 14 }).map((parts) => parts.join('')),
      { numRuns: 4000, seed: 7 },
    );
    const expected = JSON.parse(
      execFileSync('python3', ['-c', PYTHON_REFERENCE], { input: JSON.stringify(samples), encoding: 'utf8' }),
    );
    samples.forEach((text, index) => {
      const ours = parseReference(text);
      expect(
        { wellFormed: ours.wellFormed, think: ours.think, aus: ours.aus, answer: ours.answer },
        JSON.stringify(text),
      ).toEqual(expected[index]);
    });
  });
});
