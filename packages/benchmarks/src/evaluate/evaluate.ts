import { type Assessment, assess, goldAus, isCurrentAssessment, referenceLabel } from '@facial-r1/assessment';
import { type AuId, FeaError } from '@facial-r1/facs';
import type { BenchmarkAdapter, BenchmarkSample } from '../adapters/benchmark-adapter';
import { type AuMetrics, auMetricsFromComparisons } from '../metrics/au-metrics';
import { corpusBleu } from '../metrics/bleu';
import {
  type BootstrapOptions,
  bootstrapInterval,
  bootstrapMean,
  type Interval,
  regeScore,
} from '../metrics/bootstrap';
import { type EmotionMetrics, emotionMetrics, extractEmotion } from '../metrics/emotion-metrics';
import { type FeaRates, feaRates } from '../metrics/fea-rates';
import { rougeL } from '../metrics/rouge';

/** What `evaluate` needs to know of a benchmark. */
export type EvaluationTarget = Pick<BenchmarkAdapter, 'id' | 'version' | 'task' | 'labelSet'> & {
  readonly title?: string;
};

/** One model output. */
export interface Prediction {
  readonly id: string;
  readonly text: string;
  /**
   * Its Assessment (robust mode) against the sample, when stored with it (`fea-eval run`
   * keeps it in `predictions.jsonl`): used as it is when current and made from this text and
   * sample; otherwise the text is assessed again.
   */
  readonly assessment?: Assessment;
  /**
   * Why the model gave no answer (no face found, a server error, ...). Such a sample is counted
   * under `counts.errors`, apart from the answers, and scored like a missing prediction.
   */
  readonly error?: string;
}

/** One evaluated sample. */
export interface EvaluationRow {
  readonly id: string;
  readonly image: string;
  readonly goldLabel: string | null;
  /** The sample's AUs, canonical (the Assessment's `aus.gold`). */
  readonly goldAus: readonly AuId[];
  /** AUs unknown for this sample (BP4D code 9), canonical. */
  readonly unknownAus: readonly AuId[];
  readonly text: string | null;
  readonly predictedLabel: string | null;
  readonly referenceLabel: string | null;
  /** The AUs the reasoning asserts (the Assessment's `aus.predicted`; none without an output). */
  readonly predictedAus: readonly AuId[];
  /** The Assessment's `answer.correct` (null without an emotion label or label set). */
  readonly correct: boolean | null;
  readonly rougeL: number | null;
  readonly wellFormed: boolean;
  /** The output's Assessment (robust mode; a missing output is assessed as the empty text). */
  readonly assessment: Assessment;
  /** The model's error for this sample, when it gave no answer (then `text` is null). */
  readonly error?: string;
}

/** The stored Assessment when it is current and made from this text and sample, else a new one. */
function assessmentOf(text: string, sample: BenchmarkSample, stored: Assessment | undefined): Assessment {
  if (
    isCurrentAssessment(stored) &&
    stored.completion === text &&
    stored.answer.label === referenceLabel(sample) &&
    sameAus(stored.aus.gold, goldAus(sample.AUs))
  )
    return stored;
  return assess(text, sample);
}

const sameAus = (a: readonly AuId[], b: readonly AuId[]) =>
  a.length === b.length && a.every((au, index) => au === b[index]);

/** A headline metric: estimate, 95 % bootstrap interval, and its direction. */
export interface HeadlineMetric extends Interval {
  readonly label: string;
  readonly higherIsBetter: boolean;
}

