import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { resolvePreset } from './presets';
import { scoreCompletions } from './score-completions';

const hasPython = (() => {
  try {
    execFileSync('python3', ['--version']);
    return true;
  } catch {
    console.warn('python3 not found: the cross-check against a Python reference implementation is skipped');
    return false;
  }
})();

// Completion shapes with what the REFERENCE parsing (FACTS 3) sees in them, written down by
// hand: whether the format matches, the answer string it compares, the AU tokens of the first
// think block.
const SHAPES: { text: string; format: 0 | 1; answer: string; aus: string[] }[] = [
  {
    text: '<think>Cheeks raised (AU6) and lip corners pulled (AU12).</think><answer>happiness</answer>',
    format: 1,
    answer: 'happiness',
    aus: ['AU6', 'AU12'],
  },
  {
    text: '<think>Cheeks raised (AU6) and lip corners pulled (AU12).</think>\n<answer>happiness</answer>',
    format: 1,
    answer: 'happiness',
    aus: ['AU6', 'AU12'],
  },
  {
    text: ' <think>AU6 AU12</think><answer>happiness</answer>',
    format: 0,
    answer: 'happiness',
    aus: ['AU6', 'AU12'],
  },
  {
    text: '<think>AU6 AU12</think><answer>happiness</answer>\n',
    format: 0,
    answer: 'happiness',
    aus: ['AU6', 'AU12'],
  },
  {
    text: '<think>AU06 and AU12</think><answer>happiness</answer>',
    format: 1,
    answer: 'happiness',
    aus: ['AU06', 'AU12'],
  },
  {
    text: '<think>au6 and au12</think><answer>happiness</answer>',
    format: 1,
    answer: 'happiness',
    aus: ['AU6', 'AU12'],
  },
  {
    text: '<think>AU6C and AU12E</think><answer>happiness</answer>',
    format: 1,
    answer: 'happiness',
    aus: ['AU6', 'AU12'],
  },
  {
    text: '<think>AU 6 and AU 12</think><answer>happiness</answer>',
    format: 1,
    answer: 'happiness',
    aus: [],
  },
  {
    text: '<THINK>AU6 AU12</THINK><answer>happiness</answer>',
    format: 0,
    answer: 'happiness',
    aus: ['AU6', 'AU12'],
  },
  { text: '<Think>AU4</think><answer>anger</answer>', format: 0, answer: 'anger', aus: ['AU4'] },
  {
    text: '<think>AU1 AU4 AU15</think><answer>fear</answer><answer>sadness</answer>',
    format: 1,
    answer: 'sadness',
    aus: ['AU1', 'AU4', 'AU15'],
  },
  {
    text: '<think>AU1 AU4 AU15</think><answer> sadness </answer>',
    format: 1,
    answer: 'sadness',
    aus: ['AU1', 'AU4', 'AU15'],
  },
  {
    text: '<think>AU1 AU4 AU15</think><answer>Sadness</answer>',
    format: 1,
    answer: 'Sadness',
    aus: ['AU1', 'AU4', 'AU15'],
  },
  {
    text: '<think>AU1 AU4 AU15</think><answer>sad</answer>',
    format: 1,
    answer: 'sad',
    aus: ['AU1', 'AU4', 'AU15'],
  },
  {
    text: '<think>AU1 AU4 AU15</think>',
    format: 0,
    answer: '<think>AU1 AU4 AU15</think>',
    aus: ['AU1', 'AU4', 'AU15'],
  },
  { text: 'sadness', format: 0, answer: 'sadness', aus: [] },
  { text: '  sadness  ', format: 0, answer: 'sadness', aus: [] },
  { text: '<answer>surprise</answer>', format: 0, answer: 'surprise', aus: [] },
  { text: '<think></think><answer></answer>', format: 1, answer: '', aus: [] },
  {
    text: '<think>no AU12 here, AU4 only</think><answer>anger</answer>',
    format: 1,
    answer: 'anger',
    aus: ['AU12', 'AU4'],
  },
  {
    text: '<think>AU1 AU2</think><think>AU5</think><answer>surprise</answer>',
    format: 1,
    answer: 'surprise',
    aus: ['AU1', 'AU2'],
  },
  {
    text: '<think>AU1, AU2, AU5 and AU26</think><answer>surprise</answer>',
    format: 1,
    answer: 'surprise',
    aus: ['AU1', 'AU2', 'AU5', 'AU26'],
  },
  {
    text: '<think>BEAU12 and AUAU4</think><answer>happiness</answer>',
    format: 1,
    answer: 'happiness',
    aus: ['AU12', 'AU4'],
  },
  { text: '<think>AU9 AU9 AU9</think><answer>disgust</answer>', format: 1, answer: 'disgust', aus: ['AU9'] },
  { text: '<think>AU9</think>junk<answer>disgust</answer>', format: 0, answer: 'disgust', aus: ['AU9'] },
  {
    text: '<think>AU9\n\nAU10</think>\n\n<answer>\ndisgust\n</answer>',
    format: 1,
    answer: 'disgust',
    aus: ['AU9', 'AU10'],
  },
  { text: '<think>AU14</think><answer>contempt</answer>', format: 1, answer: 'contempt', aus: ['AU14'] },
  { text: '<think>unclosed AU4 AU7<answer>anger</answer>', format: 0, answer: 'anger', aus: [] },
  {
    text: '<think>AU4 AU5 AU7 AU23</think><answer>anger</answer>',
    format: 1,
    answer: 'anger',
    aus: ['AU4', 'AU5', 'AU7', 'AU23'],
  },
  {
    text: '<think>AU1 AU2 AU4 AU5 AU20 AU26</think><answer>fear</answer>',
    format: 1,
    answer: 'fear',
    aus: ['AU1', 'AU2', 'AU4', 'AU5', 'AU20', 'AU26'],
  },
  {
    text: '<think>AU25 AU26</think><answer>neutral</answer>',
    format: 1,
    answer: 'neutral',
    aus: ['AU25', 'AU26'],
  },
  { text: '<think>AU43</think><answer>neutral</answer>', format: 1, answer: 'neutral', aus: ['AU43'] },
  {
    text: '<think>AU12</think><answer><answer>happiness</answer></answer>',
    format: 1,
    answer: '<answer>happiness',
    aus: ['AU12'],
  },
  {
    text: '<think>AU1AU2</think><answer>surprise</answer>',
    format: 1,
    answer: 'surprise',
    aus: ['AU1', 'AU2'],
  },
  { text: '<think>AU-4</think><answer>anger</answer>', format: 1, answer: 'anger', aus: [] },
  {
    text: '<think>Action Unit 4 and AU 7</think><answer>anger</answer>',
    format: 1,
    answer: 'anger',
    aus: [],
  },
  { text: '<think>AU4</think> <answer>anger</answer>', format: 1, answer: 'anger', aus: ['AU4'] },
  { text: '<think>AU4</think><answer>anger</answer> ', format: 0, answer: 'anger', aus: ['AU4'] },
  { text: '', format: 0, answer: '', aus: [] },
  {
    text: '<think>AU006 AU12</think><answer>happiness</answer>',
    format: 1,
    answer: 'happiness',
    aus: ['AU006', 'AU12'],
  },
];

