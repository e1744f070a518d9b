import { assess } from '@facial-r1/assessment';
import { describe, expect, it } from 'vitest';
import type { BenchmarkSample } from '../adapters/benchmark-adapter';
import { evaluate } from './evaluate';
import { renderMarkdownReport } from './markdown-report';

const samples: BenchmarkSample[] = [
  {
    id: 'a',
    dataset: 'faba',
    image: '/a.jpg',
    labels: ['happiness'],
    AUs: ['AU6', 'AU12'],
    description: '<think>Cheeks raised (AU6) and a smile (AU12).</think><answer>happiness</answer>',
  },
  {
    id: 'b',
    dataset: 'faba',
    image: '/b.jpg',
    labels: ['anger'],
    AUs: ['AU4', 'AU24'],
    description: '<think>Brows lowered (AU4), lips pressed (AU24).</think><answer>anger</answer>',
  },
  {
    id: 'c',
    dataset: 'faba',
    image: '/c.jpg',
    labels: ['sadness'],
    AUs: ['AU1', 'AU15'],
    description: '<think>Inner brows raised (AU1), lip corners down (AU15).</think><answer>sadness</answer>',
  },
];
const target = {
  id: 'faba',
  version: 1,
  task: 'au+emotion' as const,
  labelSet: {
    emotions: ['anger', 'happiness', 'sadness'] as const,
    aus: ['AU1', 'AU4', 'AU6', 'AU12', 'AU15', 'AU24'] as const,
  },
  title: 'FABA-Instruct',
};

describe('evaluate', () => {
  const predictions = [
    { id: 'a', text: samples[0]!.description! },
    { id: 'b', text: '<think>Brows lowered (AU4) and a smile (AU12).</think><answer>happiness</answer>' },
  ];
  const report = evaluate(
    samples,
    predictions,
    { ...target, labelSet: { emotions: [...target.labelSet.emotions], aus: [...target.labelSet.aus] } },
    { resamples: 200 },
  );

  it('counts missing predictions as wrong and reports them', () => {
    expect(report.counts).toEqual({ samples: 3, predicted: 2, missing: 1, errors: 0 });
    expect(report.rows.map((row) => row.correct)).toEqual([true, false, false]);
    expect(report.headline.accuracy!.value).toBeCloseTo(1 / 3, 12);
  });

  it('computes AU F1 over AUs with positives, REGE and ROUGE-L', () => {
    // AU6 1, AU12 F1 2/3 (one false positive), AU4 1, AU24 0, AU1 0, AU15 0
    expect(report.au!.perAu.AU12!.f1).toBeCloseTo(2 / 3, 12);
    expect(report.headline.auF1!.value).toBeCloseTo((1 + 2 / 3 + 1 + 0 + 0 + 0) / 6, 12);
    expect(report.rows[0]!.rougeL).toBe(1);
    expect(report.rows[2]!.rougeL).toBe(0);
    const rouge = (report.rows[0]!.rougeL! + report.rows[1]!.rougeL! + 0) / 3;
    expect(report.headline.rougeL!.value).toBeCloseTo(rouge, 12);
    expect(report.headline.rege!.value).toBeCloseTo(100 / 3 + 100 * rouge, 10);
    for (const metric of Object.values(report.headline)) {
      expect(metric.low).toBeLessThanOrEqual(metric.value + 1e-9);
      expect(metric.high).toBeGreaterThanOrEqual(metric.value - 1e-9);
    }
  });

  it('reports FEA rates and renders Markdown with the paper columns', () => {
    expect(report.fea.wellFormedRate).toBeCloseTo(2 / 3, 12);
    expect(report.fea.hallucinationRate).toBeCloseTo(1 / 3, 12);
    // This report misses a prediction: it says so first and leaves the paper's columns empty.
    const partial = renderMarkdownReport(report, { model: 'tiny' });
    expect(report.incomplete).toBe('1 of 3 samples have no prediction');
    expect(partial).toContain('**Incomplete run: 1 of 3 samples have no prediction.**');
    expect(partial).toMatch(/\| tiny \| {2}\| {2}\| {2}\| {2}\| {2}\| {2}\| {2}\| {2}\| {2}\| {2}\| {2}\|/);
    const markdown = renderMarkdownReport({ ...report, incomplete: undefined }, { model: 'tiny' });
    expect(markdown).toContain(
      '| Model | DISFA | BP4D | RAF-AU | FABA AU | FER2013 | AffectNet | RAF-DB | FABA Emo | FABA REGE | FEA-20K ROUGE-L | FEA-20K Score |',
    );
    expect(markdown).toMatch(/\| tiny \| {2}\| {2}\| {2}\| 44\.4 \| {2}\| {2}\| {2}\| 33\.3 \| \d+\.\d \| /);
    expect(markdown).toContain('## Action Units');
  });

  it('FABA REGE uses only emotion-labelled rows (AU-only rows do not count as wrong)', () => {
    const auOnly = {
      id: 'z',
      dataset: 'faba',
      image: '/z.jpg',
      labels: [],
      AUs: ['AU4'],
      description: '<think>Brows lowered (AU4).</think><answer>anger</answer>',
    };
    const withAuRow = evaluate(
      [...samples, auOnly],
      [...predictions, { id: 'z', text: auOnly.description }],
      { ...target, labelSet: { emotions: [...target.labelSet.emotions], aus: [...target.labelSet.aus] } },
      { resamples: 50 },
    );
    expect(withAuRow.headline.rege!.value).toBeCloseTo(report.headline.rege!.value, 10);
  });

  it('uses a stored Assessment as it is when current, and assesses again when stale', () => {
    const text = predictions[1]!.text;
    const stored = JSON.parse(JSON.stringify(assess(text, samples[1]!)));
    const labelSet = { emotions: [...target.labelSet.emotions], aus: [...target.labelSet.aus] };
    const reused = evaluate(samples, [predictions[0]!, { id: 'b', text, assessment: stored }], {
      ...target,
      labelSet,
    });
    expect(reused.rows[1]!.assessment).toBe(stored);
    expect(reused.headline.auF1!.value).toBe(report.headline.auF1!.value);
    // Made for another sample's labels: not reused.
    const foreign = JSON.parse(JSON.stringify(assess(text, samples[0]!)));
    const fresh = evaluate(samples, [predictions[0]!, { id: 'b', text, assessment: foreign }], {
      ...target,
      labelSet,
    });
    expect(fresh.rows[1]!.assessment).not.toBe(foreign);
    expect(fresh.rows[1]!.assessment.aus).toEqual(report.rows[1]!.assessment.aus);
  });
});
