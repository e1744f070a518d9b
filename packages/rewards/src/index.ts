export { bridgeFiles, bridgePath } from './bridge-path';
export { RewardConfigurationError } from './errors';
export {
  decodeGroundTruth,
  readGroundTruthText,
  encodeGroundTruth,
  type GroundTruth,
  GroundTruthDecodeError,
} from './label-codec';
export {
  type AdvantageOptions,
  auRarityWeights,
  type GroupStatistics,
  groupAdvantages,
  groupStatistics,
} from './group-statistics';
export {
  type PresetDefinition,
  type PresetName,
  PRESETS,
  type ResolvedPreset,
  resolvePreset,
} from './presets';
export type { RewardSample, TermResult } from './reward-sample';
export {
  type RewardItem,
  type RewardResult,
  type ScoreOptions,
  fitsPreset,
  scoreAssessment,
  scoreCompletions,
  scoreWithPreset,
} from './score-completions';
export { decodeLabel, extractResponse } from './server/openrlhf';
export { createRewardServer, type RewardServer, type RewardServerOptions } from './server/reward-server';
export {
  exitCodeOf,
  RELAUNCH_OPT_OUT_ENV,
  RELAUNCHED_ENV,
  relaunchForServing,
  SERVER_MMAP_THRESHOLD,
  SERVER_SEMI_SPACE_MIB,
  type ServingProcessFacts,
  shouldRelaunchForServing,
} from './server/serving-process';
export {
  accuracyTerm,
  auTerm,
  consistencyTerm,
  formatTerm,
  groundingTerm,
  hedgingTerm,
  lengthTerm,
  negationTerm,
  REWARD_TERMS,
  type RewardTerm,
  repetitionTerm,
  type TermMode,
  type TermName,
  type TermOptions,
} from './terms/reward-terms';