/** The JSON report of one model on one benchmark split. */
export interface EvaluationReport {
  readonly benchmark: {
    readonly id: string;
    readonly version: number;
    readonly task: string;
    readonly title?: string;
  };
  /**
   * `predicted`: samples with an answer; `errors`: samples the model failed on (each row has
   * its reason); `missing`: samples not run at all. Errors and missing samples score as wrong.
   */
  readonly counts: {
    readonly samples: number;
    readonly predicted: number;
    readonly missing: number;
    readonly errors: number;
  };
  /**
   * Set when the numbers are not those of a finished run (samples without a prediction, model
   * errors, an interrupted run), saying why. Reports then print it first and leave the paper's
   * columns empty: a partial number never stands beside a published one.
   */
  readonly incomplete?: string;
  /** Keyed by `auF1`, `accuracy`, `rege`, `rougeL`, as the task has them. */
  readonly headline: Readonly<Record<string, HeadlineMetric>>;
  readonly emotion?: EmotionMetrics & { readonly referenceAccuracy: number };
  readonly au?: AuMetrics;
  readonly reasoning?: { readonly rougeL: number; readonly bleu: number };
  readonly fea: FeaRates;
  readonly rows: readonly EvaluationRow[];
}

const mean = (values: readonly number[]) =>
  values.length ? values.reduce((sum, value) => sum + value, 0) / values.length : 0;

/**
 * Scores predictions against a benchmark's samples: per-sample rows, the emotion and AU
 * tables, reasoning scores against `description`, FEA rates, and headline metrics with seeded
 * 95 % bootstrap intervals, chosen by task: AU F1 (macro over the benchmark's AUs with a
 * positive) for AU benchmarks; accuracy for emotion benchmarks; AU F1, accuracy and REGE for
 * FABA; ROUGE-L for reasoning. A missing prediction counts as wrong.
 */
