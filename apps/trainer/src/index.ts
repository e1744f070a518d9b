export { createProgram, EXIT, main } from './cli';
export { collectDataset, collectSamples } from './data/collect-samples';
export { ENGINES, getEngine, toTrainingExamples } from './engines/index';
export type {
  EngineCommand,
  EngineProgress,
  LaunchContext,
  PreparedDataset,
  Stage,
  TrainingEngine,
  TrainingExample,
} from './engines/index';
export { checkEngineContract } from './engines/engine-constraints';
export type { ContractViolation, EmittedConfig } from './engines/engine-contract';
export { engineStepLines, runAfterSteps } from './engines/engine-steps';
export {
  DEFAULT_ENGINE_VERSIONS,
  ENGINE_SCHEMAS,
  type EngineSchema,
  EngineVersionError,
  MINIMUM_ENGINE_VERSIONS,
  resolveEngineSchema,
} from './engines/engine-versions';
export type { EngineStep } from './engines/index';
export { writeVerlParquet } from './engines/verl-engine';
export { EngineRunError, PipelineError, PlanError } from './errors';
export { dryRunScript, shellCommand, shellQuote } from './launch/dry-run-script';
export { formatCommand, type LaunchOptions, type LaunchRecord, launchEngine } from './launch/launch-engine';
export { type LoadedPlan, loadPlan, parsePlan } from './plan/load-plan';
export { type Plan, type PlanDataset, planSchema } from './plan/plan-schema';
export { createPlanModelResolver } from './models';
export {
  REWARD_SETTINGS_FILE,
  type RewardEndpoint,
  rewardEndpoint,
  writeRewardSettings,
} from './run/reward-endpoint';
export {
  type DryRunCommand,
  planSteps,
  type RunEvent,
  type RunOptions,
  type RunResult,
  runPlan,
} from './run/run-plan';
export { hashPath, hashValue, type RunState, StateStore, type StepRecord } from './run/state-store';
