import { bestSupportedEmotion, normalizeEmotion, scoreEmotionsFromAus, toAuId } from '@facial-r1/facs';
import { pythonStrip } from '@facial-r1/parsers';
import type { RewardSample, TermResult } from '../reward-sample';
import { fBeta } from './f-beta';
import type { ParsedView } from './parsed-view';

/** Parsing mode of a term: the exact reference semantics or the robust parser. */
export type TermMode = 'facial-r1' | 'robust';

/** Options every term receives (from the preset). */
export interface TermOptions {
  readonly mode: TermMode;
  /** F-beta's beta for the AU term. Default 1. */
  readonly beta?: number;
  /** Target reasoning length in words for the length term. Default [20, 150]. */
  readonly lengthRange?: readonly [number, number];
  /** n of the repeated n-grams. Default 3. */
  readonly repetitionN?: number;
}

/** A reward term: a pure function of a completion (parsed lazily) and its sample. */
export type RewardTerm = (view: ParsedView, sample: RewardSample, options: TermOptions) => TermResult;

// The reference ground truth: answer tags removed, then Python's str.strip().
const stripAnswerTags = (label: string) =>
  pythonStrip(label.replaceAll('<answer>', '').replaceAll('</answer>', ''));

/** R_format: 1 when the completion is `<think>...</think><answer>...</answer>` (FACTS 3). */
export const formatTerm: RewardTerm = (view, _sample, options) => {
  if (options.mode === 'facial-r1') {
    return view.reference.wellFormed
      ? { value: 1 }
      : { value: 0, reason: 'not <think>...</think><answer>...</answer>' };
  }
  // Robust: the same structure, forgiving surrounding whitespace and tag case.
  const blocking = view.robust.formatIssues.filter(
    (issue) =>
      issue.code !== 'leading-whitespace' &&
      issue.code !== 'trailing-whitespace' &&
      issue.code !== 'tag-case',
  );
  return blocking.length === 0
    ? { value: 1 }
    : { value: 0, reason: blocking.map((issue) => issue.code).join(', ') };
};

/**
 * R_acc (FACTS 3): 0.5 when the sample has no emotion label; else 1 when the answer equals
 * the label. Reference: the last answer (or the whole text) stripped, case-sensitive equality.
 * Robust: both sides normalised (case, synonyms, punctuation).
 */
export const accuracyTerm: RewardTerm = (view, sample, options) => {
  const truth = stripAnswerTags(sample.labels?.[0] ?? '');
  if (truth === '') return { value: 0.5, reason: 'no emotion label' };
  if (options.mode === 'facial-r1') {
    return view.reference.answer === truth
      ? { value: 1 }
      : { value: 0, reason: 'answer differs from the label' };
  }
  const expected = normalizeEmotion(truth) ?? truth.toLowerCase();
  const answered = view.robust.emotion ?? view.robust.answer?.trim().toLowerCase() ?? null;
  return answered === expected
    ? { value: 1 }
    : { value: 0, reason: answered === null ? 'no answer' : `answered ${answered}` };
};

/**
 * R_AU (FACTS 3): 0 when the sample has no AU labels; -1 when the reasoning names no AU;
 * else 2 x F-beta - 1 of the reasoning's AU set against the labels, in [-1, 1].
 */
export const auTerm: RewardTerm = (view, sample, options) => {
  const labels = sample.AUs ?? [];
  if (labels.length === 0) return { value: 0, reason: 'no AU labels' };
  let gold: Set<string>;
  let predicted: Set<string>;
  if (options.mode === 'facial-r1') {
    gold = new Set(labels.map((au) => au.toUpperCase()));
    predicted = new Set(view.reference.aus);
  } else {
    gold = new Set(labels.map((au) => toAuId(au) ?? au.toUpperCase()));
    predicted = new Set(view.robust.presentAus);
  }
  if (predicted.size === 0) return { value: -1, reason: 'no AU in the reasoning' };
  const score = fBeta(predicted, gold, options.beta ?? 1);
  return { value: 2 * score - 1, reason: score === 1 ? undefined : `AU F1 ${score.toFixed(3)}` };
};

/**
 * Consistency: does the answer agree with the emotion the reasoning's present AUs support
 * (FACS rules, `scoreEmotionsFromAus`)? r = support(answer) / support(best), mapped to
 * 2r - 1: 1 when the answer is the best-supported emotion, -1 when the reasoning gives it no
 * support at all (the misalignment the paper names). An unreadable answer scores -1.
 */
