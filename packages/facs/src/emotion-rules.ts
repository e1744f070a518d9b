import { type AuId, auCodeOf } from './action-units';
import { EMOTIONS, type Emotion } from './emotions';

/** An AU combination that signals an emotion. */
export interface EmotionRule {
  /** Short name, e.g. `happiness/prototype`. */
  readonly name: string;
  /** The emotion it signals (neutral has no rule: it is the absence of rule AUs). */
  readonly emotion: Exclude<Emotion, 'neutral'>;
  /** The AUs of the combination, intensities and sides dropped. */
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
): EmotionRule =>
  Object.freeze({
    name: `${emotion}/${kind}`,
    emotion,
    aus: Object.freeze(codes.map((code): AuId => `AU${code}`)),
    source,
  });

/**
 * Prototype and major-variant AU combinations per emotion, in order of preference (on equal
 * scores the earlier rule is reported). Sources: the emotion prediction table of the FACS
 * Investigator's Guide (Ekman, Friesen & Hager 2002; EMFACS-7) for prototypes and major
 * variants; Du, Tao & Martinez 2014 (PNAS), Table 1, for the combinations observed in most
 * posers of each basic emotion ("observed"); Matsumoto & Ekman 2004 for contempt's unilateral
 * AU14. Intensity letters, sides and optional AUs of the published tables are dropped (an AU
 * set carries none): the FACS table's surprise 1+2+5B+26 becomes 1+2+5+26, contempt
 * R12A+R14A becomes 12+14.
 */
export const EMOTION_RULES: readonly EmotionRule[] = Object.freeze([
  rule('happiness', 'prototype', [6, 12], IG),
  rule('happiness', 'variant-open', [6, 12, 25], IG),
  rule('happiness', 'observed', [12, 25], DTM),
  rule('happiness', 'variant-12', [12], IG),
  rule('sadness', 'prototype', [1, 4, 15], IG),
  rule('sadness', 'prototype-11', [1, 4, 11, 15], IG),
  rule('sadness', 'variant-17', [1, 4, 15, 17], IG),
  rule('sadness', 'variant-6', [6, 15], IG),
  rule('sadness', 'variant-11-17', [11, 17], IG),
  rule('sadness', 'observed', [4, 15], DTM),
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
  rule('anger', 'observed', [4, 7, 17, 24], DTM),
  rule('disgust', 'prototype-9', [9], IG),
  rule('disgust', 'prototype-9-15-16', [9, 15, 16], IG),
  rule('disgust', 'prototype-10', [10], IG),
  rule('disgust', 'variant-10-17', [10, 17], IG),
  rule('disgust', 'variant-9-17', [9, 17], IG),
  rule('disgust', 'observed', [9, 10, 17], DTM),
  rule('contempt', 'prototype', [14], MATSUMOTO),
  rule('contempt', 'variant-12-14', [12, 14], MATSUMOTO),
]);

/** How well an AU set supports one emotion. */
export interface EmotionSupport {
  /** The emotion. */
  readonly emotion: Emotion;
  /** In [0, 1]; see {@link scoreEmotionsFromAus}. */
  readonly score: number;
  /** The best-matching rule, or null (neutral, or no AU of the emotion's rules present). */
  readonly rule: EmotionRule | null;
  /** AUs of that rule that are present, in the rule's order. */
  readonly matched: readonly AuId[];
  /** AUs of that rule that are missing, in the rule's order. */
  readonly missing: readonly AuId[];
}

/** Options of {@link bestSupportedEmotion}. */
export interface BestSupportedEmotionOptions {
  /** The least score the best emotion needs (default 0.5). */
  readonly minScore?: number;
}

