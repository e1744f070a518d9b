import type { AssessmentSample } from '@facial-r1/assessment';

/** What a reward reads from a sample (FEA-20K field names: `labels`, `AUs`); other fields are ignored. */
export type RewardSample = AssessmentSample;

/** One term's outcome. */
export interface TermResult {
  readonly value: number;
  /** Why, in a few words (shown in logs and the server's extra logs). */
  readonly reason?: string;
}