export function evaluate(
  samples: readonly BenchmarkSample[],
  predictions: readonly Prediction[],
  target: EvaluationTarget,
  options: BootstrapOptions = {},
): EvaluationReport {
  const seen = new Set<string>();
  for (const sample of samples) {
    if (seen.has(sample.id))
      throw new FeaError(
        'benchmarks/duplicate-sample',
        `sample id "${sample.id}" is given twice; each sample must be scored once (fix the annotation file)`,
      );
    seen.add(sample.id);
  }
  const byId = new Map(
    predictions
      .filter((prediction) => prediction.error === undefined)
      .map((prediction) => [prediction.id, prediction]),
  );
  const errors = new Map(
    predictions
      .filter((prediction) => prediction.error !== undefined)
      .map((prediction) => [prediction.id, prediction.error!]),
  );
  const emotions = target.labelSet.emotions ?? [];
  const rows: EvaluationRow[] = samples.map((sample) => {
    const prediction = byId.get(sample.id);
    const text = prediction?.text ?? null;
    const assessment = assessmentOf(text ?? '', sample, prediction?.assessment);
    const parsed = assessment.parse;
    const goldLabel = sample.labels[0] ?? null;
    const predictedLabel =
      text === null || !emotions.length ? null : extractEmotion(text, emotions, 'normalized', parsed);
    const unknown = sample.meta_info?.unknownAus;
    return {
      id: sample.id,
      image: sample.image,
      goldLabel,
      goldAus: assessment.aus.gold,
      unknownAus: Array.isArray(unknown) ? goldAus(unknown as string[]) : [],
      text,
      predictedLabel,
      referenceLabel:
        text === null || !emotions.length ? null : extractEmotion(text, emotions, 'reference', parsed),
      predictedAus: text === null ? [] : assessment.aus.predicted,
      correct: goldLabel && emotions.length ? assessment.answer.correct === true : null,
      rougeL:
        sample.description && text !== null
          ? rougeL(text, sample.description)
          : sample.description
            ? 0
            : null,
      wellFormed: assessment.format.wellFormed,
      assessment,
      ...(text === null && errors.has(sample.id) ? { error: errors.get(sample.id)! } : {}),
    };
  });

  const hasEmotion = emotions.length > 0 && rows.some((row) => row.goldLabel);
  const hasAus = target.task !== 'emotion' && rows.some((row) => row.goldAus.length > 0);
  const hasReasoning = rows.some((row) => row.rougeL !== null);
  const headline: Record<string, HeadlineMetric> = {};
  const interval = <T>(data: readonly T[], statistic: (rows: readonly T[]) => number) =>
    bootstrapInterval(data, statistic, options);

  let emotion: EvaluationReport['emotion'];
  if (hasEmotion) {
    const labelled = rows.filter((row) => row.goldLabel && emotions.includes(row.goldLabel as never));
    const metrics = emotionMetrics(
      labelled.map((row) => row.goldLabel!),
      labelled.map((row) => row.predictedLabel),
      emotions,
    );
    emotion = {
      ...metrics,
      referenceAccuracy: mean(labelled.map((row) => (row.referenceLabel === row.goldLabel ? 1 : 0))),
    };
    headline.accuracy = {
      label: 'Accuracy',
      higherIsBetter: true,
      ...bootstrapMean(
        labelled.map((row) => (row.correct ? 1 : 0)),
        options,
      ),
    };
  }
  let au: AuMetrics | undefined;
  if (hasAus) {
    const vocabulary = target.labelSet.aus;
    // Sums of the rows' AU comparisons: a resample reads them as they are.
    const auOf = (data: readonly EvaluationRow[]) =>
      auMetricsFromComparisons(
        data.map((row) => row.assessment.aus),
        { vocabulary, unknown: data.map((row) => row.unknownAus) },
      );
    const statistic = (data: readonly EvaluationRow[]) => auOf(data).macroF1;
    au = auOf(rows);
    headline.auF1 = { label: 'AU F1', higherIsBetter: true, ...interval(rows, statistic), value: au.macroF1 };
  }
  let reasoning: EvaluationReport['reasoning'];
  if (hasReasoning) {
    const withReference = rows.filter((row) => row.rougeL !== null);
    const described = samples.filter((sample) => sample.description);
    reasoning = {
      rougeL: mean(withReference.map((row) => row.rougeL!)),
      bleu: corpusBleu(
        described.map((sample) => byId.get(sample.id)?.text ?? ''),
        described.map((sample) => sample.description!),
      ).bleu,
    };
    if (target.task === 'reasoning' || target.task === 'au+emotion') {
      headline.rougeL = {
        label: 'ROUGE-L',
        higherIsBetter: true,
        ...bootstrapMean(
          withReference.map((row) => row.rougeL!),
          options,
        ),
      };
    }
    if (target.task === 'au+emotion' && emotion) {
      // The emotion form of REGE (FABA): accuracy and ROUGE-L over the emotion-labelled rows only;
      // AU-only rows (no emotion label) are scored by AU F1, not counted as wrong answers here.
      const pairs = withReference
        .filter((row) => row.goldLabel)
        .map((row) => ({ correct: row.correct ? 1 : 0, rouge: row.rougeL! }));
      headline.rege = {
        label: 'REGE',
        higherIsBetter: true,
        ...interval(pairs, (data) =>
          regeScore(mean(data.map((pair) => pair.correct)), mean(data.map((pair) => pair.rouge))),
        ),
      };
    }
  }
  const missing = rows.filter((row) => row.text === null && row.error === undefined).length;
  const failed = rows.filter((row) => row.error !== undefined).length;
  const incomplete = [
    missing ? `${missing} of ${rows.length} samples have no prediction` : '',
    failed ? `${failed} of ${rows.length} samples failed with a model error` : '',
  ]
    .filter(Boolean)
    .join('; ');
  return {
    ...(incomplete ? { incomplete } : {}),
    benchmark: {
      id: target.id,
      version: target.version,
      task: target.task,
      ...(target.title ? { title: target.title } : {}),
    },
    counts: {
      samples: samples.length,
      predicted: rows.filter((row) => row.text !== null).length,
      missing,
      errors: failed,
    },
    headline,
    ...(emotion ? { emotion } : {}),
    ...(au ? { au } : {}),
    ...(reasoning ? { reasoning } : {}),
    fea: feaRates(rows.map((row) => row.assessment)),
    rows,
  };
}