export const consistencyTerm: RewardTerm = (view) => {
  const parsed = view.robust;
  if (parsed.emotion === null) return { value: -1, reason: 'no recognisable emotion in the answer' };
  const ranked = scoreEmotionsFromAus(parsed.presentAus);
  const best = ranked[0]!;
  if (best.score === 0) return { value: -1, reason: 'the reasoning supports no emotion' };
  const answered = ranked.find((support) => support.emotion === parsed.emotion)!;
  const ratio = answered.score / best.score;
  return {
    value: 2 * ratio - 1,
    reason:
      ratio === 1
        ? undefined
        : `AUs support ${best.emotion} (${best.score.toFixed(2)}), answer ${parsed.emotion} (${answered.score.toFixed(2)})`,
  };
};

/** The best-supported emotion of a completion's reasoning (exported for metrics). */
export function reasoningEmotion(view: ParsedView) {
  return bestSupportedEmotion(view.robust.presentAus);
}

/**
 * Grounding: the share of AUs claimed in the reasoning that the labels do not have
 * (hallucinated), as a penalty in [-1, 0]; 0 when nothing is claimed or the sample has no AU
 * labels. Recall is the AU term's business; this only punishes invention.
 */
export const groundingTerm: RewardTerm = (view, sample) => {
  const labels = sample.AUs ?? [];
  const claimed = view.robust.presentAus;
  if (labels.length === 0 || claimed.length === 0) return { value: 0 };
  const gold = new Set(labels.map((au) => toAuId(au) ?? au.toUpperCase()));
  const invented = claimed.filter((au) => !gold.has(au));
  return invented.length === 0
    ? { value: 0 }
    : { value: -invented.length / claimed.length, reason: `not on the face: ${invented.join(', ')}` };
};

const spansInThink = (view: ParsedView, spans: readonly { start: number }[]) => {
  const think = view.robust.think;
  if (think === null) return spans.length;
  const start = view.completion.indexOf(think);
  return spans.filter((span) => span.start >= start && span.start < start + think.length).length;
};

/** Hedging penalty: -0.5 per hedge ("maybe", "possibly", ...) in the reasoning, down to -1. */
export const hedgingTerm: RewardTerm = (view) => {
  const count = spansInThink(view, view.robust.hedges);
  return count === 0 ? { value: 0 } : { value: -Math.min(1, 0.5 * count), reason: `${count} hedge(s)` };
};

/** Negation penalty: -0.5 per negation ("no", "not", "without", ...) in the reasoning, down to -1. */
export const negationTerm: RewardTerm = (view) => {
  const count = spansInThink(view, view.robust.negations);
  return count === 0 ? { value: 0 } : { value: -Math.min(1, 0.5 * count), reason: `${count} negation(s)` };
};

const wordsOf = (text: string) => text.toLowerCase().match(/[a-z0-9]+/g) ?? [];

/** Length: 0 inside the target word range of the reasoning, down to -1 at twice the distance. */
export const lengthTerm: RewardTerm = (view, _sample, options) => {
  const [minimum, maximum] = options.lengthRange ?? [20, 150];
  const words = wordsOf(view.robust.think ?? view.completion).length;
  if (words >= minimum && words <= maximum) return { value: 0 };
  const distance = words < minimum ? (minimum - words) / minimum : (words - maximum) / maximum;
  return { value: -Math.min(1, distance), reason: `${words} words (target ${minimum}-${maximum})` };
};

/**
 * Repetition: the share of repeated word n-grams in the reasoning beyond 10 %, scaled to
 * [-1, 0] (degenerate loops score -1).
 */
export const repetitionTerm: RewardTerm = (view, _sample, options) => {
  const n = options.repetitionN ?? 3;
  const words = wordsOf(view.robust.think ?? view.completion);
  if (words.length < n * 2) return { value: 0 };
  const seen = new Set<string>();
  let repeated = 0;
  for (let index = 0; index + n <= words.length; index += 1) {
    const gram = words.slice(index, index + n).join(' ');
    if (seen.has(gram)) repeated += 1;
    else seen.add(gram);
  }
  const share = repeated / (words.length - n + 1);
  return share <= 0.1
    ? { value: 0 }
    : {
        value: -Math.min(1, (share - 0.1) / 0.5),
        reason: `${(100 * share).toFixed(0)}% repeated ${n}-grams`,
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
