import { access, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createRewardServer } from '@facial-r1/rewards';
import { runAfterSteps } from '../engines/engine-steps';
import { type EngineCommand, getEngine, type TrainingEngine } from '../engines/index';
import { EngineRunError, PipelineError } from '../errors';
import { launchEngine } from '../launch/launch-engine';
import type { LoadedPlan } from '../plan/load-plan';
import type { Plan } from '../plan/plan-schema';
import { type RewardEndpoint, rewardEndpoint, writeRewardSettings } from './reward-endpoint';
import type { StepContext } from './run-types';
import type { StepRecord } from './state-store';
import type { DryOutcome, StepDone } from './step-runner';
import type { StepSpec } from './step-table';
import { prepareValues, type TrainValues } from './step-values';

type TrainSpec = Extract<StepSpec, { kind: 'train' }>;

/**
 * A training step: runs the engine on its prepare step's dataset from the model of
 * `spec.model`. Its inputs hash includes the hash of the step that produced that model: a
 * retrained checkpoint keeps its path, so downstream steps hash the producing step, not just the path.
 */
export function trainStep(context: StepContext, spec: TrainSpec): Promise<StepRecord | null> {
  const { loaded, runner } = context;
  const { plan } = loaded;
  const { modelPath, modelStep } = runner.model(spec.model);
  const prepared = runner.result(spec.prepared);
  return runner.run(
    spec.name,
    {
      engineId: spec.engine,
      section: spec.stage === 'sft' ? plan.stage1 : plan.stage2,
      hardware: plan.hardware,
      baseModel: plan.baseModel,
      modelPath,
      modelStep,
      prepared: prepared?.outputs,
    },
    () => trainModel(context, spec, prepared, modelPath),
    runner.blockedBy(spec.needs),
  );
}

/** The reward server a GRPO step trains against, and what the engine is told about it. */
interface RewardSetup {
  /** The plan's endpoint (GRPO only). */
  readonly endpoint?: RewardEndpoint;
  /** The endpoint as bound (the actual port), or the plan's when no server was started. */
  readonly reward?: RewardEndpoint;
  /** `FEA_REWARD_URL` / `FEA_REWARD_TOKEN` for the engine. */
  readonly env: Record<string, string>;
  /** Stops the server (nothing when none was started). */
  close(): Promise<void>;
}

/**
 * Starts the reward server of a GRPO step on the plan's endpoint (not in a dry run); an unknown
 * preset or a port in use is an error at its plan line.
 */
export async function startRewardServer(
  loaded: LoadedPlan,
  stage: TrainSpec['stage'],
  dryRun: boolean,
): Promise<RewardSetup> {
  const { plan } = loaded;
  const endpoint = stage === 'grpo' ? rewardEndpoint(plan) : undefined;
  let server: ReturnType<typeof createRewardServer> | undefined;
  try {
    server =
      endpoint && !dryRun
        ? createRewardServer({
            preset: plan.stage2.preset,
            host: endpoint.host,
            port: endpoint.port,
            token: endpoint.token,
          })
        : undefined;
  } catch (error) {
    throw loaded.errorAt(['stage2', 'preset'], (error as Error).message, error);
  }
  const listening = await server?.listen().catch((error: Error) => {
    throw loaded.errorAt(
      ['stage2', 'rewardPort'],
      `the reward server cannot listen on ${endpoint?.host}:${endpoint?.port}: ${error.message}`,
      error,
    );
  });
  const reward = listening && endpoint ? rewardEndpoint(plan, { port: listening.port }) : endpoint;
  const env: Record<string, string> = reward
    ? { FEA_REWARD_URL: reward.url, ...(endpoint?.token ? { FEA_REWARD_TOKEN: endpoint.token } : {}) }
    : {};
  return { endpoint, reward, env, close: async () => void (await server?.close()) };
}

/** The engine's command and the launcher-prefixed one a run starts. */
interface TrainCommand {
  /** The engine's own command, before the launcher prefix (its after steps use the launcher too). */
  readonly engine: EngineCommand;
  readonly launched: EngineCommand;
}

function withLauncher(command: EngineCommand, launcher: readonly string[] | undefined): EngineCommand {
  if (!launcher) return command;
  const [program, ...prefix] = launcher;
  return { ...command, command: program!, args: [...prefix, command.command, ...command.args] };
}

