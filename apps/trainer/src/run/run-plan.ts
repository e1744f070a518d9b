import { access, copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type FeaSample, readFeaJsonl, resolveImagePath, writeJsonlAtomic } from '@facial-r1/dataset';
import { bridgeFiles, createRewardServer } from '@facial-r1/rewards';
import type { FeaModel } from '@facial-r1/runtime';
import { buildTeacherSet, synthesize } from '@facial-r1/synthesis';
import { collectSamples } from '../data/collect-samples';
import {
  type EngineCommand,
  type EngineProgress,
  type EngineStep,
  getEngine,
  type Stage,
  toTrainingExamples,
} from '../engines/index';
import { EngineRunError, PipelineError } from '../errors';
import { runAfterSteps } from '../engines/engine-steps';
import { launchEngine } from '../launch/launch-engine';
import { engineViolations } from '../plan/check-engines';
import type { LoadedPlan } from '../plan/load-plan';
import { type RewardEndpoint, rewardEndpoint, writeRewardSettings } from './reward-endpoint';
import { hashValue, StateStore, type StepRecord } from './state-store';
import { type ModelSource, type StepSpec, stepTable } from './step-table';
import {
  type PrepareValues,
  prepareValues,
  type StepValues,
  type TrainValues,
  trainValues,
} from './step-values';

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

class StopRequested extends Error {}

export { planSteps } from './step-table';

/**
 * Runs a plan's three stages as a resumable state machine. Each step's inputs (its plan
 * section and the outputs of the steps it reads) are hashed; a step is skipped when the state
 * file has it done with the same inputs hash and its outputs are unchanged on disk, and redone
 * otherwise - so a rerun after an interruption continues where it stopped, and a changed plan
 * section redoes that step and everything downstream of it.
 */
