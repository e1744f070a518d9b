// One sample's judgement crosses each package once: the reward terms (rewards), the stage-3
// verdict (synthesis) and the benchmark metrics (benchmarks) must all say what the same
// Assessment (assessment) says, for any completion and sample. This app depends on all four,
// so the check lives here.
import { type Assessment, assess, auFBeta } from '@facial-r1/assessment';
import { type BenchmarkSample, evaluate, feaRates } from '@facial-r1/benchmarks';
import { EMOTIONS } from '@facial-r1/facs';
import { scoreCompletions } from '@facial-r1/rewards';
import { createVerifier } from '@facial-r1/synthesis';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const AU_WORDS = ['AU1', 'AU04', 'AU 6', 'au12', 'AU15', 'AU25', 'brow lowerer', 'a smile', 'R12', 'AU9'];
const CUES = ['no ', 'not ', 'without ', 'maybe ', 'possibly ', 'a slight hint of ', 'absent ', 'but '];
const FILLER = ['the face shows ', 'and ', ', ', '. ', 'raised ', 'so the emotion is ', '\n'];

/** Completions near the real ones (tags, AUs, cues, emotions) and some that are anything at all. */
const completions = fc.oneof(
  { weight: 4, arbitrary: structured() },
  { weight: 1, arbitrary: fc.string() },
  {
    weight: 1,
    arbitrary: fc
      .array(
        fc.constantFrom('<think>', '</think>', '<answer>', '</answer>', '<THINK>', ' ', ...AU_WORDS, ...CUES),
        {
          maxLength: 16,
        },
      )
      .map((parts) => parts.join('')),
  },
);

function structured() {
  const words = fc.array(fc.constantFrom(...AU_WORDS, ...CUES, ...FILLER, ...EMOTIONS), { maxLength: 40 });
  return fc
    .record({
      lead: fc.constantFrom('', '', ' ', 'Sure. '),
      think: words,
      answer: fc.oneof(
        fc.constantFrom(...EMOTIONS, 'Happy', 'Angry.', 'not sad', ''),
        fc.string({ maxLength: 8 }),
      ),
      between: fc.constantFrom('', '\n', ' so '),
      trail: fc.constantFrom('', '', '\n'),
    })
    .map(
      ({ lead, think, answer, between, trail }) =>
        `${lead}<think>${think.join('')}</think>${between}<answer>${answer}</answer>${trail}`,
    );
}

const samples = fc.record({
  labels: fc.oneof(
    fc.constant([] as string[]),
    fc.tuple(fc.constantFrom(...EMOTIONS)).map((labels) => [...labels]),
    fc.tuple(fc.constantFrom(' <answer>anger</answer> ', 'Happiness')).map((labels) => [...labels]),
  ),
  AUs: fc.uniqueArray(fc.constantFrom('AU1', 'AU4', 'AU6', 'AU12', 'AU15', 'AU25', 'AU04'), { maxLength: 4 }),
});

const ALL_TERMS = {
  format: 1,
  accuracy: 1,
  au: 1,
  consistency: 1,
  grounding: 1,
  hedging: 1,
  negation: 1,
  length: 1,
  repetition: 1,
} as const;

/** The reward each term should give, read off the Assessment. */
function expectedTerms(assessment: Assessment): Record<string, number> {
  const { aus, answer, consistency, length } = assessment;
  const cuePenalty = (count: number) => (count === 0 ? 0 : -Math.min(1, 0.5 * count));
  const words = length.words;
  return {
    format: assessment.format.passed ? 1 : 0,
    accuracy: answer.correct === null ? 0.5 : answer.correct ? 1 : 0,
    au: aus.gold.length === 0 ? 0 : aus.predicted.length === 0 ? -1 : 2 * auFBeta(aus) - 1,
    consistency:
      consistency.answerEmotion === null || consistency.best.score === 0 ? -1 : 2 * consistency.support - 1,
    grounding: -assessment.grounding.inventedShare,
    hedging: cuePenalty(assessment.hedging.cues.length),
    negation: cuePenalty(assessment.negation.cues.length),
    length:
      words >= 20 && words <= 150 ? 0 : -Math.min(1, words < 20 ? (20 - words) / 20 : (words - 150) / 150),
    repetition: length.repeatedShare <= 0.1 ? 0 : -Math.min(1, (length.repeatedShare - 0.1) / 0.5),
  };
}

const verify = createVerifier({ requireConsistency: true });

