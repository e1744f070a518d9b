import { EMOTIONS } from '@facial-r1/facs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assess, isCurrentAssessment, referenceLabel } from './assess';
import { ASSESSMENT_VERSION } from './assessment';
import { auFBeta, compareAus, goldAus } from './compare-aus';

const wrap = (think: string, answer: string) => `<think>${think}</think><answer>${answer}</answer>`;

describe('the ground truth', () => {
  it('strips answer tags and Python whitespace from the first label; empty means none', () => {
    expect(referenceLabel({ labels: ['<answer> happiness </answer>', 'x'] })).toBe('happiness');
    expect(referenceLabel({ labels: ['\u001c sadness\u0085'] })).toBe('sadness');
    expect(referenceLabel({ labels: ['<answer></answer>'] })).toBeNull();
    expect(referenceLabel({ labels: [] })).toBeNull();
    expect(referenceLabel({})).toBeNull();
  });

  it('reads AU labels canonically (robust) or upper-cased as written (facial-r1), unique', () => {
    expect(goldAus(['AU04', 'au4', '12', 'AU12', 'foo'])).toEqual(['AU4', 'AU12', 'FOO']);
    expect(goldAus(['AU04', 'au4', 'AU4'], 'facial-r1')).toEqual(['AU04', 'AU4']);
    expect(goldAus(undefined)).toEqual([]);
  });
});

describe('compareAus', () => {
  it('splits into true and false positives and negatives', () => {
    const comparison = compareAus(['AU1', 'AU4', 'AU15'], ['AU4', 'AU12', 'AU1']);
    expect(comparison).toMatchObject({
      truePositives: ['AU4', 'AU1'],
      falsePositives: ['AU12'],
      falseNegatives: ['AU15'],
      precision: 2 / 3,
      recall: 2 / 3,
    });
    expect(comparison.f1).toBeCloseTo(2 / 3, 12);
    expect(auFBeta(comparison, 2)).toBeCloseTo(2 / 3, 12);
  });

  it('takes two empty sets as equal (F1 1) and one empty set as no match (F1 0)', () => {
    expect(compareAus([], [])).toMatchObject({ precision: 1, recall: 1, f1: 1 });
    expect(compareAus(['AU1'], [])).toMatchObject({ precision: 1, recall: 0, f1: 0 });
    expect(compareAus([], ['AU1'])).toMatchObject({ precision: 0, recall: 1, f1: 0 });
    expect(auFBeta(compareAus([], []))).toBe(0);
  });
});

describe('assess, robust mode', () => {
  const sample = { labels: ['happiness'], AUs: ['AU6', 'AU12'] };

  it('assesses a good completion', () => {
    const text = wrap(
      'The cheeks are raised (AU06) and the lip corners pulled up (AU 12), a Duchenne smile that shows joy.',
      'Happy',
    );
    const assessment = assess(text, sample);
    expect(assessment.parse.presentAus).toEqual(['AU6', 'AU12']);
    expect(assessment.aus).toMatchObject({
      gold: ['AU6', 'AU12'],
      falsePositives: [],
      falseNegatives: [],
      f1: 1,
    });
    expect(assessment.answer).toEqual({
      label: 'happiness',
      expected: 'happiness',
      given: 'Happy',
      answered: 'happiness',
      correct: true,
    });
    expect(assessment.format).toMatchObject({ wellFormed: true, passed: true, blocking: [] });
    expect(assessment.consistency).toMatchObject({
      answerEmotion: 'happiness',
      reasoningEmotion: 'happiness',
      support: 1,
      consistent: true,
    });
    expect(assessment.grounding).toEqual({ labelled: true, invented: [], inventedShare: 0 });
    expect(assessment.negation.found).toBe(false);
    expect(assessment.hedging.found).toBe(false);
    expect(assessment.length.words).toBe(19);
    expect(assessment.length.repeatedShare).toBe(0);
  });

  it('finds invented AUs, negation and hedging in the reasoning only', () => {
    const text =
      ' <think>Maybe the brows are lowered (AU4); there is no smile (AU12) and the cheeks rise (AU6).</think><answer>not sure, perhaps anger</answer>';
    const assessment = assess(text, sample);
    expect(assessment.aus.predicted).toEqual(['AU4', 'AU6']);
    expect(assessment.grounding).toEqual({ labelled: true, invented: ['AU4'], inventedShare: 0.5 });
    expect(assessment.negation.cues.map((cue) => cue.text)).toEqual(['no']);
    expect(assessment.negation.mentions.map((mention) => mention.text)).toEqual(['smile', 'AU12']);
    expect(assessment.hedging.cues.map((cue) => cue.text)).toEqual(['Maybe']);
    expect(assessment.format).toMatchObject({ wellFormed: false, passed: true, blocking: [] });
    expect(assessment.answer.correct).toBe(false);
    expect(assessment.consistency.answerEmotion).toBeNull();
    expect(assessment.consistency.consistent).toBe(false);
  });

  it('without labels: no correctness, nothing invented', () => {
    const assessment = assess(wrap('AU4', 'anger'), {});
    expect(assessment.answer.correct).toBeNull();
    expect(assessment.grounding).toEqual({ labelled: false, invented: [], inventedShare: 0 });
    expect(assessment.aus.falsePositives).toEqual(['AU4']);
  });

  it('counts repeated n-grams and words of the whole text without a think block', () => {
    const loop = 'the brows are lowered '.repeat(10);
    const assessment = assess(loop, {}, { repetitionN: 3 });
    expect(assessment.length.words).toBe(40);
    expect(assessment.length.repeatedShare).toBeCloseTo(34 / 38, 12);
    expect(assessment.format.blocking).toEqual(['missing-think', 'missing-answer']);
  });
});

