import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auMetrics } from './au-metrics';
import { corpusBleu } from './bleu';
import { bootstrapInterval, bootstrapMean, pairedBootstrap, regeScore } from './bootstrap';
import { emotionMetrics, extractEmotion } from './emotion-metrics';
import { porterStem } from './porter-stemmer';
import { rougeL, rougeScores } from './rouge';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8'));

describe('Porter stemmer (NLTK_EXTENSIONS)', () => {
  // porter-nltk-extensions.json: 6,202 words and the stems NLTK 3.8's PorterStemmer() (default
  // NLTK_EXTENSIONS mode) gave for them, generated once by running NLTK with python3.
  it('equals NLTK on 6,202 words', () => {
    const expected = fixture('porter-nltk-extensions.json') as Record<string, string>;
    const mismatches = Object.entries(expected).filter(([word, stem]) => porterStem(word) !== stem);
    expect(mismatches).toEqual([]);
    expect(Object.keys(expected).length).toBeGreaterThan(6000);
  });

  it('keeps the NLTK departures from the 1980 algorithm', () => {
    expect(
      ['dies', 'flies', 'died', 'spied', 'happy', 'enjoy', 'skies', 'dying', 'generalizations'].map(
        porterStem,
      ),
    ).toEqual(['die', 'fli', 'die', 'spi', 'happi', 'enjoy', 'sky', 'die', 'gener']);
  });
});

describe('ROUGE (rouge-score semantics)', () => {
  // rouge-reference.json: 40 pairs; expected scores from a Python transcription of
  // rouge_score's tokenize() / _score_ngrams() / _score_lcs() run with NLTK's real PorterStemmer
  // (python3, at test-authoring time). The pairs cover stemming, punctuation, empty sides,
  // repeats, reversed order, Unicode (É, Kelvin sign) and digits.
  const cases = fixture('rouge-reference.json') as {
    prediction: string;
    reference: string;
    rouge1: number[];
    rouge2: number[];
    rougeL: number[];
  }[];
  it.each(cases.map((item, index) => [index, item] as const))('pair %i', (_index, item) => {
    const scores = rougeScores(item.prediction, item.reference);
    for (const key of ['rouge1', 'rouge2', 'rougeL'] as const) {
      expect([scores[key].precision, scores[key].recall, scores[key].fmeasure]).toEqual(
        item[key].map((value) => expect.closeTo(value, 12)),
      );
    }
    expect(rougeL(item.prediction, item.reference)).toBeCloseTo(item.rougeL[2]!, 12);
  });

  it('has at least 30 pairs and hand-checkable values', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
    // "the cat sat on the mat" vs "the the the the": unigram overlap clipped at 2.
    const scores = rougeScores('the the the the', 'the cat sat on the mat');
    expect(scores.rouge1).toEqual({
      precision: 0.5,
      recall: 2 / 6,
      fmeasure: (2 * 0.5 * (2 / 6)) / (0.5 + 2 / 6),
    });
    // LCS is "the ... the" = 2: P 2/4, R 2/6.
    expect(scores.rougeL.fmeasure).toBeCloseTo(0.4, 12);
  });

  it('properties: in [0, 1], 1 for identical texts, symmetric F for ROUGE-L', () => {
    const text = fc
      .array(
        fc.constantFrom('brows', 'raised', 'AU4', 'smile', 'the', 'lips', 'pressed', 'happy', '!', ','),
        { maxLength: 20 },
      )
      .map((words) => words.join(' '));
    fc.assert(
      fc.property(text, text, (a, b) => {
        const scores = rougeScores(a, b);
        for (const score of Object.values(scores))
          for (const value of Object.values(score)) expect(value).toBeGreaterThanOrEqual(0);
        for (const score of Object.values(scores)) expect(score.fmeasure).toBeLessThanOrEqual(1 + 1e-12);
        expect(rougeL(a, b)).toBeCloseTo(rougeL(b, a), 12);
        if (/[a-z0-9]/i.test(a)) expect(rougeL(a, a)).toBe(1);
      }),
    );
  });
});

