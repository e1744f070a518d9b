import { type AuId, toAuId } from './action-units';
import { EMOTIONS, type Emotion } from './emotions';

/** An AU combination that signals an emotion. */
export interface EmotionRule {
  /** Short name, e.g. `happiness/prototype`. */
  readonly name: string;
  readonly emotion: Exclude<Emotion, 'neutral'>;
  readonly aus: readonly AuId[];
  /** Where the combination comes from. */
  readonly source: string;
}

const IG = "Ekman, Friesen & Hager 2002, FACS Investigator's Guide, emotion prediction table (EMFACS-7)";
const DTM = 'Du, Tao & Martinez 2014, "Compound facial expressions of emotion", PNAS 111(15), Table 1';
const MATSUMOTO = 'Matsumoto & Ekman 2004 / EMFACS: unilateral AU14 (R12A+R14A) for contempt';

const rule = (
  emotion: EmotionRule['emotion'],
  kind: string,
  codes: readonly number[],
  source: string,
): EmotionRule => ({
  name: `${emotion}/${kind}`,
  emotion,
  aus: codes.map((code) => `AU${code}` as AuId),
  source,
});

/**
 * Prototype and major-variant AU combinations per emotion. Intensity letters and optional
 * AUs of the published tables are dropped (an AU set has no intensities); the FACS tables
 * list e.g. surprise as 1+2+5B+26 and fear as 1+2+4+5*+20*+25 (with 26 or 27).
 */
export const EMOTION_RULES: readonly EmotionRule[] = [
  rule('happiness', 'prototype', [6, 12], IG),
  rule('happiness', 'variant-open', [6, 12, 25], DTM),
  rule('happiness', 'variant-12', [12], IG),
  rule('sadness', 'prototype', [1, 4, 15], IG),
  rule('sadness', 'prototype-11', [1, 4, 11, 15], IG),
  rule('sadness', 'variant-17', [1, 4, 15, 17], IG),
  rule('sadness', 'variant-6', [6, 15], IG),
  rule('sadness', 'variant-11-17', [11, 17], IG),
  rule('surprise', 'prototype', [1, 2, 5, 26], IG),
  rule('surprise', 'prototype-27', [1, 2, 5, 27], IG),
  rule('surprise', 'variant-brows-eyes', [1, 2, 5], IG),
  rule('surprise', 'variant-brows-jaw', [1, 2, 26], IG),
  rule('surprise', 'variant-eyes-jaw', [5, 26], IG),
  rule('surprise', 'observed', [1, 2, 25, 26], DTM),
  rule('fear', 'prototype', [1, 2, 4, 5, 20, 26], IG),
  rule('fear', 'prototype-25', [1, 2, 4, 5, 20, 25], IG),
  rule('fear', 'prototype-7', [1, 2, 4, 5, 7, 20, 26], IG),
  rule('fear', 'variant-brows-eyes', [1, 2, 4, 5], IG),
  rule('fear', 'variant-eyes-mouth', [5, 20, 25], IG),
  rule('fear', 'variant-5-20', [5, 20], IG),
  rule('fear', 'observed', [1, 4, 20, 25], DTM),
  rule('anger', 'prototype-23', [4, 5, 7, 23], IG),
  rule('anger', 'prototype-24', [4, 5, 7, 24], IG),
  rule('anger', 'prototype-open', [4, 5, 7, 10, 23, 25], IG),
  rule('anger', 'variant-lids-23', [4, 7, 23], IG),
  rule('anger', 'variant-lids-24', [4, 7, 24], IG),
  rule('anger', 'variant-5-23', [4, 5, 23], IG),
  rule('anger', 'variant-5-24', [4, 5, 24], IG),
  rule('anger', 'observed', [4, 7, 10, 17, 23, 24], DTM),
  rule('disgust', 'prototype-9', [9], IG),
  rule('disgust', 'prototype-9-15-16', [9, 15, 16], IG),
  rule('disgust', 'prototype-10', [10], IG),
  rule('disgust', 'variant-10-17', [10, 17], IG),
  rule('disgust', 'variant-9-17', [9, 17], IG),
  rule('disgust', 'observed', [4, 9, 10, 17], DTM),
  rule('contempt', 'prototype', [14], MATSUMOTO),
  rule('contempt', 'variant-12-14', [12, 14], MATSUMOTO),
];

/** How well an AU set supports one emotion. */
export interface EmotionSupport {
  readonly emotion: Emotion;
  /** In [0, 1]; see {@link scoreEmotionsFromAus}. */
  readonly score: number;
  /** The best-matching rule, or null (neutral, or no rule AU present). */
  readonly rule: EmotionRule | null;
  /** AUs of that rule that are present. */
  readonly matched: readonly AuId[];
  /** AUs of that rule that are missing. */
  readonly missing: readonly AuId[];
}

// AU sets as two 32-bit masks (codes 0-31 and 32-63): scoring is a handful of bit operations.
const bit = (code: number): [number, number] =>
  code < 32 ? [(1 << code) >>> 0, 0] : [0, (1 << (code - 32)) >>> 0];
