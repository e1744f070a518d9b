import { bestSupportedEmotion, toAuId } from '@facial-r1/facs';
import type { ParsedCompletion } from '@facial-r1/parsers';

/** Rates of the FEA-specific failure modes over a set of outputs, each in [0, 1]. */
export interface FeaRates {
  /** Outputs whose answer is the emotion their reasoning's AUs support best (FACS rules). */
  readonly consistencyRate: number;
  /** Outputs that claim at least one AU the labels do not have (samples with AU labels only). */
  readonly hallucinationRate: number;
  /** Share of claimed AUs that the labels do not have, pooled. */
  readonly hallucinatedAuShare: number;
  /** Outputs with a negation or a hedge in the reasoning. */
  readonly negationHedgingRate: number;
  /** Outputs in the exact `<think>...</think><answer>...</answer>` format. */
  readonly wellFormedRate: number;
}

/** FEA rates from parsed outputs and, for hallucination, the gold AU sets (empty = unknown). */
export function feaRates(
  parsed: readonly ParsedCompletion[],
  goldAus: readonly (readonly string[])[],
): FeaRates {
  let consistent = 0;
  let withEmotion = 0;
  let hallucinating = 0;
  let withAuLabels = 0;
  let invented = 0;
  let claimed = 0;
  let negatedOrHedged = 0;
  let wellFormed = 0;
  parsed.forEach((output, index) => {
    if (output.wellFormed) wellFormed += 1;
    if (
      output.hedges.length ||
      output.negations.length ||
      output.mentions.some((mention) => mention.negated || mention.hedged)
    )
      negatedOrHedged += 1;
    if (output.emotion) {
      withEmotion += 1;
      if (bestSupportedEmotion(output.presentAus)?.emotion === output.emotion) consistent += 1;
    }
    const gold = goldAus[index] ?? [];
    if (gold.length) {
      withAuLabels += 1;
      const goldSet = new Set(gold.map((au) => toAuId(au) ?? au));
      const extra = output.presentAus.filter((au) => !goldSet.has(au)).length;
      invented += extra;
      claimed += output.presentAus.length;
      if (extra) hallucinating += 1;
    }
  });
  const share = (part: number, whole: number) => (whole ? part / whole : 0);
  return {
    consistencyRate: share(consistent, withEmotion),
    hallucinationRate: share(hallucinating, withAuLabels),
    hallucinatedAuShare: share(invented, claimed),
    negationHedgingRate: share(negatedOrHedged, parsed.length),
    wellFormedRate: share(wellFormed, parsed.length),
  };
}