describe('rewards, the verifier and the metrics agree with the same Assessment', () => {
  it('reward terms are weights over it, in both modes', () => {
    fc.assert(
      fc.property(completions, samples, (completion, sample) => {
        for (const mode of ['robust', 'facial-r1'] as const) {
          const assessment = assess(completion, sample, { mode });
          const [result] = scoreCompletions([{ completion, sample }], { preset: { terms: ALL_TERMS, mode } });
          const expected = expectedTerms(assessment);
          for (const [name, value] of Object.entries(expected)) expect(result!.terms[name]).toBe(value + 0);
          const total = Object.values(expected).reduce((sum, value) => sum + value, 0);
          expect(result!.total).toBeCloseTo(Math.max(-10, Math.min(10, total)), 12);
        }
        // The paper's preset is the facial-r1 Assessment's format + answer + AU terms.
        const reference = expectedTerms(assess(completion, sample, { mode: 'facial-r1' }));
        const [paper] = scoreCompletions([{ completion, sample }], { preset: 'facial-r1' });
        expect(paper!.total).toBe(reference.au! + reference.accuracy! + reference.format!);
      }),
      { numRuns: 300 },
    );
  });

  it("the verifier's verdict is thresholds over it", () => {
    fc.assert(
      fc.property(completions, samples, (completion, sample) => {
        const assessment = assess(completion, sample);
        const verdict = verify(completion, sample);
        const { aus, answer, format } = assessment;
        const issues = new Set(format.issues.map((issue) => issue.code));
        const emptyPart = [
          'missing-think',
          'unclosed-think',
          'empty-think',
          'missing-answer',
          'unclosed-answer',
        ]
          .concat('empty-answer')
          .some((code) => issues.has(code as never));
        const expected = {
          format: !format.wellFormed || emptyPart,
          aus: aus.falsePositives.length > 0 || aus.falseNegatives.length > 0,
          answer: answer.correct === false,
          negation: assessment.negation.found,
          hedging: assessment.hedging.found,
          consistency: answer.label !== null && !assessment.consistency.consistent,
          length: assessment.length.words < 8 || assessment.length.words > 200,
        };
        for (const [name, failed] of Object.entries(expected))
          expect(verdict.failed.includes(name as never)).toBe(failed);
        expect(verdict.passed).toBe(Object.values(expected).every((failed) => !failed));
        expect(verdict.auF1).toBe(aus.f1);
        expect(verdict.assessment.aus).toEqual(aus);
      }),
      { numRuns: 300 },
    );
  });

  it('the metrics are means of it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.option(completions, { freq: 6 }), samples), { minLength: 1, maxLength: 12 }),
        (pairs) => {
          const benchmarkSamples: BenchmarkSample[] = pairs.map(([, sample], index) => ({
            id: `s${index}`,
            dataset: 'property',
            image: `/s${index}.jpg`,
            labels: sample.labels.filter((label) => (EMOTIONS as readonly string[]).includes(label)),
            AUs: sample.AUs,
          }));
          const predictions = pairs.flatMap(([completion], index) =>
            completion === null ? [] : [{ id: `s${index}`, text: completion }],
          );
          const report = evaluate(
            benchmarkSamples,
            predictions,
            { id: 'property', version: 1, task: 'au+emotion', labelSet: { emotions: [...EMOTIONS] } },
            { resamples: 10 },
          );
          const assessments = benchmarkSamples.map((sample, index) => assess(pairs[index]![0] ?? '', sample));
          report.rows.forEach((row, index) => {
            expect(JSON.parse(JSON.stringify(row.assessment))).toEqual(
              JSON.parse(JSON.stringify(assessments[index])),
            );
          });
          expect(report.fea).toEqual(feaRates(assessments));
          const mean = (values: readonly number[]) =>
            values.length ? values.reduce((sum, value) => sum + value, 0) / values.length : 0;
          expect(report.fea.wellFormedRate).toBeCloseTo(
            mean(assessments.map((a) => (a.format.wellFormed ? 1 : 0))),
            12,
          );
          const labelled = assessments.filter((a) => a.answer.correct !== null);
          if (report.headline.accuracy)
            expect(report.headline.accuracy.value).toBeCloseTo(
              mean(labelled.map((a) => (a.answer.correct ? 1 : 0))),
              12,
            );
          if (report.au) {
            // Per-AU counts are the sums of the Assessments' true/false positives and negatives.
            for (const [au, score] of Object.entries(report.au.perAu)) {
              const count = (pick: (a: Assessment) => readonly string[]) =>
                assessments.filter((a) => pick(a).includes(au)).length;
              expect(score.support).toBe(
                count((a) => a.aus.truePositives) + count((a) => a.aus.falseNegatives),
              );
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
