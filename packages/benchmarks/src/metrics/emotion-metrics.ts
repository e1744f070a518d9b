import { normalizeEmotion } from '@facial-r1/facs';
import { type ParsedCompletion, parseCompletion } from '@facial-r1/parsers';

/** Per-class figures. */
export interface ClassMetrics {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Gold samples of the class. */
  readonly support: number;
  /** Per-class accuracy (= recall). */
  readonly accuracy: number;
}

/** Emotion recognition metrics over a label set. */
export interface EmotionMetrics {
  readonly accuracy: number;
  /** Unweighted average recall: mean per-class recall over classes with support. */
  readonly uar: number;
  /** Mean F1 over classes with support. */
  readonly macroF1: number;
  /** F1 weighted by support. */
  readonly weightedF1: number;
  readonly perClass: Readonly<Record<string, ClassMetrics>>;
  /** Rows: gold label; columns: predicted label, then `invalid` (unparseable or outside the label set). */
  readonly confusion: {
    readonly labels: readonly string[];
    readonly columns: readonly string[];
    readonly matrix: readonly (readonly number[])[];
  };
}

/**
 * Accuracy, UAR, macro and weighted F1, per-class figures and the confusion matrix. `gold[i]`
 * must be in `labelSet`; `predicted[i]` may be anything (null or a label outside the set counts
 * as wrong, in the `invalid` column). Zero-division gives 0.
 */
export function emotionMetrics(
  gold: readonly string[],
  predicted: readonly (string | null)[],
  labelSet: readonly string[],
): EmotionMetrics {
  const labels = [...labelSet];
  const index = new Map(labels.map((label, position) => [label, position]));
  const columns = [...labels, 'invalid'];
  const matrix = labels.map(() => new Array<number>(columns.length).fill(0));
  let correct = 0;
  gold.forEach((label, position) => {
    const row = index.get(label);
    if (row === undefined)
      throw new RangeError(
        `gold label "${label}" at ${position} is not in the label set (${labels.join(', ')})`,
      );
    const guess = predicted[position] ?? null;
    const column = guess === null ? labels.length : (index.get(guess) ?? labels.length);
    matrix[row]![column]! += 1;
    if (column === row) correct += 1;
  });
  const perClass: Record<string, ClassMetrics> = {};
  let recallSum = 0;
  let f1Sum = 0;
  let weighted = 0;
  let classesWithSupport = 0;
  labels.forEach((label, row) => {
    const support = matrix[row]!.reduce((sum, value) => sum + value, 0);
    const truePositive = matrix[row]![row]!;
    const predictedCount = matrix.reduce((sum, line) => sum + line[row]!, 0);
    const precision = predictedCount ? truePositive / predictedCount : 0;
    const recall = support ? truePositive / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    perClass[label] = { precision, recall, f1, support, accuracy: recall };
    if (support) {
      classesWithSupport += 1;
      recallSum += recall;
      f1Sum += f1;
      weighted += f1 * support;
    }
  });
  return {
    accuracy: gold.length ? correct / gold.length : 0,
    uar: classesWithSupport ? recallSum / classesWithSupport : 0,
    macroF1: classesWithSupport ? f1Sum / classesWithSupport : 0,
    weightedF1: gold.length ? weighted / gold.length : 0,
    perClass,
    confusion: { labels, columns, matrix },
  };
}

/**
 * The emotion a model output answers, by one of two rules:
 * - `reference`: the first whitespace-separated token of the `<answer>` text (whole output
 *   without a tag), lower-cased and stripped of punctuation, kept only if it is exactly a label
 *   of the set (the reference evaluation: "first token equals the label");
 * - `normalized` (default): the answer's emotion through synonyms and adjectives
 *   (`parseCompletion(...).emotion`), kept if it is in the label set.
 * Returns null when no label is found (counted as wrong). Pass `parsed` when the output is
 * already parsed.
 */
export function extractEmotion(
  output: string,
  labelSet: readonly string[],
  rule: 'reference' | 'normalized' = 'normalized',
  parsed: ParsedCompletion = parseCompletion(output),
): string | null {
  if (rule === 'reference') {
    const answer = parsed.answer ?? output;
    const first =
      answer
        .trim()
        .split(/\s+/)[0]
        ?.toLowerCase()
        .replace(/[^a-z]/g, '') ?? '';
    return labelSet.includes(first) ? first : null;
  }
  const emotion = parsed.emotion ?? (parsed.answer ? normalizeEmotion(parsed.answer) : null);
  return emotion && labelSet.includes(emotion) ? emotion : null;
}