// Samples: labels and AUs as in FEA-20K (DISFA/BP4D have no emotion label).
const SAMPLES = [
  { labels: ['happiness'], AUs: ['AU6', 'AU12'] },
  { labels: ['<answer>happiness</answer>'], AUs: ['AU12'] },
  { labels: ['sadness'], AUs: ['AU1', 'AU4', 'AU15'] },
  { labels: ['anger'], AUs: ['AU4', 'AU5', 'AU7', 'AU23'] },
  { labels: ['surprise'], AUs: ['au1', 'AU2', 'AU5', 'AU26'] },
  { labels: [], AUs: ['AU1', 'AU2', 'AU4'] },
  { labels: ['neutral'], AUs: [] },
  { labels: ['disgust'], AUs: ['AU9', 'AU10'] },
];

// The reference rules of FACTS 3, applied to the hand-written expectations above.
function expected(shape: (typeof SHAPES)[number], sample: (typeof SAMPLES)[number]) {
  const truth = (sample.labels[0] ?? '').replace(/<\/?answer>/g, '').trim();
  const accuracy = truth === '' ? 0.5 : shape.answer === truth ? 1 : 0;
  const gold = new Set(sample.AUs.map((au) => au.toUpperCase()));
  const predicted = new Set(shape.aus);
  let au: number;
  if (gold.size === 0) au = 0;
  else if (predicted.size === 0) au = -1;
  else {
    const hits = [...predicted].filter((token) => gold.has(token)).length;
    const f1 =
      hits === 0
        ? 0
        : (2 * (hits / predicted.size) * (hits / gold.size)) / (hits / predicted.size + hits / gold.size);
    au = 2 * f1 - 1;
  }
  return { format: shape.format, accuracy, au, total: shape.format + accuracy + au };
}

const corpus = SHAPES.flatMap((shape) => SAMPLES.map((sample) => ({ shape, sample })));

