export { ReviewSheetError } from './errors';
export * from './export/index';
export {
  exportReviewSheet,
  importReviewDecisions,
  REVIEW_COLUMNS,
  type ReviewResult,
} from './review/review-sheet';
export { type MergeOptions, mergeRounds } from './split/merge-rounds';
export { type SplitOptions, splitTrainTest } from './split/split-dataset';
export {
  type AttemptOptions,
  type RejectedAttempt,
  type SampleOutcome,
  synthesizeSample,
} from './synthesize/attempt-loop';
export { findNearDuplicates, jaccard, NearDuplicateIndex, shingles } from './synthesize/shingles';
/** @deprecated Import `runPool` from `@facial-r1/dataset`, where it now lives. */
export { runPool } from '@facial-r1/dataset';
export { stratifiedPick } from './synthesize/stratified-pick';
export {
  type OutcomeRecord,
  outcomesPath,
  type RoundManifest,
  readRoundManifest,
  type SynthesisProgress,
  type SynthesizeOptions,
  synthesize,
} from './synthesize/synthesize';
export { buildTeacherSet, type TeacherSetManifest, type TeacherSetOptions } from './synthesize/teacher-set';
export {
  CHECK_NAMES,
  type CheckName,
  type CheckResult,
  createVerifier,
  type Verification,
  type VerificationSample,
  type Verifier,
  type VerifierOptions,
} from './verify/verifier';
