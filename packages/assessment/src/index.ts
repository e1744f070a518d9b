export { assess, isCurrentAssessment, reasoningWords, referenceLabel } from './assess';
export {
  ASSESSMENT_VERSION,
  type AnswerFindings,
  type Assessment,
  type AssessmentMode,
  type AssessmentSample,
  type AssessOptions,
  type AuComparison,
  type ConsistencyFindings,
  type CueFindings,
  type FormatFindings,
  type GroundingFindings,
  type LengthFindings,
} from './assessment';
export { auFBeta, compareAus, goldAus } from './compare-aus';