describe('rougeL fast path', () => {
  it('equals rougeScores(...).rougeL on any text: case, Unicode, punctuation, repeats', () => {
    const word = fc.oneof(
      fc.constantFrom(
        'Brows',
        'RAISED',
        'raising',
        'AU12',
        'au12',
        'smiling',
        'smile',
        'Kelvin\u212a',
        'café',
        'ÉTÉ',
      ),
      fc.string({ maxLength: 6 }),
    );
    const text = fc.array(word, { maxLength: 30 }).map((words) => words.join(' '));
    fc.assert(
      fc.property(text, text, (a, b) => {
        expect(rougeL(a, b)).toBe(rougeScores(a, b).rougeL.fmeasure);
      }),
      { numRuns: 300 },
    );
  });
});

describe('BLEU (NLTK corpus_bleu semantics)', () => {
  // bleu-reference.json: NLTK's own corpus_bleu on its docstring example (0.5920778868801042)
  // and on 20 FEA-style pairs tokenized as lower-case [a-z0-9] words.
  const reference = fixture('bleu-reference.json');
  it('matches NLTK on its documentation example', () => {
    const { hypotheses, references, bleu } = reference.docExample;
    expect(corpusBleu(hypotheses, references).bleu).toBeCloseTo(bleu, 12);
    expect(bleu).toBeCloseTo(0.5920778868801042, 15);
  });

  it('matches NLTK on FEA pairs and handles the edge cases', () => {
    const { hypotheses, references, bleu } = reference.fea;
    expect(corpusBleu(hypotheses, references).bleu).toBeCloseTo(bleu, 12);
    expect(corpusBleu(['the cat'], ['the cat sat on the mat']).bleu).toBe(0);
    expect(corpusBleu([''], ['a b c d']).bleu).toBe(0);
    const identical = corpusBleu(['a b c d e'], ['a b c d e']);
    expect(identical.bleu).toBe(1);
    expect(identical.brevityPenalty).toBe(1);
  });

  it('gives the same counts on the string-key path used for pairs with over 8,192 distinct tokens', () => {
    // 10,000 distinct tokens: 10,000^4 > 2^53, so numeric n-gram keys would not be exact.
    const many = Array.from({ length: 10_000 }, (_, index) => `w${index}`);
    const shifted = [...many.slice(1), 'extra'];
    const large = corpusBleu([many], [[shifted]]);
    // Hand count: every n-gram of `many` except the n containing w0 occurs once in `shifted`.
    expect(large.precisions).toEqual([9_999 / 10_000, 9_998 / 9_999, 9_997 / 9_998, 9_996 / 9_997]);
    expect(large.brevityPenalty).toBe(1);
  });
});

describe('emotion metrics', () => {
  const labels = ['anger', 'happiness', 'sadness'];
  it('computes accuracy, UAR, macro/weighted F1, per-class and confusion by hand', () => {
    const gold = ['anger', 'anger', 'happiness', 'happiness', 'happiness', 'sadness'];
    const predicted = ['anger', 'happiness', 'happiness', 'happiness', null, 'surprise'];
    const metrics = emotionMetrics(gold, predicted, labels);
    expect(metrics.accuracy).toBe(3 / 6);
    // recalls: anger 1/2, happiness 2/3, sadness 0
    expect(metrics.uar).toBeCloseTo((0.5 + 2 / 3 + 0) / 3, 12);
    // precisions: anger 1/1, happiness 2/3, sadness 0 (never predicted)
    const f1Anger = (2 * 1 * 0.5) / 1.5;
    const f1Happiness = 2 / 3;
    expect(metrics.macroF1).toBeCloseTo((f1Anger + f1Happiness + 0) / 3, 12);
    expect(metrics.weightedF1).toBeCloseTo((2 * f1Anger + 3 * f1Happiness) / 6, 12);
    expect(metrics.perClass.sadness).toEqual({ precision: 0, recall: 0, f1: 0, support: 1, accuracy: 0 });
    expect(metrics.confusion.columns).toEqual([...labels, 'invalid']);
    expect(metrics.confusion.matrix).toEqual([
      [1, 1, 0, 0],
      [0, 2, 0, 1],
      [0, 0, 0, 1],
    ]);
  });

  it('handles empty input and classes without support; rejects gold outside the label set', () => {
    expect(emotionMetrics([], [], labels)).toMatchObject({ accuracy: 0, uar: 0, macroF1: 0, weightedF1: 0 });
    expect(emotionMetrics(['anger'], ['anger'], labels).uar).toBe(1);
    expect(() => emotionMetrics(['fear'], ['fear'], labels)).toThrow(
      /gold label "fear" at 0 is not in the label set/,
    );
  });

  it('extracts the answer by the reference rule and the normalised rule', () => {
    const output = '<think>AU6 AU12</think><answer>Happiness, clearly</answer>';
    expect(extractEmotion(output, ['happiness'], 'reference')).toBe('happiness');
    expect(
      extractEmotion('<think>x</think><answer>happy face</answer>', ['happiness'], 'reference'),
    ).toBeNull();
    expect(extractEmotion('<think>x</think><answer>happy face</answer>', ['happiness'])).toBe('happiness');
    expect(extractEmotion('no tags, sad', ['sadness'])).toBeNull();
  });
});