function popcount(value: number): number {
  let v = value - ((value >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

interface CompiledRule {
  readonly rule: EmotionRule;
  readonly low: number;
  readonly high: number;
  readonly size: number;
  readonly emotionIndex: number;
}

const EMOTION_INDEX = new Map(EMOTIONS.map((emotion, index) => [emotion, index]));
const NEUTRAL_INDEX = EMOTION_INDEX.get('neutral')!;
const COMPILED: readonly CompiledRule[] = EMOTION_RULES.map((item) => {
  let low = 0;
  let high = 0;
  for (const au of item.aus) {
    const [l, h] = bit(Number(au.slice(2)));
    low |= l;
    high |= h;
  }
  return {
    rule: item,
    low: low >>> 0,
    high: high >>> 0,
    size: item.aus.length,
    emotionIndex: EMOTION_INDEX.get(item.emotion)!,
  };
});
const EMOTION_MASKS = EMOTIONS.map((_, index) =>
  COMPILED.filter((item) => item.emotionIndex === index).reduce(
    (masks, item) => [(masks[0]! | item.low) >>> 0, (masks[1]! | item.high) >>> 0],
    [0, 0],
  ),
);
const ALL_RULE_LOW = COMPILED.reduce((mask, item) => (mask | item.low) >>> 0, 0);
const ALL_RULE_HIGH = COMPILED.reduce((mask, item) => (mask | item.high) >>> 0, 0);

function toMasks(aus: Iterable<string | number>): [number, number] {
  let low = 0;
  let high = 0;
  for (const au of aus) {
    const id = toAuId(au);
    if (!id) continue;
    const code = Number(id.slice(2));
    if (code > 63) continue;
    const [l, h] = bit(code);
    low |= l;
    high |= h;
  }
  return [low >>> 0, high >>> 0];
}

/**
 * Scores into `scores` (length 8, EMOTIONS order) and the best rule per emotion into `rules`.
 *
 * For an emotion, each rule's coverage is |rule AND present| / |rule|; the emotion's fit is the
 * share of the present *informative* AUs (those in any rule) that belong to any of the
 * emotion's rules. score = max over its rules of coverage x (0.5 + 0.5 x fit): a complete
 * prototype with no foreign AUs scores 1, a complete prototype among as many AUs of other
 * emotions scores 0.75, half a prototype scores at most 0.5. Neutral scores
 * max(0, 1 - informative / 2): 1 with no informative AU, 0.5 with one, 0 with two or more.
 */
function scoreInto(low: number, high: number, scores: Float64Array, rules: Int32Array): void {
  const informativeLow = (low & ALL_RULE_LOW) >>> 0;
  const informativeHigh = (high & ALL_RULE_HIGH) >>> 0;
  const informative = popcount(informativeLow) + popcount(informativeHigh);
  scores.fill(0);
  rules.fill(-1);
  for (let index = 0; index < COMPILED.length; index += 1) {
    const item = COMPILED[index]!;
    const hits = popcount((item.low & low) >>> 0) + popcount((item.high & high) >>> 0);
    if (hits === 0) continue;
    const masks = EMOTION_MASKS[item.emotionIndex]!;
    const explained =
      popcount((masks[0]! & informativeLow) >>> 0) + popcount((masks[1]! & informativeHigh) >>> 0);
    const fit = informative === 0 ? 0 : explained / informative;
    const score = (hits / item.size) * (0.5 + 0.5 * fit);
    if (score > scores[item.emotionIndex]!) {
      scores[item.emotionIndex] = score;
      rules[item.emotionIndex] = index;
    }
  }
  scores[NEUTRAL_INDEX] = Math.max(0, 1 - informative / 2);
}

const scratchScores = new Float64Array(EMOTIONS.length);
const scratchRules = new Int32Array(EMOTIONS.length);

/**
 * Ranks the eight emotions by how well an AU set supports them under the FACS/EMFACS rules
 * ({@link EMOTION_RULES}); AUs in any spelling (`AU04`, `au4`, 4). Every emotion is returned,
 * best first, ties in {@link EMOTIONS} order, each with the rule that matched best and its
 * matched and missing AUs. An empty set (or one without any rule AU) supports `neutral`.
 */
export function scoreEmotionsFromAus(aus: Iterable<string | number>): EmotionSupport[] {
  const [low, high] = toMasks(aus);
  scoreInto(low, high, scratchScores, scratchRules);
  const result: EmotionSupport[] = EMOTIONS.map((emotion, index) => {
    const compiled = scratchRules[index]! >= 0 ? COMPILED[scratchRules[index]!]! : null;
    const matched: AuId[] = [];
    const missing: AuId[] = [];
    for (const au of compiled?.rule.aus ?? []) {
      const [l, h] = bit(Number(au.slice(2)));
      ((l & low) | (h & high) ? matched : missing).push(au);
    }
    return { emotion, score: scratchScores[index]!, rule: compiled?.rule ?? null, matched, missing };
  });
  return result.sort(
    (a, b) => b.score - a.score || EMOTION_INDEX.get(a.emotion)! - EMOTION_INDEX.get(b.emotion)!,
  );
}

/**
 * The emotion an AU set supports best, or null when no emotion reaches `minScore`
 * (default 0.5) or the best two tie. A fast path for rewards: no allocation besides the result.
 */
export function bestSupportedEmotion(
  aus: Iterable<string | number>,
  options: { readonly minScore?: number } = {},
): { readonly emotion: Emotion; readonly score: number } | null {
  const [low, high] = toMasks(aus);
  scoreInto(low, high, scratchScores, scratchRules);
  let best = -1;
  let second = -1;
  for (let index = 0; index < EMOTIONS.length; index += 1) {
    const score = scratchScores[index]!;
    if (best < 0 || score > scratchScores[best]!) {
      second = best;
      best = index;
    } else if (second < 0 || score > scratchScores[second]!) second = index;
  }
  const score = scratchScores[best]!;
  if (score < (options.minScore ?? 0.5) || (second >= 0 && scratchScores[second] === score)) return null;
  return { emotion: EMOTIONS[best]!, score };
}