describe('assess, facial-r1 mode (the reference semantics, FACTS 3)', () => {
  it('compares the AU tokens as written and the answer case-sensitively', () => {
    const text = wrap('brows (AU04), lids (au7), no AU24', 'Anger');
    const assessment = assess(
      text,
      { labels: ['anger'], AUs: ['AU4', 'AU7', 'AU24'] },
      { mode: 'facial-r1' },
    );
    expect(assessment.aus).toMatchObject({
      gold: ['AU4', 'AU7', 'AU24'],
      predicted: ['AU04', 'AU7', 'AU24'],
      truePositives: ['AU7', 'AU24'],
      falsePositives: ['AU04'],
      falseNegatives: ['AU4'],
    });
    expect(assessment.answer).toMatchObject({ given: 'Anger', expected: 'anger', correct: false });
    expect(assessment.format).toMatchObject({ wellFormed: true, passed: true });
  });

  it('fails the format on surrounding whitespace and names the issue', () => {
    const assessment = assess(` ${wrap('AU4', 'anger')}`, {}, { mode: 'facial-r1' });
    expect(assessment.format.passed).toBe(false);
    expect(assessment.format.blocking).toEqual(['leading-whitespace']);
    expect(assessment.answer.correct).toBeNull();
  });
});

describe('as data', () => {
  it('serialises to the same type and is recognised as current', () => {
    const assessment = assess(wrap('AU6 and AU12, maybe AU25', 'happiness'), {
      labels: ['happiness'],
      AUs: ['AU6'],
    });
    const json = JSON.parse(JSON.stringify(assessment));
    expect(json.version).toBe(ASSESSMENT_VERSION);
    expect(json.aus).toEqual(assessment.aus);
    expect(json.hedging.cues).toEqual(assessment.hedging.cues);
    expect(json.parse.thinkSpan).toEqual(assessment.parse.thinkSpan);
    expect(isCurrentAssessment(json)).toBe(true);
    expect(isCurrentAssessment(json, 'facial-r1')).toBe(false);
    expect(isCurrentAssessment({ ...json, version: ASSESSMENT_VERSION + 1 })).toBe(false);
    expect(isCurrentAssessment(null)).toBe(false);
  });

  it('never throws and keeps its invariants, for any text and sample, in both modes', () => {
    const texts = fc.oneof(
      fc.string(),
      fc
        .array(
          fc.constantFrom(
            '<think>',
            '</think>',
            '<answer>',
            '</answer>',
            ' ',
            'AU4',
            'au12',
            'no ',
            'maybe ',
            'happy',
          ),
          { maxLength: 14 },
        )
        .map((parts) => parts.join('')),
    );
    const samples = fc.record(
      {
        labels: fc.array(fc.oneof(fc.constantFrom(...EMOTIONS), fc.string()), { maxLength: 2 }),
        AUs: fc.array(fc.oneof(fc.constantFrom('AU4', 'AU04', 'AU12', 'au6'), fc.string()), { maxLength: 4 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(texts, samples, fc.constantFrom('robust', 'facial-r1' as const), (text, sample, mode) => {
        const assessment = assess(text, sample, { mode });
        const { aus } = assessment;
        expect(aus.truePositives.length + aus.falsePositives.length).toBe(aus.predicted.length);
        expect(aus.truePositives.length + aus.falseNegatives.length).toBe(aus.gold.length);
        for (const value of [aus.precision, aus.recall, aus.f1, assessment.consistency.support])
          expect(value >= 0 && value <= 1).toBe(true);
        expect(assessment.format.passed).toBe(assessment.format.blocking.length === 0);
        if (mode === 'facial-r1') expect(assessment.format.passed).toBe(assessment.format.wellFormed);
        expect(assessment.grounding.invented.length <= aus.falsePositives.length).toBe(true);
        for (const span of [...assessment.negation.cues, ...assessment.hedging.cues])
          expect(text.slice(span.start, span.end)).toBe(span.text);
        expect(JSON.parse(JSON.stringify(assessment)).answer).toEqual(assessment.answer);
      }),
      { numRuns: 400 },
    );
  });
});