// Every rule AU is below 32 (the largest is 27), so a set of *informative* AUs - the only ones
// the score depends on - is one 32-bit mask and scoring is a handful of integer operations.
function popcount(value: number): number {
  let v = value - ((value >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

const EMOTION_COUNT = EMOTIONS.length;
const EMOTION_INDEX: ReadonlyMap<Emotion, number> = new Map(
  EMOTIONS.map((emotion, index) => [emotion, index]),
);
const NEUTRAL_INDEX = EMOTION_INDEX.get('neutral')!;
const RULE_MASKS = new Int32Array(EMOTION_RULES.length);
const RULE_SIZES = new Int32Array(EMOTION_RULES.length);
const RULE_EMOTIONS = new Int32Array(EMOTION_RULES.length);
const RULE_CODES: readonly Int32Array[] = EMOTION_RULES.map((item) =>
  Int32Array.from(item.aus, (au) => Number(au.slice(2))),
);
const EMOTION_MASKS = new Int32Array(EMOTION_COUNT);
let informativeMask = 0;
for (let index = 0; index < EMOTION_RULES.length; index += 1) {
  const item = EMOTION_RULES[index]!;
  let mask = 0;
  for (const au of item.aus) {
    const code = Number(au.slice(2));
    if (!(code > 0 && code < 32))
      throw new Error(`emotion rule ${item.name}: ${au} does not fit the 32-bit mask`);
    mask |= 1 << code;
  }
  RULE_MASKS[index] = mask;
  RULE_SIZES[index] = popcount(mask);
  RULE_EMOTIONS[index] = EMOTION_INDEX.get(item.emotion)!;
  EMOTION_MASKS[RULE_EMOTIONS[index]!]! |= mask;
  informativeMask |= mask;
}
/** The AUs that appear in at least one rule, as a bit mask (bit n = AU n). */
const INFORMATIVE_MASK = informativeMask;

/** The informative-AU mask of an AU collection; AUs outside every rule are dropped. */
function informativeMaskOf(aus: Iterable<string | number>): number {
  let mask = 0;
  if (Array.isArray(aus)) {
    for (let index = 0; index < aus.length; index += 1) {
      const code = auCodeOf(aus[index] as string | number);
      if (code > 0 && code < 32) mask |= 1 << code;
    }
  } else {
    for (const au of aus) {
      const code = auCodeOf(au);
      if (code > 0 && code < 32) mask |= 1 << code;
    }
  }
  return mask & INFORMATIVE_MASK;
}

/**
 * Scores the informative-AU mask `present` into `scores` (EMOTIONS order) and the index of
 * each emotion's best rule into `rules` (-1: none). See {@link scoreEmotionsFromAus}.
 */
function scoreInto(present: number, scores: Float64Array, rules: Int32Array): void {
  const informative = popcount(present);
  for (let index = 0; index < EMOTION_COUNT; index += 1) {
    scores[index] = 0;
    rules[index] = -1;
    bestHits[index] = 0;
  }
  for (let index = 0; index < RULE_MASKS.length; index += 1) {
    const hits = popcount(RULE_MASKS[index]! & present);
    if (hits === 0) continue;
    const emotionIndex = RULE_EMOTIONS[index]!;
    const fit = popcount(EMOTION_MASKS[emotionIndex]! & present) / informative;
    const score = (hits / RULE_SIZES[index]!) * (0.5 + 0.5 * fit);
    // On equal scores the rule that matches more AUs is reported (6+12+25 over 6+12 when
    // all three are present), then the first-listed one.
    const current = scores[emotionIndex]!;
    if (score > current || (score === current && hits > bestHits[emotionIndex]!)) {
      scores[emotionIndex] = score;
      rules[emotionIndex] = index;
      bestHits[emotionIndex] = hits;
    }
  }
  scores[NEUTRAL_INDEX] = informative >= 3 ? 0 : 1 - informative / 3;
}

const scratchScores = new Float64Array(EMOTION_COUNT);
const scratchRules = new Int32Array(EMOTION_COUNT);
const scratchOrder = new Int32Array(EMOTION_COUNT);
const bestHits = new Int32Array(EMOTION_COUNT);
const NO_AUS: readonly AuId[] = Object.freeze([]);

// For each rule and each pattern of its AUs being present (bit i = the rule's i-th AU), the
// frozen matched and missing lists: a support then allocates nothing but itself.
const RULE_SPLITS: readonly (readonly (readonly [readonly AuId[], readonly AuId[]])[])[] = EMOTION_RULES.map(
  (item) =>
    Array.from({ length: 1 << item.aus.length }, (_, pattern) => {
      const matched = item.aus.filter((_au, index) => pattern & (1 << index));
      const missing = item.aus.filter((_au, index) => !(pattern & (1 << index)));
      return [Object.freeze(matched), Object.freeze(missing)] as const;
    }),
);

function supportOf(emotionIndex: number, score: number, ruleIndex: number, present: number): EmotionSupport {
  if (ruleIndex < 0)
    return { emotion: EMOTIONS[emotionIndex]!, score, rule: null, matched: NO_AUS, missing: NO_AUS };
  const codes = RULE_CODES[ruleIndex]!;
  let pattern = 0;
  for (let index = 0; index < codes.length; index += 1) {
    if (present & (1 << codes[index]!)) pattern |= 1 << index;
  }
  const [matched, missing] = RULE_SPLITS[ruleIndex]![pattern]!;
  return { emotion: EMOTIONS[emotionIndex]!, score, rule: EMOTION_RULES[ruleIndex]!, matched, missing };
}

function buildRanking(present: number): EmotionSupport[] {
  scoreInto(present, scratchScores, scratchRules);
  // Insertion sort of the 8 emotion indices by score, stable (ties keep EMOTIONS order).
  const order = scratchOrder;
  for (let index = 0; index < EMOTION_COUNT; index += 1) {
    const score = scratchScores[index]!;
    let position = index;
    while (position > 0 && scratchScores[order[position - 1]!]! < score) {
      order[position] = order[position - 1]!;
      position -= 1;
    }
    order[position] = index;
  }
  const ranking: EmotionSupport[] = [];
  for (let rank = 0; rank < EMOTION_COUNT; rank += 1) {
    const index = order[rank]!;
    ranking.push(supportOf(index, scratchScores[index]!, scratchRules[index]!, present));
  }
  return ranking;
}

// Results depend only on the informative mask, and the sets a reward sees repeat a lot (a
// group's completions cite the same few AU sets). A direct-mapped cache of 4,096 rankings
// keyed by mask; a mask is admitted the second time it is seen in its slot, so a stream of
// one-off sets neither fills the cache nor keeps garbage alive (which costs more in GC than
// the scoring itself).
const CACHE_BITS = 12;
const cachedMasks = new Int32Array(1 << CACHE_BITS).fill(-1);
const seenMasks = new Int32Array(1 << CACHE_BITS).fill(-1);
const cachedRankings: (EmotionSupport[] | undefined)[] = new Array(1 << CACHE_BITS).fill(undefined);
const slotOf = (mask: number) => Math.imul(mask, 0x9e3779b1) >>> (32 - CACHE_BITS);

/** The cached ranking of `present`, or undefined (and the mask noted as seen). */
function cachedRanking(present: number): EmotionSupport[] | undefined {
  const slot = slotOf(present);
  return cachedMasks[slot] === present ? cachedRankings[slot] : undefined;
}

/** Records a freshly built ranking; true when it was admitted to the cache (and is shared). */
function remember(present: number, ranking: EmotionSupport[]): boolean {
  const slot = slotOf(present);
  if (seenMasks[slot] !== present) {
    seenMasks[slot] = present;
    return false;
  }
  cachedMasks[slot] = present;
  cachedRankings[slot] = ranking;
  return true;
}

/**
 * Ranks the eight emotions by how well an AU set supports them under the FACS/EMFACS rules
 * ({@link EMOTION_RULES}). AUs may be written in any spelling {@link toAuId} accepts (`AU04`,
 * `au4`, `4`, 4); duplicates and AUs that appear in no rule (AU43, AU45, ...) do not change the
 * result. Every emotion is returned, best first, ties in {@link EMOTIONS} order, each with the
 * rule that matched best and that rule's matched and missing AUs.
 *
 * The score. Call the present AUs that appear in any rule *informative* (n of them). For an
 * emotion E and one of its rules r:
 *
 * - coverage(r) = |r ∩ present| / |r| - how much of the configuration is on the face;
 * - fit(E) = |informative present AUs that occur in some rule of E| / n - how much of what
 *   is on the face E accounts for; the rest are AUs only other emotions predict, which
 *   contradict E;
 * - score(E) = max over r of coverage(r) × (0.5 + 0.5 × fit(E)), reported with that rule (on
 *   equal scores the rule matching more AUs, then the first listed).
 *
 * A complete prototype alone scores 1; the same prototype next to as many AUs that only other
 * emotions predict scores 0.75; half a prototype scores at most 0.5. Neutral is the absence of
 * evidence and scores max(0, 1 - n / 3): 1 when no informative AU is present (an empty set,
 * or only AUs such as AU43), 2/3 with one - above any half-matched rule (at most 0.5), below
 * any complete single-AU rule (AU9, AU12, AU14: 1), so one ambiguous AU (AU4 or AU25 alone)
 * reads as neutral - 1/3 with two, 0 with three or more.
 *
 * Fast: the AU set becomes a 32-bit mask and rankings of recurring masks are cached (4,096
 * slots). The entries may be shared between calls: treat them as read-only (the returned
 * array itself is always a fresh copy).
 */
export function scoreEmotionsFromAus(aus: Iterable<string | number>): EmotionSupport[] {
  const present = informativeMaskOf(aus);
  const cached = cachedRanking(present);
  if (cached) return cached.slice();
  const ranking = buildRanking(present);
  return remember(present, ranking) ? ranking.slice() : ranking;
}

/**
 * The emotion an AU set supports best (the first entry of {@link scoreEmotionsFromAus}), or
 * null when its score is below `minScore` (default 0.5) or when the best two emotions tie -
 * an AU set that supports two emotions equally (AU9 + AU14) names neither.
 */
export function bestSupportedEmotion(
  aus: Iterable<string | number>,
  options: BestSupportedEmotionOptions = {},
): EmotionSupport | null {
  const present = informativeMaskOf(aus);
  const minScore = options.minScore ?? 0.5;
  const cached = cachedRanking(present);
  if (cached) {
    const best = cached[0]!;
    return best.score < minScore || cached[1]!.score === best.score ? null : best;
  }
  // Cache miss: score, pick the best two, and build only the winner's support.
  scoreInto(present, scratchScores, scratchRules);
  let best = 0;
  for (let index = 1; index < EMOTION_COUNT; index += 1) {
    if (scratchScores[index]! > scratchScores[best]!) best = index;
  }
  const score = scratchScores[best]!;
  if (score < minScore) return null;
  for (let index = 0; index < EMOTION_COUNT; index += 1) {
    if (index !== best && scratchScores[index] === score) return null;
  }
  return supportOf(best, score, scratchRules[best]!, present);
}