describe('the facial-r1 preset (FACTS 3)', () => {
  it(`matches hand-derived values on ${corpus.length} completions`, () => {
    expect(corpus.length).toBeGreaterThanOrEqual(300);
    const results = scoreCompletions(corpus.map(({ shape, sample }) => ({ completion: shape.text, sample })));
    results.forEach((result, index) => {
      const { shape, sample } = corpus[index]!;
      const want = expected(shape, sample);
      expect(result.terms.format, shape.text).toBe(want.format);
      expect(result.terms.accuracy, `${shape.text} vs ${sample.labels}`).toBe(want.accuracy);
      expect(result.terms.au, `${shape.text} vs ${sample.AUs}`).toBeCloseTo(want.au, 12);
      expect(result.total).toBeCloseTo(want.total, 12);
    });
  });

  it('gives the documented special values', () => {
    const [noLabel, noAus, noAuLabels] = scoreCompletions([
      { completion: '<think>AU1</think><answer>x</answer>', sample: { labels: [], AUs: ['AU1'] } },
      { completion: '<think>the brows</think><answer>x</answer>', sample: { labels: ['x'], AUs: ['AU1'] } },
      { completion: '<think>AU1</think><answer>x</answer>', sample: { labels: ['x'], AUs: [] } },
    ]);
    expect(noLabel!.terms.accuracy).toBe(0.5);
    expect(noAus!.terms.au).toBe(-1);
    expect(noAuLabels!.terms.au).toBe(0);
    expect(resolvePreset('facial-r1').clamp).toEqual([-10, 10]);
  });

  it.skipIf(!hasPython)('equals a Python implementation of the reference rewards on the corpus', () => {
    const script = String.raw`
import json, re, sys
def format_reward(c):
    return 1.0 if re.fullmatch(r"<think>.*?</think>\s*<answer>.*?</answer>", c, re.DOTALL) else 0.0
def accuracy_reward(c, labels):
    gt = re.sub(r"</?answer>", "", labels[0] if labels else "").strip()
    if not gt:
        return 0.5
    found = re.findall(r"<answer>(.*?)</answer>", c, re.DOTALL)
    pred = found[-1].strip() if found else c.strip()
    return 1.0 if pred == gt else 0.0
def au_reward(c, aus):
    gt = set(a.upper() for a in aus)
    if not gt:
        return 0.0
    m = re.search(r"<think>(.*?)</think>", c, re.DOTALL | re.IGNORECASE)
    pred = set(re.findall(r"AU\d+", m.group(1).upper())) if m else set()
    if not pred:
        return -1.0
    tp = len(pred & gt)
    if tp == 0:
        return -1.0
    p, r = tp / len(pred), tp / len(gt)
    return 2 * (2 * p * r / (p + r)) - 1
out = []
for item in json.load(sys.stdin):
    c, s = item["completion"], item["sample"]
    total = format_reward(c) + accuracy_reward(c, s["labels"]) + au_reward(c, s["AUs"])
    out.append(max(-10.0, min(10.0, total)))
print(json.dumps(out))
`;
    const items = corpus.map(({ shape, sample }) => ({ completion: shape.text, sample }));
    const python = JSON.parse(
      execFileSync('python3', ['-c', script], { input: JSON.stringify(items), encoding: 'utf8' }),
    ) as number[];
    const ours = scoreCompletions(items).map((result) => result.total);
    ours.forEach((value, index) => {
      expect(value, items[index]!.completion).toBeCloseTo(python[index]!, 12);
    });
  });
});