export async function runPlan(loaded: LoadedPlan, options: RunOptions): Promise<RunResult> {
  const { plan, workDir } = loaded;
  await mkdir(workDir, { recursive: true });
  const store = await StateStore.open(workDir);
  const visited: { step: string; skipped: boolean; dry?: boolean }[] = [];
  const dryRuns: DryRunCommand[] = [];
  const emit = (event: RunEvent) => options.onEvent?.(event);
  // Set once a dry run has not trained a model: every later step that needs it is not run.
  let dryModel: string | undefined;
  // Each step's result by name: what later steps read (null: not run, and nothing recorded).
  const results = new Map<string, StepRecord | null>();

  /** What a dry run leaves unrecorded: the step's would-be values, and why it did not run. */
  interface DryOutcome {
    readonly dry: true;
    readonly reason: string;
    readonly values?: StepValues;
  }

  async function step(
    name: string,
    inputs: unknown,
    work: () => Promise<{ outputs: string[]; values: StepValues } | DryOutcome>,
    dryBlocked?: string,
  ): Promise<StepRecord | null> {
    if (options.only && !options.only.includes(name)) return store.snapshot.steps[name] ?? null;
    if (options.signal?.aborted)
      throw new EngineRunError('run interrupted; rerun the same command to resume.');
    const inputsHash = hashValue(inputs);
    const done = await store.upToDate(name, inputsHash);
    let transient: StepRecord | null = null;
    if (done) {
      visited.push({ step: name, skipped: true });
      emit({ type: 'step-skipped', step: name });
    } else if (options.dryRun && dryBlocked) {
      visited.push({ step: name, skipped: false, dry: true });
      emit({
        type: 'step-dry',
        step: name,
        reason: `needs what ${dryBlocked} trains, and a dry run starts no engine`,
      });
      return null;
    } else {
      emit({ type: 'step-started', step: name });
      const result = await work();
      if ('dry' in result) {
        visited.push({ step: name, skipped: false, dry: true });
        emit({ type: 'step-dry', step: name, reason: result.reason });
        transient = { inputsHash, outputs: {}, values: result.values ?? {}, finishedAt: '' };
      } else {
        const record = await store.complete(name, inputsHash, result.outputs, result.values);
        visited.push({ step: name, skipped: false });
        emit({ type: 'step-finished', step: name, record });
      }
    }
    if (options.stopAfter === name) throw new StopRequested();
    return transient ?? store.snapshot.steps[name] ?? null;
  }

  const readSamples = async (file: string): Promise<FeaSample[]> => {
    const samples: FeaSample[] = [];
    for await (const sample of readFeaJsonl(file)) samples.push(sample);
    return samples;
  };

  /**
   * The SFT set of `stage1.data` with absolute image paths: each relative `image` is looked
   * up beside the file (and in its `images/`), then in the plan's datasets' image folders. Engines
   * resolve relative paths against their own folders (LLaMA-Factory `media_dir`, TRL the
   * working directory), where these would not be found.
   */
  const readSftData = async (relative: string): Promise<FeaSample[]> => {
    const file = loaded.resolve(relative);
    const roots = [path.dirname(file), path.join(path.dirname(file), 'images')];
    for (const dataset of plan.datasets) {
      if ('jsonl' in dataset) {
        const images = [dataset.images ?? []].flat().map((root) => loaded.resolve(root));
        roots.push(...(images.length ? images : [path.dirname(loaded.resolve(dataset.jsonl))]));
      } else roots.push(loaded.resolve(dataset.root), path.join(loaded.resolve(dataset.root), 'images'));
    }
    let samples: FeaSample[];
    try {
      samples = await readSamples(file);
    } catch (error) {
      throw loaded.errorAt(['stage1', 'data'], `cannot read ${file}: ${(error as Error).message}`, error);
    }
    const resolved: FeaSample[] = [];
    for (const sample of samples) {
      try {
        resolved.push({ ...sample, image: await resolveImagePath(sample.image, roots) });
      } catch (error) {
        throw loaded.errorAt(
          ['stage1', 'data'],
          `sample "${sample.id}" of ${file}: ${(error as Error).message}`,
          error,
        );
      }
    }
    return resolved;
  };

  /** Resolves a model id the plan names; an id nothing resolves is an error at its plan line. */
  const resolvePlanModel = async (fieldPath: readonly string[], id: string) => {
    try {
      return await options.resolveModel(id);
    } catch (error) {
      throw loaded.errorAt(fieldPath, (error as Error).message, error);
    }
  };

  async function prepare(
    spec: Extract<StepSpec, { kind: 'prepare' }>,
    sourceStep: StepRecord | null,
    blocked: string | undefined,
  ) {
    const { name: stepName, stage, engine: engineId, directory } = spec;
    const source = spec.source.file;
    const embedImages = stage === 'grpo' && plan.stage2.embedImages === true;
    return step(
      stepName,
      { engineId, stage, source: sourceStep?.outputs, ...(embedImages ? { embedImages } : {}) },
      async () => {
        const engine = getEngine(engineId, stage);
        if (embedImages && engineId !== 'verl')
          throw loaded.errorAt(
            ['stage2', 'embedImages'],
            `only verl reads image bytes from its dataset; ${engineId} opens images by path.`,
          );
        const examples = toTrainingExamples(await readSamples(source));
        // Refused before anything is written: a set the engine cannot train one step on.
        const rowProblem = engineViolations(plan, stage, engine, workDir, {
          trainRows: examples.length,
        }).find((violation) => violation.message.includes('training rows'));
        if (rowProblem) {
          throw loaded.errorAt(
            (rowProblem.planField ?? (stage === 'sft' ? 'stage1.engine' : 'stage2.engine')).split('.'),
            `${stepName}: ${rowProblem.message} (${rowProblem.source}). Lower the batch size to at most ${examples.length} or add data.`,
          );
        }
        const prepared = await engine.writeDataset({ train: examples }, directory, { stage, embedImages });
        const outputs = [...prepared.files];
        if (stage === 'grpo' && engineId !== 'openrlhf') {
          // The bridge and every module it imports travel together: the folder is self-contained.
          const bridgeEngine = engineId === 'easyr1' ? 'easyr1' : engineId === 'trl' ? 'trl' : 'verl';
          for (const file of bridgeFiles(bridgeEngine)) {
            const copy = path.join(directory, path.basename(file));
            await copyFile(file, copy);
            outputs.push(copy);
          }
        }
        const values: PrepareValues = { files: [...prepared.files], rows: { ...prepared.rows }, directory };
        return { outputs, values };
      },
      blocked,
    );
  }

  // `modelStep`: the inputs hash of the step that produced `modelPath`. A retrained checkpoint
  // keeps its path, so downstream steps hash the producing step, not just the path.
  async function train(
    spec: Extract<StepSpec, { kind: 'train' }>,
    prepared: StepRecord | null,
    modelPath: string,
    modelStep: string | undefined,
    /** Dry run: the step whose untrained model this one would start from. */
    blocked: string | undefined,
  ) {
    const { name: stepName, stage, engine: engineId, directory: stageDirectory } = spec;
    const section = stage === 'sft' ? plan.stage1 : plan.stage2;
    return step(
      stepName,
      {
        engineId,
        section,
        hardware: plan.hardware,
        baseModel: plan.baseModel,
        modelPath,
        modelStep,
        prepared: prepared?.outputs,
      },
      async () => {
        if (!prepared)
          throw new PipelineError(
            `${stepName} needs its prepare step first; run \`fea-train prepare --stage ${stage}\`.`,
          );
        const engine = getEngine(engineId, stage);
        const { directory, ...dataset } = prepareValues(spec.prepared, prepared, store.file);
        const bridge = Object.keys(prepared.outputs).find((file) => file.endsWith('_reward.py'));
        const endpoint = stage === 'grpo' ? rewardEndpoint(plan) : undefined;
        let server: ReturnType<typeof createRewardServer> | undefined;
        try {
          server =
            endpoint && !options.dryRun
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
        const rewardEnv: Record<string, string> = reward
          ? { FEA_REWARD_URL: reward.url, ...(endpoint?.token ? { FEA_REWARD_TOKEN: endpoint.token } : {}) }
          : {};
        try {
          let command: EngineCommand = engine.command({
            plan,
            stage,
            stageDirectory,
            dataset: {
              files: dataset.files.map((file) => (path.isAbsolute(file) ? file : path.join(directory, file))),
              rows: dataset.rows,
            },
            rewardBridge: bridge,
            rewardUrl: reward?.url,
            rewardToken: endpoint?.token,
            modelPath,
          });
          // The engine's own command, before the launcher prefix: its after steps go through the
          // launcher the same way (runAfterSteps adds it in a real run).
          const engineCommand = command;
          if (section.launcher) {
            const [program, ...prefix] = section.launcher;
            command = { ...command, command: program!, args: [...prefix, command.command, ...command.args] };
          }
          // Bridges find the server through this file on workers that do not inherit FEA_REWARD_*.
          const settingsFile =
            reward && bridge
              ? await writeRewardSettings(path.dirname(bridge), {
                  url: reward.url,
                  token: endpoint?.token,
                })
              : undefined;
          if (options.dryRun) {
            await mkdir(stageDirectory, { recursive: true });
            for (const [file, content] of Object.entries(command.files)) {
              await mkdir(path.dirname(file), { recursive: true });
              await writeFile(file, content);
            }
            dryRuns.push({
              step: stepName,
              engine: engine.id,
              stage,
              directory: stageDirectory,
              command: [command.command, ...command.args],
              env: { ...command.env, ...rewardEnv },
              files: [...Object.keys(command.files), ...(settingsFile ? [settingsFile] : [])],
              rewardServer: endpoint && { ...endpoint, preset: plan.stage2.preset },
              steps: (engineCommand.steps ?? []).map((item) =>
                item.when === 'after' && section.launcher
                  ? { ...item, command: [...section.launcher, ...item.command] }
                  : item,
              ),
              exportDirectory: engineCommand.exportDirectory,
            });
            dryModel ??= stepName;
            return {
              dry: true as const,
              reason: 'dry run: the engine was not started',
              values: {
                checkpoint: command.exportDirectory ?? command.outputDirectory,
              } satisfies TrainValues,
            };
          }
          const record = await launchEngine(engine, command, {
            directory: stageDirectory,
            signal: options.signal,
            env: rewardEnv,
            onProgress: (progress) => emit({ type: 'progress', step: stepName, progress }),
            onLine: (line) => emit({ type: 'log', step: stepName, line }),
          });
          if (record.exitCode !== 0) {
            throw new EngineRunError(
              `${engine.id} ${record.interrupted ? 'was interrupted' : `exited with ${record.exitCode ?? record.signal}`}; ` +
                `see ${record.logFile}. Rerun to resume from this step.`,
            );
          }
          // The HF export (verl/EasyR1 model merger): a failed or empty export fails the step, so
          // it is never recorded as done and a rerun retries it.
          const afterSteps = (engineCommand.steps ?? []).filter((item) => item.when === 'after');
          await runAfterSteps(engineCommand, {
            directory: stageDirectory,
            logFile: record.logFile,
            launcher: section.launcher,
            env: rewardEnv,
            signal: options.signal,
          });
          const outputs = [path.join(stageDirectory, 'launch.json')];
          if (afterSteps.length && command.exportDirectory) {
            const config = path.join(command.exportDirectory, 'config.json');
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
          const checkpoint = command.exportDirectory ?? record.checkpoints.at(-1) ?? command.outputDirectory;
          return {
            outputs,
            values: {
              checkpoint,
              checkpoints: [...record.checkpoints],
              exportDirectory: command.exportDirectory,
            } satisfies TrainValues,
          };
        } finally {
          await server?.close();
        }
      },
      blocked,
    );
  }

  function teacherStep(spec: Extract<StepSpec, { kind: 'teacher' }>) {
    const teacherFile = spec.file;
    return step(
      spec.name,
      { stage1: plan.stage1, samples: results.get(spec.samples.step)?.outputs },
      async () => {
        await mkdir(path.dirname(teacherFile), { recursive: true });
        if (plan.stage1.data) {
          await writeJsonlAtomic(teacherFile, await readSftData(plan.stage1.data));
          return { outputs: [teacherFile], values: { source: 'file' } };
        }
        if (!plan.stage1.teacher) {
          throw loaded.errorAt(
            ['stage1'],
            'stage1 needs "teacher" (a model id) or "data" (an FEA JSONL with descriptions).',
          );
        }
        const model = await resolvePlanModel(['stage1', 'teacher'], plan.stage1.teacher);
        try {
          const manifest = await buildTeacherSet(await readSamples(spec.samples.file), model, {
            size: plan.stage1.size,
            retries: plan.stage1.retries,
            output: teacherFile,
            signal: options.signal,
            onProgress: (done: number, total: number) =>
              emit({ type: 'progress', step: spec.name, progress: { done, total } }),
          });
          return { outputs: [teacherFile], values: { manifest } };
        } finally {
          await model.dispose();
        }
      },
    );
  }

  function synthesizeStep(spec: Extract<StepSpec, { kind: 'synthesize' }>, blocked: string | undefined) {
    const { modelPath: model, modelStep } = resolveModel(spec.model);
    const roundFile = spec.file;
    const previousRounds = spec.previousRounds;
    return step(
      spec.name,
      {
        stage3: plan.stage3,
        model,
        modelStep,
        samples: results.get(spec.samples.step)?.outputs,
        previousRounds,
      },
      async () => {
        if (!plan.stage3.model) {
          throw loaded.errorAt(
            ['stage3'],
            `stage3 needs "model": serve the stage-2 checkpoint (${model}) with vLLM and give its id, e.g. "openai:http://127.0.0.1:8000/v1#facial-r1".`,
          );
        }
        const synthesisModel = await resolvePlanModel(['stage3', 'model'], plan.stage3.model);
        try {
          const manifest = await synthesize(await readSamples(spec.samples.file), synthesisModel, {
            output: roundFile,
            retries: plan.stage3.retries,
            auRule: plan.stage3.auRule,
            minAuF1: plan.stage3.minAuF1,
            concurrency: plan.stage3.concurrency,
            previousRounds: [...previousRounds],
            signal: options.signal,
            onProgress: (done: number, total: number) =>
              emit({ type: 'progress', step: spec.name, progress: { done, total } }),
          });
          return { outputs: [roundFile], values: { manifest } };
        } finally {
          await synthesisModel.dispose();
        }
      },
      blocked,
    );
  }

  /** The checkpoint and inputs hash of a step's starting model (see {@link ModelSource}). */
  const resolveModel = (source: ModelSource) => {
    const pathStep = source.path.find((name) => results.get(name));
    const hashStep = source.step.map((name) => results.get(name)).find((record) => record);
    return {
      modelPath: pathStep
        ? trainValues(pathStep, results.get(pathStep)!, store.file).checkpoint
        : plan.baseModel,
      modelStep: hashStep?.inputsHash,
    };
  };
  const blockedBy = (needs: readonly string[]) =>
    needs.some((name) => !results.get(name)) ? dryModel : undefined;

  try {
    for (const spec of stepTable(loaded)) {
      let record: StepRecord | null;
      switch (spec.kind) {
        case 'collect':
          record = await step('collect', { datasets: plan.datasets }, async () => {
            const samples = await collectSamples(loaded);
            if (samples.length === 0) throw loaded.errorAt(['datasets'], 'the datasets yielded no samples.');
            await writeJsonlAtomic(spec.file, samples);
            return { outputs: [spec.file], values: { count: samples.length } };
          });
          break;
        case 'teacher':
          record = await teacherStep(spec);
          break;
        case 'prepare':
          record = await prepare(spec, results.get(spec.source.step) ?? null, blockedBy([spec.source.step]));
          break;
        case 'train': {
          const { modelPath, modelStep } = resolveModel(spec.model);
          record = await train(
            spec,
            results.get(spec.prepared) ?? null,
            modelPath,
            modelStep,
            blockedBy(spec.needs),
          );
          break;
        }
        case 'synthesize':
          record = await synthesizeStep(spec, dryModel);
          break;
      }
      results.set(spec.name, record);
    }
    return { steps: visited, dryRuns, stateFile: store.file, stopped: false };
  } catch (error) {
    if (error instanceof StopRequested)
      return { steps: visited, dryRuns, stateFile: store.file, stopped: true };
    throw error;
  }
}
