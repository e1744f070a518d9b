export { assess, isCurrentAssessment, reasoningWords, referenceLabel } from './assess';
export * from './assessment';
export { auFBeta, compareAus, goldAus } from './compare-aus';
