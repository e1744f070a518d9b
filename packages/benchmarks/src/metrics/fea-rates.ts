import type { Assessment } from '@facial-r1/assessment';

/** Rates of the FEA-specific failure modes over a set of outputs, each in [0, 1]: means of their Assessments. */
export interface FeaRates {
  /** Outputs whose answer is the emotion their reasoning's AUs support best (`consistency.consistent`), among those naming an emotion. */
  readonly consistencyRate: number;
  /** Outputs that claim at least one AU the labels do not have (`grounding.invented`), among samples with AU labels. */
  readonly hallucinationRate: number;
  /** Share of claimed AUs that the labels do not have, pooled over samples with AU labels. */
  readonly hallucinatedAuShare: number;
  /** Outputs with a negation or a hedge in the reasoning (`negation.found` or `hedging.found`). */
  readonly negationHedgingRate: number;
  /** Outputs in the exact `<think>...</think><answer>...</answer>` format (`format.wellFormed`). */
  readonly wellFormedRate: number;
}

/** FEA rates as means of the outputs' Assessments (robust mode; an absent output is assessed as empty). */
export function feaRates(assessments: readonly Assessment[]): FeaRates {
  let consistent = 0;
  let withEmotion = 0;
  let hallucinating = 0;
  let withAuLabels = 0;
  let invented = 0;
  let claimed = 0;
  let negatedOrHedged = 0;
  let wellFormed = 0;
  for (const assessment of assessments) {
    if (assessment.format.wellFormed) wellFormed += 1;
    if (assessment.negation.found || assessment.hedging.found) negatedOrHedged += 1;
    if (assessment.consistency.answerEmotion !== null) {
      withEmotion += 1;
      if (assessment.consistency.consistent) consistent += 1;
    }
    const { grounding } = assessment;
    if (grounding.labelled) {
      withAuLabels += 1;
      invented += grounding.invented.length;
      claimed += assessment.aus.predicted.length;
      if (grounding.invented.length > 0) hallucinating += 1;
    }
  }
  const share = (part: number, whole: number) => (whole ? part / whole : 0);
  return {
    consistencyRate: share(consistent, withEmotion),
    hallucinationRate: share(hallucinating, withAuLabels),
    hallucinatedAuShare: share(invented, claimed),
    negationHedgingRate: share(negatedOrHedged, assessments.length),
    wellFormedRate: share(wellFormed, assessments.length),
  };
}
