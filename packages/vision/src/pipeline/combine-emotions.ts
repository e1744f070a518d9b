import { type AuId, type Emotion, scoreEmotionsFromAus } from '@facial-r1/facs';

/** The emotion CNN's classes in its output order (oarriaga/face_classification, as used by Human). */
export const EMOTION_CNN_LABELS = [
  'anger',
  'disgust',
  'fear',
  'happiness',
  'sadness',
  'surprise',
  'neutral',
] as const satisfies readonly Emotion[];

/** Weight of the CNN in the log-linear mix; the AU rules get `1 - CNN_WEIGHT`. */
export const CNN_WEIGHT = 0.7;
/** Floor added to the AU-rule support so an emotion without a matching rule is down-weighted, not vetoed. */
export const AU_SUPPORT_FLOOR = 0.05;

/** The combined emotion of one face. */
export interface EmotionEstimate {
  /** The chosen emotion (one of {@link EMOTION_CNN_LABELS}). */
  label: Emotion;
  /**
   * The decision distribution, summing to 1: the pooled probabilities restricted to the classes
   * the measured AUs can argue for and renormalised (0 for the others), so `label` is its most
   * probable class.
   */
  probabilities: Record<string, number>;
  /** The pooled (product-of-experts) probabilities over all seven classes, before the restriction. */
  pooled: Record<string, number>;
  /** The CNN's own softmax output. */
  cnn: Record<string, number>;
  /** `scoreEmotionsFromAus` support of the measured AUs, per class. */
  auSupport: Record<string, number>;
  /** The measured AUs the reasoning cites for `label` (a subset of the present AUs). */
  citedAus: AuId[];
}

/** The subset of `present` AUs that argues for `emotion` under the FACS rules, or null when none does. */
export function arguableAus(emotion: Emotion, present: readonly AuId[]): AuId[] | null {
  if (emotion === 'neutral') return [];
  const support = scoreEmotionsFromAus(present).find((entry) => entry.emotion === emotion);
  const cited = [...(support?.matched ?? [])];
  if (cited.length === 0) return null;
  const best = scoreEmotionsFromAus(cited)[0];
  const own = scoreEmotionsFromAus(cited).find((entry) => entry.emotion === emotion);
  return best && own && own.score > 0 && own.score === best.score ? cited : null;
}

/**
 * Combines the CNN with the FACS rules by weighted log-linear pooling (a product of experts):
 * `pooled(e) ∝ cnn(e)^0.7 · (support(e) + 0.05)^0.3`, then restricts the decision to the classes
 * the measured AUs can argue for (some subset of them has that class as its best-supported
 * emotion; `neutral` needs no AU) and renormalises: `probabilities` is that restricted
 * distribution and `label` its most probable class, so the reasoning never has to cite an AU that
 * was not measured nor argue against its own answer, and the printed label is always the top
 * printed probability. `pooled` keeps the unrestricted mix, beside `cnn` and `auSupport`.
 */
export function combineEmotions(
  cnnOutput: Float32Array | readonly number[],
  present: readonly AuId[],
): EmotionEstimate {
  const supportList = scoreEmotionsFromAus(present);
  const cnn: Record<string, number> = {};
  const auSupport: Record<string, number> = {};
  const logits = EMOTION_CNN_LABELS.map((label, index) => {
    const probability = Number(cnnOutput[index] ?? 0);
    const support = supportList.find((entry) => entry.emotion === label)?.score ?? 0;
    cnn[label] = probability;
    auSupport[label] = support;
    return (
      CNN_WEIGHT * Math.log(probability + 1e-6) + (1 - CNN_WEIGHT) * Math.log(support + AU_SUPPORT_FLOOR)
    );
  });
  const softmax = (keep: (label: Emotion) => boolean): Record<string, number> => {
    const top = Math.max(...logits.filter((_, index) => keep(EMOTION_CNN_LABELS[index] as Emotion)));
    const weights = logits.map((logit, index) =>
      keep(EMOTION_CNN_LABELS[index] as Emotion) ? Math.exp(logit - top) : 0,
    );
    const total = weights.reduce((sum, value) => sum + value, 0);
    return Object.fromEntries(
      EMOTION_CNN_LABELS.map((label, index) => [label, (weights[index] as number) / total]),
    );
  };
  const pooled = softmax(() => true);
  // neutral is always arguable (it cites no AU), so the restricted set is never empty.
  const cited = new Map<Emotion, AuId[]>();
  for (const label of EMOTION_CNN_LABELS) {
    const aus = arguableAus(label, present);
    if (aus) cited.set(label, aus);
  }
  const probabilities = softmax((label) => cited.has(label));
  // The most probable arguable class; ties go to the CNN's label order.
  const label = EMOTION_CNN_LABELS.reduce((best, candidate) =>
    (probabilities[candidate] as number) > (probabilities[best] as number) ? candidate : best,
  );
  return { label, probabilities, pooled, cnn, auSupport, citedAus: cited.get(label) ?? [] };
}
