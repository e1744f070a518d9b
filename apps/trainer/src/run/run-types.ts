import type { FeaModel } from '@facial-r1/runtime';
import type { EngineProgress, EngineStep, Stage } from '../engines/index';
import type { LoadedPlan } from '../plan/load-plan';
import type { RewardEndpoint } from './reward-endpoint';
import type { StepRecord } from './state-store';
import type { StepRunner } from './step-runner';

/** What happens during a run, for progress displays and logs. */
export type RunEvent =
  | { readonly type: 'step-skipped'; readonly step: string }
  | { readonly type: 'step-started'; readonly step: string }
  | { readonly type: 'step-finished'; readonly step: string; readonly record: StepRecord }
  /** A dry run did not run this step and recorded nothing (`reason` says why). */
  | { readonly type: 'step-dry'; readonly step: string; readonly reason: string }
  | {
      readonly type: 'progress';
      readonly step: string;
      readonly progress: EngineProgress | { readonly done: number; readonly total: number };
    }
  | { readonly type: 'log'; readonly step: string; readonly line: string };

/** What `runPlan` needs from outside: models, and hooks for display and interruption. */
export interface RunOptions {
  /** Resolves a model id of the plan (`openai:...`, `onnx:...`, `baseline`). */
  readonly resolveModel: (id: string) => Promise<FeaModel>;
  readonly onEvent?: (event: RunEvent) => void;
  /** Stops the run: a running engine gets SIGINT, finished steps stay recorded. */
  readonly signal?: AbortSignal;
  /** Stop cleanly right after this step (used to demonstrate resuming). */
  readonly stopAfter?: string;
  /**
   * Do not start engines (`--dry-run`): data steps run as usual, each training step writes
   * the files its command reads and returns the command in {@link RunResult.dryRuns}, and
   * nothing a dry run skips is recorded as done, so a later real run trains.
   */
  readonly dryRun?: boolean;
  /**
   * Run only these steps. Other steps are not run; their recorded results are used when the
   * state file has them (stage 2 trains from `baseModel` when no SFT checkpoint is recorded).
   */
  readonly only?: readonly string[];
}

/** A training step a dry run did not start: what to run, where, with which environment. */
export interface DryRunCommand {
  readonly step: string;
  readonly engine: string;
  readonly stage: Stage;
  /** Working directory the engine runs in (relative paths in the command resolve here). */
  readonly directory: string;
  /** Program and arguments, the launcher prefix included. */
  readonly command: readonly string[];
  /** Environment the engine needs: the engine's own (FORCE_TORCHRUN, NNODES) and the reward server's. */
  readonly env: Readonly<Record<string, string>>;
  /** Files the command reads that the dry run wrote (configs, launchers, reward settings). */
  readonly files: readonly string[];
  /** GRPO: the reward server that must run while the engine trains. */
  readonly rewardServer?: RewardEndpoint & { readonly preset: string };
  /**
   * Steps around the command: `before` it the Ray cluster start of a multi-node plan, `after` it
   * the export of the final checkpoint as an HF folder (verl/EasyR1 model merger, through the
   * plan's launcher like the engine). A real run runs the `after` steps itself.
   */
  readonly steps: readonly EngineStep[];
  /** The HF folder the run leaves behind: what `vllm serve`, stage 3 and the next SFT round load. */
  readonly exportDirectory?: string;
}

/** The result of {@link runPlan}. */
export interface RunResult {
  /** Steps visited in order; `dry` marks steps a dry run did not run (nothing recorded). */
  readonly steps: readonly { readonly step: string; readonly skipped: boolean; readonly dry?: boolean }[];
  /** `--dry-run`: the commands of the training steps, in order. */
  readonly dryRuns: readonly DryRunCommand[];
  readonly stateFile: string;
  /** True when `stopAfter` ended the run early. */
  readonly stopped: boolean;
}

/** What every step of a run shares: the plan, the caller's options and the step protocol. */
export interface StepContext {
  readonly loaded: LoadedPlan;
  readonly options: RunOptions;
  readonly runner: StepRunner;
  /** `--dry-run`: the training commands not started, appended in order. */
  readonly dryRuns: DryRunCommand[];
}