// Where the robust and aligned presets differ from facial-r1, and why (the README's table).
describe('facial-r1-robust and aligned', () => {
  const sample = { labels: ['happiness'], AUs: ['AU6', 'AU12'] };
  const score = (completion: string, preset: string, item = sample) =>
    scoreCompletions([{ completion, sample: item }], { preset })[0]!;

  it.each([
    ['zero-padded codes count', '<think>AU06 and AU012</think><answer>happiness</answer>', -1, 1],
    ['spaced codes count', '<think>AU 6 and AU 12</think><answer>happiness</answer>', -1, 1],
    ['phrases count', '<think>Raised cheeks and a smile.</think><answer>happiness</answer>', -1, 1],
    // reference: {AU6, AU12, AU4} against {AU6, AU12}: P 2/3, R 1, F1 0.8 -> 0.6
    [
      'negated AUs do not count',
      '<think>AU6 and AU12, with no AU4</think><answer>happiness</answer>',
      0.6,
      1,
    ],
  ])('AU term: %s', (_why, completion, reference, robust) => {
    expect(score(completion, 'facial-r1').terms.au).toBeCloseTo(reference, 10);
    expect(score(completion, 'facial-r1-robust').terms.au).toBeCloseTo(robust, 10);
  });

  it('accuracy: case, synonyms and punctuation are forgiven', () => {
    for (const answer of ['Happiness', 'happy', ' Happy. ', 'JOY']) {
      const completion = `<think>AU6 AU12</think><answer>${answer}</answer>`;
      expect(score(completion, 'facial-r1').terms.accuracy).toBe(0);
      expect(score(completion, 'facial-r1-robust').terms.accuracy).toBe(1);
    }
  });

  it('format: surrounding whitespace and tag case are forgiven, structure is not', () => {
    expect(score(' <think>AU6</think><answer>happiness</answer>\n', 'facial-r1').terms.format).toBe(0);
    expect(score(' <think>AU6</think><answer>happiness</answer>\n', 'facial-r1-robust').terms.format).toBe(1);
    expect(score('<think>AU6</think>junk<answer>happiness</answer>', 'facial-r1-robust').terms.format).toBe(
      0,
    );
  });

  it('aligned: consistency punishes an answer the AUs do not support; grounding punishes invented AUs; hedging and negation cost', () => {
    const aligned = score(
      '<think>Cheeks raised (AU6) and lip corners pulled (AU12).</think><answer>happiness</answer>',
      'aligned',
    );
    expect(aligned.terms).toEqual({
      au: 1,
      accuracy: 1,
      format: 1,
      consistency: 1,
      grounding: 0,
      hedging: 0,
      negation: 0,
    });
    expect(aligned.total).toBe(3.5); // 1 + 1 + 1 + 0.5 x consistency 1
    const misaligned = score(
      '<think>Cheeks raised (AU6) and lip corners pulled (AU12).</think><answer>anger</answer>',
      'aligned',
      {
        labels: ['anger'],
        AUs: ['AU6', 'AU12'],
      },
    );
    expect(misaligned.terms.consistency).toBe(-1);
    expect(misaligned.reasons.consistency).toMatch(/support happiness/);
    const invented = score('<think>AU6, AU12, AU4 and AU9</think><answer>happiness</answer>', 'aligned');
    expect(invented.terms.grounding).toBe(-0.5);
    const hedged = score(
      '<think>Maybe AU6, possibly AU12, not AU4</think><answer>happiness</answer>',
      'aligned',
    );
    expect(hedged.terms.hedging).toBe(-1);
    expect(hedged.terms.negation).toBe(-0.5);
  });

  it('custom presets, overridden weights, unknown names', () => {
    const custom = scoreCompletions(
      [{ completion: '<think>AU6 AU12</think><answer>happiness</answer>', sample }],
      {
        preset: { terms: { au: 2, length: 1 }, options: { lengthRange: [1, 2] } },
      },
    )[0]!;
    expect(custom.terms).toEqual({ au: 1, length: 0 });
    expect(custom.total).toBe(2);
    const weighted = scoreCompletions(
      [{ completion: '<think>AU6 AU12</think><answer>anger</answer>', sample }],
      {
        preset: { preset: 'aligned', weights: { consistency: 2 } },
      },
    )[0]!;
    expect(weighted.total).toBeCloseTo(1 + 0 + 1 + 2 * -1 + 0, 10);
    expect(() => scoreCompletions([], { preset: 'nope' })).toThrow(
      /unknown reward preset "nope"; known: facial-r1, facial-r1-robust, aligned/,
    );
    expect(() => scoreCompletions([], { preset: 'aligend' })).toThrow(
      /"aligend" \(did you mean "aligned"\?\)/,
    );
    expect(() => scoreCompletions([], { preset: { terms: { grouding: 1 } } as never })).toThrow(
      /did you mean "grounding"/,
    );
    expect(() => scoreCompletions([], { preset: { terms: { vibes: 1 } } as never })).toThrow(
      /unknown reward term "vibes"/,
    );
    const clamped = scoreCompletions(
      [{ completion: '<think>AU6 AU12</think><answer>happiness</answer>', sample }],
      {
        preset: { terms: { format: 100 }, clamp: [-10, 10] },
      },
    )[0]!;
    expect(clamped.total).toBe(10);
  });

  it('length and repetition', () => {
    const long = `<think>${'The cheeks rise (AU6). '.repeat(50)}</think><answer>happiness</answer>`;
    const result = scoreCompletions([{ completion: long, sample }], {
      preset: { terms: { length: 1, repetition: 1 } },
    })[0]!;
    expect(result.terms.length).toBeLessThan(0);
    expect(result.terms.repetition).toBe(-1);
  });
});
