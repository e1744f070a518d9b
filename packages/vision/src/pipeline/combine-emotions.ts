import { type AuId, EMOTION_RULES, type Emotion, scoreEmotionsFromAus } from '@facial-r1/facs';
import calibration from './calibration.json';

/** The seven classes the baseline decides between (neither appearance model has contempt). */
export const EMOTION_CNN_LABELS = [
  'anger',
  'disgust',
  'fear',
  'happiness',
  'sadness',
  'surprise',
  'neutral',
] as const satisfies readonly Emotion[];

/** One of {@link EMOTION_CNN_LABELS}. */
export type BaselineEmotion = (typeof EMOTION_CNN_LABELS)[number];

/**
 * The appearance models' softmax outputs, by emotion: `human` is Human's emotion CNN
 * (oarriaga/face_classification, 64x64 grey), `faceApi` face-api's faceExpressionNet (112x112 RGB).
 */
export interface EmotionModelOutputs {
  human: Record<BaselineEmotion, number>;
  faceApi: Record<BaselineEmotion, number>;
}

/**
 * The fitted fusion: `logit(e) = Σ_model weights[model][e] · log(p_model(e) + 1e-4) + bias[e]`,
 * a per-class weighted log-linear pool (a product of tempered experts with per-class bias),
 * fitted by multinomial logistic regression on the development set (`calibration/fit.ts`).
 */
export interface EmotionFusion {
  /** Sources the coefficients were fitted on. */
  fittedOn: string[];
  weights: Record<keyof EmotionModelOutputs, number[]>;
  bias: number[];
}

/** Used until a calibration is fitted: equal weights, no bias. */
const UNFITTED: EmotionFusion = {
  fittedOn: [],
  weights: { human: [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5], faceApi: [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5] },
  bias: [0, 0, 0, 0, 0, 0, 0],
};

/** The fusion coefficients the package ships (`src/pipeline/calibration.json`). */
export const EMOTION_FUSION: EmotionFusion =
  (calibration as { emotion: EmotionFusion | null }).emotion ?? UNFITTED;

/** The decided emotion of one face, with what it was decided from. */
export interface EmotionEstimate {
  /** The calibrated decision: the most probable class of `probabilities`. */
  label: BaselineEmotion;
  /** The calibrated fused distribution over {@link EMOTION_CNN_LABELS}, summing to 1. */
  probabilities: Record<BaselineEmotion, number>;
  /** Each appearance model's own softmax output. */
  models: EmotionModelOutputs;
  /** `scoreEmotionsFromAus` support of the present AUs, per class (reasoning only; never changes the label). */
  auSupport: Record<BaselineEmotion, number>;
  /** The present AUs that the FACS rules match for `label` (what the reasoning argues from). */
  supportingAus: AuId[];
  /** AUs the label's best FACS rule expects that were not measured present. */
  expectedAus: AuId[];
}

/**
 * Fuses the appearance models with the fitted {@link EMOTION_FUSION}; the label is the calibrated
 * decision. The FACS rules over the present AUs are scored beside it (`auSupport`,
 * `supportingAus`, `expectedAus`) to shape the reasoning; they never change the label.
 */
export function combineEmotions(
  models: EmotionModelOutputs,
  present: readonly AuId[],
  fusion: EmotionFusion = EMOTION_FUSION,
): EmotionEstimate {
  const logits = EMOTION_CNN_LABELS.map((label, index) => {
    let logit = fusion.bias[index] ?? 0;
    for (const model of Object.keys(models) as (keyof EmotionModelOutputs)[])
      logit += (fusion.weights[model]?.[index] ?? 0) * Math.log((models[model][label] ?? 0) + 1e-4);
    return logit;
  });
  const top = Math.max(...logits);
  const weights = logits.map((logit) => Math.exp(logit - top));
  const total = weights.reduce((sum, value) => sum + value, 0);
  const probabilities = Object.fromEntries(
    EMOTION_CNN_LABELS.map((label, index) => [label, (weights[index] as number) / total]),
  ) as Record<BaselineEmotion, number>;
  const label = EMOTION_CNN_LABELS.reduce((best, candidate) =>
    probabilities[candidate] > probabilities[best] ? candidate : best,
  );
  const support = scoreEmotionsFromAus(present);
  const auSupport = Object.fromEntries(
    EMOTION_CNN_LABELS.map((emotion) => [
      emotion,
      support.find((entry) => entry.emotion === emotion)?.score ?? 0,
    ]),
  ) as Record<BaselineEmotion, number>;
  const own = support.find((entry) => entry.emotion === label);
  // With no rule AU present, what the label leads one to expect is its first (prototype) rule.
  const expectedAus =
    label === 'neutral'
      ? []
      : own?.rule
        ? [...own.missing]
        : [...(EMOTION_RULES.find((rule) => rule.emotion === label)?.aus ?? [])];
  return {
    label,
    probabilities,
    models,
    auSupport,
    supportingAus: label === 'neutral' ? [] : [...(own?.matched ?? [])],
    expectedAus,
  };
}