describe('AU metrics', () => {
  it('macro F1 over AUs with positives (reference), over a fixed list, micro F1, and zero divisions', () => {
    const gold = [['AU1', 'AU2'], ['AU1'], []];
    const predicted = [['AU1'], ['AU1', 'AU4'], ['AU04']];
    const metrics = auMetrics(gold, predicted, { vocabulary: ['AU1', 'AU2', 'AU4', 'AU6'] });
    expect(metrics.perAu.AU1).toEqual({ precision: 1, recall: 1, f1: 1, support: 2 });
    expect(metrics.perAu.AU2).toEqual({ precision: 0, recall: 0, f1: 0, support: 1 });
    expect(metrics.perAu.AU4).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
    expect(metrics.averagedAus).toEqual(['AU1', 'AU2']);
    expect(metrics.macroF1).toBe(0.5);
    expect(metrics.macroF1Fixed).toBe(0.25);
    // pooled: TP 2, FP 2 (AU4 twice), FN 1 (AU2)
    expect(metrics.microF1).toBeCloseTo(4 / 7, 12);
  });

  it('excludes unknown labels (BP4D 9) from that AU for that sample', () => {
    const withUnknown = auMetrics([['AU1'], []], [['AU1'], ['AU1']], { unknown: [undefined, ['AU1']] });
    expect(withUnknown.perAu.AU1).toEqual({ precision: 1, recall: 1, f1: 1, support: 1 });
    const without = auMetrics([['AU1'], []], [['AU1'], ['AU1']]);
    expect(without.perAu.AU1!.precision).toBe(0.5);
  });

  it('properties: perfect prediction gives 1; scores in [0, 1]; order of samples does not matter', () => {
    const set = fc.uniqueArray(fc.constantFrom('AU1', 'AU2', 'AU4', 'AU6', 'AU12'), { maxLength: 5 });
    fc.assert(
      fc.property(fc.array(fc.tuple(set, set), { minLength: 1, maxLength: 12 }), (rows) => {
        const gold = rows.map(([g]) => g);
        const predicted = rows.map(([, p]) => p);
        const metrics = auMetrics(gold, predicted);
        expect(metrics.macroF1).toBeGreaterThanOrEqual(0);
        expect(metrics.macroF1).toBeLessThanOrEqual(1);
        const reversed = auMetrics([...gold].reverse(), [...predicted].reverse());
        expect(reversed.microF1).toBeCloseTo(metrics.microF1, 12);
        if (gold.some((aus) => aus.length)) expect(auMetrics(gold, gold).macroF1).toBe(1);
      }),
    );
  });
});

