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
  /** Combined probabilities over the seven classes, summing to 1. */
  probabilities: Record<string, number>;
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
 * `p(e) ∝ cnn(e)^0.7 · (support(e) + 0.05)^0.3`. The label is the most probable class among
 * those the measured AUs can argue for (some subset of them has that class as its best-supported
 * emotion; `neutral` needs no AU), so the reasoning never has to cite an AU that was not measured
 * nor argue against its own answer. The probabilities are reported unrestricted.
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
  const top = Math.max(...logits);
  const exponentials = logits.map((logit) => Math.exp(logit - top));
  const total = exponentials.reduce((sum, value) => sum + value, 0);
  const probabilities: Record<string, number> = {};
  EMOTION_CNN_LABELS.forEach((label, index) => {
    probabilities[label] = (exponentials[index] as number) / total;
  });
  const ranked = [...EMOTION_CNN_LABELS].sort(
    (a, b) => (probabilities[b] as number) - (probabilities[a] as number),
  );
  for (const label of ranked) {
    const cited = arguableAus(label, present);
    if (cited) return { label, probabilities, cnn, auSupport, citedAus: cited };
  }
  return { label: 'neutral', probabilities, cnn, auSupport, citedAus: [] };
}