async function trainModel(
  context: StepContext,
  spec: TrainSpec,
  prepared: StepRecord | null,
  modelPath: string,
): Promise<StepDone | DryOutcome> {
  const { loaded, options, runner } = context;
  const { plan } = loaded;
  const { name: stepName, stage, directory: stageDirectory } = spec;
  if (!prepared)
    throw new PipelineError(
      `${stepName} needs its prepare step first; run \`fea-train prepare --stage ${stage}\`.`,
    );
  const engine = getEngine(spec.engine, stage);
  const { directory, ...dataset } = prepareValues(spec.prepared, prepared, runner.stateFile);
  const bridge = Object.keys(prepared.outputs).find((file) => file.endsWith('_reward.py'));
  const rewards = await startRewardServer(loaded, stage, options.dryRun === true);
  try {
    const engineCommand = engine.command({
      plan,
      stage,
      stageDirectory,
      dataset: {
        files: dataset.files.map((file) => (path.isAbsolute(file) ? file : path.join(directory, file))),
        rows: dataset.rows,
      },
      rewardBridge: bridge,
      rewardUrl: rewards.reward?.url,
      rewardToken: rewards.endpoint?.token,
      modelPath,
    });
    const command: TrainCommand = {
      engine: engineCommand,
      launched: withLauncher(engineCommand, launcherOf(plan, stage)),
    };
    // Bridges find the server through this file on workers that do not inherit FEA_REWARD_*.
    const settingsFile =
      rewards.reward && bridge
        ? await writeRewardSettings(path.dirname(bridge), {
            url: rewards.reward.url,
            token: rewards.endpoint?.token,
          })
        : undefined;
    if (options.dryRun) return await writeDryRun(context, spec, engine, command, rewards, settingsFile);
    return await launchAndExport(context, spec, engine, command, rewards.env);
  } finally {
    await rewards.close();
  }
}

function launcherOf(plan: Plan, stage: TrainSpec['stage']): readonly string[] | undefined {
  return (stage === 'sft' ? plan.stage1 : plan.stage2).launcher;
}

/** `--dry-run`: writes the files the command reads and hands the command back instead of running it. */
async function writeDryRun(
  { loaded, runner, dryRuns }: StepContext,
  spec: TrainSpec,
  engine: TrainingEngine,
  command: TrainCommand,
  rewards: RewardSetup,
  settingsFile: string | undefined,
): Promise<DryOutcome> {
  const { plan } = loaded;
  const launcher = launcherOf(plan, spec.stage);
  const { launched } = command;
  await mkdir(spec.directory, { recursive: true });
  for (const [file, content] of Object.entries(launched.files)) {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
  }
  dryRuns.push({
    step: spec.name,
    engine: engine.id,
    stage: spec.stage,
    directory: spec.directory,
    command: [launched.command, ...launched.args],
    env: { ...launched.env, ...rewards.env },
    files: [...Object.keys(launched.files), ...(settingsFile ? [settingsFile] : [])],
    rewardServer: rewards.endpoint && { ...rewards.endpoint, preset: plan.stage2.preset },
    steps: (command.engine.steps ?? []).map((item) =>
      item.when === 'after' && launcher ? { ...item, command: [...launcher, ...item.command] } : item,
    ),
    exportDirectory: command.engine.exportDirectory,
  });
  runner.markUntrained(spec.name);
  const values: TrainValues = { checkpoint: launched.exportDirectory ?? launched.outputDirectory };
  return { dry: true, reason: 'dry run: the engine was not started', values };
}

/**
 * Runs the engine, then its after steps (the verl/EasyR1 HF export): a failed or empty export
 * fails the step, so it is never recorded as done and a rerun retries it.
 */
async function launchAndExport(
  { loaded, options, runner }: StepContext,
  spec: TrainSpec,
  engine: TrainingEngine,
  command: TrainCommand,
  rewardEnv: Record<string, string>,
): Promise<StepDone> {
  const { name: stepName, directory: stageDirectory } = spec;
  const { launched } = command;
  const record = await launchEngine(engine, launched, {
    directory: stageDirectory,
    signal: options.signal,
    env: rewardEnv,
    onProgress: (progress) => runner.emit({ type: 'progress', step: stepName, progress }),
    onLine: (line) => runner.emit({ type: 'log', step: stepName, line }),
  });
  if (record.exitCode !== 0) {
    throw new EngineRunError(
      `${engine.id} ${record.interrupted ? 'was interrupted' : `exited with ${record.exitCode ?? record.signal}`}; ` +
        `see ${record.logFile}. Rerun to resume from this step.`,
    );
  }
  const afterSteps = (command.engine.steps ?? []).filter((item) => item.when === 'after');
  await runAfterSteps(command.engine, {
    directory: stageDirectory,
    logFile: record.logFile,
    launcher: launcherOf(loaded.plan, spec.stage),
    env: rewardEnv,
    signal: options.signal,
  });
  const outputs = [path.join(stageDirectory, 'launch.json')];
  if (afterSteps.length && launched.exportDirectory) {
    const config = path.join(launched.exportDirectory, 'config.json');
    try {
      await access(config);
    } catch {
      throw new EngineRunError(
        `${afterSteps.at(-1)!.description} finished but ${config} does not exist; see ${record.logFile}. Rerun to retry.`,
      );
    }
    outputs.push(config);
  }
  // What stage 3, the next SFT round and `vllm serve` load: the HF folder, never FSDP shards.
  const checkpoint = launched.exportDirectory ?? record.checkpoints.at(-1) ?? launched.outputDirectory;
  const values: TrainValues = {
    checkpoint,
    checkpoints: [...record.checkpoints],
    exportDirectory: launched.exportDirectory,
  };
  return { outputs, values };
}