describe('bootstrap and REGE', () => {
  const mean = (rows: readonly number[]) =>
    rows.reduce((sum, value) => sum + value, 0) / Math.max(rows.length, 1);
  it('is deterministic for a seed and brackets the estimate', () => {
    const rows = Array.from({ length: 200 }, (_, index) => (index % 3 === 0 ? 1 : 0));
    const first = bootstrapInterval(rows, mean, { seed: 1 });
    expect(bootstrapInterval(rows, mean, { seed: 1 })).toEqual(first);
    expect(first.low).toBeLessThanOrEqual(first.value);
    expect(first.high).toBeGreaterThanOrEqual(first.value);
    expect(first.high - first.low).toBeLessThan(0.2);
    expect(bootstrapInterval([], mean)).toEqual({ value: 0, low: 0, high: 0 });
  });

  it('bootstrapMean draws two-valued data from the exact binomial and agrees with resampling rows', () => {
    // The share of ones in a resample of n rows is Binomial(n, p) / n: with many resamples the
    // percentile interval approaches p +- 1.96 sqrt(p (1 - p) / n).
    const n = 2000;
    const rows = Array.from({ length: n }, (_, index) => (index % 10 < 7 ? 1 : 0));
    const fast = bootstrapMean(rows, { resamples: 20_000, seed: 3 });
    const halfWidth = 1.96 * Math.sqrt((0.7 * 0.3) / n);
    expect(fast.value).toBeCloseTo(0.7, 12);
    expect(fast.low).toBeCloseTo(0.7 - halfWidth, 2);
    expect(fast.high).toBeCloseTo(0.7 + halfWidth, 2);
    const slow = bootstrapInterval(rows, mean, { resamples: 2000, seed: 4 });
    expect(Math.abs(fast.low - slow.low)).toBeLessThan(0.004);
    expect(Math.abs(fast.high - slow.high)).toBeLessThan(0.004);
    expect(bootstrapMean(rows, { seed: 9 })).toEqual(bootstrapMean(rows, { seed: 9 }));
  });

  it('bootstrapMean handles any two values, one value, rare events and three-valued data', () => {
    const scaled = bootstrapMean(
      Array.from({ length: 1000 }, (_, index) => (index % 4 === 0 ? 2 : 0.5)),
      { resamples: 5000 },
    );
    expect(scaled.value).toBeCloseTo(0.875, 12);
    expect(scaled.low).toBeGreaterThan(0.8);
    expect(scaled.high).toBeLessThan(0.95);
    expect(bootstrapMean([1, 1, 1])).toEqual({ value: 1, low: 1, high: 1 });
    expect(bootstrapMean([0, 0, 0, 0])).toEqual({ value: 0, low: 0, high: 0 });
    // One success in 100k rows: resampled counts are Poisson-like around 1, never negative.
    const rare = bootstrapMean(Array.from({ length: 100_000 }, (_, index) => (index === 5 ? 1 : 0)));
    expect(rare.low).toBe(0);
    expect(rare.high).toBeGreaterThan(0);
    expect(rare.high).toBeLessThanOrEqual(5 / 100_000);
    // Three values take the row-resampling path and still bracket the mean.
    const three = bootstrapMean(Array.from({ length: 300 }, (_, index) => index % 3));
    expect(three.value).toBeCloseTo(1, 12);
    expect(three.low).toBeLessThan(1);
    expect(three.high).toBeGreaterThan(1);
  });

  it('pairs rows for a delta between two models', () => {
    const a = Array.from({ length: 100 }, (_, index) => (index < 50 ? 1 : 0));
    const b = Array.from({ length: 100 }, (_, index) => (index < 80 ? 1 : 0));
    const paired = pairedBootstrap(a, b, mean, { seed: 3 });
    expect(paired.value).toBeCloseTo(0.3, 12);
    expect(paired.low).toBeGreaterThan(0);
    expect(paired.pValue).toBe(0);
    expect(() => pairedBootstrap([1], [], mean)).toThrow(/aligned rows/);
  });

  it('REGE = 100 x recognition + 100 x generation', () => {
    expect(regeScore(0.678, 0.277)).toBeCloseTo(95.5, 10);
  });
});

describe('bit-parallel LCS', () => {
  const table = (a: readonly number[], b: readonly number[]) => {
    const rows = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
    for (let i = 1; i <= a.length; i += 1)
      for (let j = 1; j <= b.length; j += 1)
        rows[i]![j] =
          a[i - 1] === b[j - 1] ? rows[i - 1]![j - 1]! + 1 : Math.max(rows[i - 1]![j]!, rows[i]![j - 1]!);
    return rows[a.length]![b.length]!;
  };
  it('equals the dynamic-programming table on random sequences up to 150 tokens', async () => {
    const { lcsLength } = await import('./rouge');
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 150 }),
        fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 150 }),
        (a, b) => {
          expect(lcsLength(a, b)).toBe(table(a, b));
        },
      ),
      { numRuns: 300 },
    );
  });
});
