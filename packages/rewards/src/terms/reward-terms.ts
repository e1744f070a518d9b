import { type Assessment, type AssessmentMode, auFBeta } from '@facial-r1/assessment';
import type { TermResult } from '../reward-sample';

/** Parsing mode of a term: the exact reference semantics or the robust parser (the Assessment's mode). */
export type TermMode = AssessmentMode;

/** Options every term receives (from the preset). */
export interface TermOptions {
  readonly mode: TermMode;
  /** F-beta's beta for the AU term. Default 1. */
  readonly beta?: number;
  /** Target reasoning length in words for the length term. Default [20, 150]. */
  readonly lengthRange?: readonly [number, number];
  /** n of the repeated n-grams. Default 3 (passed to `assess` as `repetitionN`). */
  readonly repetitionN?: number;
}

/**
 * A reward term: a pure function of a completion's {@link Assessment} (made once per
 * completion, in the preset's mode, against its sample). Terms only weigh what the
 * Assessment found; none parses or compares anything itself.
 */
export type RewardTerm = (assessment: Assessment, options: TermOptions) => TermResult;

/** R_format: 1 when the format passes (FACTS 3: exactly `<think>...</think><answer>...</answer>`). */
export const formatTerm: RewardTerm = ({ format, mode }) => {
  if (format.passed) return { value: 1 };
  return {
    value: 0,
    reason: mode === 'facial-r1' ? 'not <think>...</think><answer>...</answer>' : format.blocking.join(', '),
  };
};

/**
 * R_acc (FACTS 3): 0.5 when the sample has no emotion label; else 1 when the answer is the
 * label (reference: exact string; robust: both normalised to their emotion).
 */
export const accuracyTerm: RewardTerm = ({ answer, mode }) => {
  if (answer.correct === null) return { value: 0.5, reason: 'no emotion label' };
  if (answer.correct) return { value: 1 };
  return {
    value: 0,
    reason:
      mode === 'facial-r1'
        ? 'answer differs from the label'
        : answer.answered === null
          ? 'no answer'
          : `answered ${answer.answered}`,
  };
};

/**
 * R_AU (FACTS 3): 0 when the sample has no AU labels; -1 when the reasoning names no AU;
 * else 2 x F-beta - 1 of the reasoning's AU set against the labels, in [-1, 1].
 */
export const auTerm: RewardTerm = ({ aus }, options) => {
  if (aus.gold.length === 0) return { value: 0, reason: 'no AU labels' };
  if (aus.predicted.length === 0) return { value: -1, reason: 'no AU in the reasoning' };
  const score = auFBeta(aus, options.beta ?? 1);
  return { value: 2 * score - 1, reason: score === 1 ? undefined : `AU F1 ${score.toFixed(3)}` };
};

/**
 * Consistency: the Assessment's support of the answer by the reasoning's AUs (FACS rules),
 * r = support(answer) / support(best), mapped to 2r - 1: 1 when the answer is the
 * best-supported emotion, -1 when the reasoning gives it no support at all (the misalignment
 * the paper names) or the answer names no emotion.
 */
export const consistencyTerm: RewardTerm = ({ consistency }) => {
  if (consistency.answerEmotion === null)
    return { value: -1, reason: 'no recognisable emotion in the answer' };
  const { best } = consistency;
  if (best.score === 0) return { value: -1, reason: 'the reasoning supports no emotion' };
  return {
    value: 2 * consistency.support - 1,
    reason:
      consistency.support === 1
        ? undefined
        : `AUs support ${best.emotion} (${best.score.toFixed(2)}), answer ${consistency.answerEmotion} (${consistency.answerScore.toFixed(2)})`,
  };
};

/**
 * Grounding: minus the Assessment's share of invented AUs (claimed, not labelled), in [-1, 0];
 * 0 when nothing is claimed or the sample has no AU labels. Recall is the AU term's business.
 */
export const groundingTerm: RewardTerm = ({ grounding }) =>
  grounding.invented.length === 0
    ? { value: 0 }
    : { value: -grounding.inventedShare, reason: `not on the face: ${grounding.invented.join(', ')}` };

/** Hedging penalty: -0.5 per hedge ("maybe", "possibly", ...) in the reasoning, down to -1. */
export const hedgingTerm: RewardTerm = ({ hedging }) => {
  const count = hedging.cues.length;
  return count === 0 ? { value: 0 } : { value: -Math.min(1, 0.5 * count), reason: `${count} hedge(s)` };
};

/** Negation penalty: -0.5 per negation ("no", "not", "without", ...) in the reasoning, down to -1. */
export const negationTerm: RewardTerm = ({ negation }) => {
  const count = negation.cues.length;
  return count === 0 ? { value: 0 } : { value: -Math.min(1, 0.5 * count), reason: `${count} negation(s)` };
};

/** Length: 0 inside the target word range of the reasoning, down to -1 at twice the distance. */
export const lengthTerm: RewardTerm = ({ length }, options) => {
  const [minimum, maximum] = options.lengthRange ?? [20, 150];
  const { words } = length;
  if (words >= minimum && words <= maximum) return { value: 0 };
  const distance = words < minimum ? (minimum - words) / minimum : (words - maximum) / maximum;
  return { value: -Math.min(1, distance), reason: `${words} words (target ${minimum}-${maximum})` };
};

/**
 * Repetition: the Assessment's share of repeated word n-grams in the reasoning beyond 10 %,
 * scaled to [-1, 0] (degenerate loops score -1).
 */
export const repetitionTerm: RewardTerm = ({ length }, options) => {
  const share = length.repeatedShare;
  return share <= 0.1
    ? { value: 0 }
    : {
        value: -Math.min(1, (share - 0.1) / 0.5),
        reason: `${(100 * share).toFixed(0)}% repeated ${options.repetitionN ?? 3}-grams`,
      };
};

/** Every term by name. */
export const REWARD_TERMS = {
  format: formatTerm,
  accuracy: accuracyTerm,
  au: auTerm,
  consistency: consistencyTerm,
  grounding: groundingTerm,
  hedging: hedgingTerm,
  negation: negationTerm,
  length: lengthTerm,
  repetition: repetitionTerm,
} as const satisfies Record<string, RewardTerm>;

/** The name of a built-in term. */
export type TermName = keyof typeof REWARD_TERMS;
