import { type AuId, toAuId } from './action-units';
import { EMOTION_RULES, type EmotionRule, type EmotionSupport } from './emotion-rules';
import { EMOTIONS } from './emotions';

/**
 * A direct, allocation-heavy transcription of the scoring rule of `scoreEmotionsFromAus`
 * (sets of strings, no masks, no cache). Not part of the public API: the tests use it as the
 * oracle the fast implementation must equal, and `bench/score-emotions.ts` as the peer it is
 * timed against.
 */
export function naiveScoreEmotionsFromAus(aus: Iterable<string | number>): EmotionSupport[] {
  const informativeAus = new Set(EMOTION_RULES.flatMap((rule) => rule.aus));
  const present = new Set<AuId>();
  for (const au of aus) {
    const id = toAuId(au);
    if (id !== null && informativeAus.has(id)) present.add(id);
  }
  const supports = EMOTIONS.map((emotion): EmotionSupport => {
    if (emotion === 'neutral') {
      return { emotion, score: Math.max(0, 1 - present.size / 3), rule: null, matched: [], missing: [] };
    }
    const rules = EMOTION_RULES.filter((rule) => rule.emotion === emotion);
    const emotionAus = new Set(rules.flatMap((rule) => rule.aus));
    const explained = [...present].filter((au) => emotionAus.has(au)).length;
    const fit = present.size === 0 ? 0 : explained / present.size;
    let best: { score: number; hits: number; rule: EmotionRule | null } = { score: 0, hits: 0, rule: null };
    for (const rule of rules) {
      const hits = rule.aus.filter((au) => present.has(au)).length;
      if (hits === 0) continue;
      const score = (hits / rule.aus.length) * (0.5 + 0.5 * fit);
      if (score > best.score || (score === best.score && hits > best.hits)) best = { score, hits, rule };
    }
    return {
      emotion,
      score: best.score,
      rule: best.rule,
      matched: best.rule?.aus.filter((au) => present.has(au)) ?? [],
      missing: best.rule?.aus.filter((au) => !present.has(au)) ?? [],
    };
  });
  return supports.sort(
    (a, b) => b.score - a.score || EMOTIONS.indexOf(a.emotion) - EMOTIONS.indexOf(b.emotion),
  );
}
