import type { Plan } from '../plan/plan-schema';
import type { TrainingExample } from './training-example';

/** A training stage an engine can run. */
export type Stage = 'sft' | 'grpo';

/** What an engine writer produced. */
export interface PreparedDataset {
  /** Files written, absolute paths. */
  readonly files: readonly string[];
  /** Rows per split. */
  readonly rows: Readonly<Record<string, number>>;
}

/** Everything an engine needs to build its command line. */
export interface LaunchContext {
  readonly plan: Plan;
  readonly stage: Stage;
  /** The stage's directory: datasets, config and checkpoints live here. */
  readonly stageDirectory: string;
  /** The dataset files written by `writeDataset`. */
  readonly dataset: PreparedDataset;
  /** The reward bridge copied into the stage directory (GRPO only). */
  readonly rewardBridge?: string;
  /** URL of the reward server (GRPO only). */
  readonly rewardUrl?: string;
  /**
   * Bearer token of the reward server (GRPO, multi-node). Bridges read it from
   * `FEA_REWARD_TOKEN`; engines that post themselves (OpenRLHF) put it in the URL (`?token=`).
   */
  readonly rewardToken?: string;
  /** The model to train (base model, or the previous stage's checkpoint). */
  readonly modelPath: string;
}

/** A shell step that goes with an engine command: cluster start before it, export after it. */
export interface EngineStep {
  /** `before` the command (e.g. `ray start` on each node) or `after` it (e.g. the HF export). */
  readonly when: 'before' | 'after';
  /** What the step does and where it runs, one line. */
  readonly description: string;
  /** The program and its arguments. */
  readonly command: readonly string[];
  /** The engine schema key set its `--flags` are checked against (e.g. verl's `model_merger`). */
  readonly schema?: string;
  /**
   * True when the step runs on other machines than the one that starts the engine (a Ray worker
   * joining the cluster): printed as a comment, so a pasted script never runs it here.
   */
  readonly elsewhere?: boolean;
}

/** A command to start an engine. */
export interface EngineCommand {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Extra files (configs, launchers) the command reads, written next to the dataset. */
  readonly files: Readonly<Record<string, string>>;
  /** Where the engine writes checkpoints. */
  readonly outputDirectory: string;
  /** The engine release whose contract the command was built for. */
  readonly engineVersion?: string;
  /** Steps to run around the command: Ray cluster start on multi-node plans, HF export of the final checkpoint. */
  readonly steps?: readonly EngineStep[];
  /** The HF model folder the run leaves behind (after the `after` steps), for `vllm serve` and the next SFT round. */
  readonly exportDirectory?: string;
}

/** A progress event parsed from one engine log line. */
export interface EngineProgress {
  readonly step?: number;
  readonly totalSteps?: number;
  readonly reward?: number;
  readonly loss?: number;
  /** A checkpoint directory the engine reported saving. */
  readonly checkpoint?: string;
}

/**
 * A training engine adapter: writes the engine's dataset format, builds its command line and
 * reads its log. Gradient updates stay in the engine; this only feeds and watches it.
 */
export interface TrainingEngine {
  readonly id: string;
  readonly stages: readonly Stage[];
  /** Writes the engine's dataset for `stage` into `directory` (train and, when given, test). */
  writeDataset(
    splits: { readonly train: readonly TrainingExample[]; readonly test?: readonly TrainingExample[] },
    directory: string,
    options: { readonly stage: Stage; readonly embedImages?: boolean },
  ): Promise<PreparedDataset>;
  /** The command that starts training. */
  command(context: LaunchContext): EngineCommand;
  /** Parses one log line; null when it carries no progress. */
  parseLogLine(line: string): EngineProgress | null;
}
