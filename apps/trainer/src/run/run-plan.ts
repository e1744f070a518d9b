import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type FeaSample, readFeaJsonl, writeJsonlAtomic } from '@facial-r1/dataset';
import { bridgePath, createRewardServer } from '@facial-r1/rewards';
import type { FeaModel } from '@facial-r1/runtime';
import { buildTeacherSet, synthesize } from '@facial-r1/synthesis';
import { collectSamples } from '../data/collect-samples';
import {
  type EngineCommand,
  type EngineProgress,
  getEngine,
  type PreparedDataset,
  type Stage,
  toTrainingExamples,
} from '../engines/index';
import { EngineRunError, PipelineError } from '../errors';
import { launchEngine } from '../launch/launch-engine';
import type { LoadedPlan } from '../plan/load-plan';
import { hashValue, StateStore, type StepRecord } from './state-store';

/** What happens during a run, for progress displays and logs. */
export type RunEvent =
  | { readonly type: 'step-skipped'; readonly step: string }
  | { readonly type: 'step-started'; readonly step: string }
  | { readonly type: 'step-finished'; readonly step: string; readonly record: StepRecord }
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
  /** Skip launching engines; record the command instead (`--dry-run`). */
  readonly dryRun?: boolean;
  /**
   * Run only these steps. Other steps are not run; their recorded results are used when the
   * state file has them (stage 2 trains from `baseModel` when no SFT checkpoint is recorded).
   */
  readonly only?: readonly string[];
}

/** The result of {@link runPlan}. */
export interface RunResult {
  readonly steps: readonly { readonly step: string; readonly skipped: boolean }[];
  readonly stateFile: string;
  /** True when `stopAfter` ended the run early. */
  readonly stopped: boolean;
}

class StopRequested extends Error {}

/** The names of the steps a plan runs, in order. */
export function planSteps(loaded: LoadedPlan): string[] {
  const steps = [
    'collect',
    'stage1/teacher',
    'stage1/prepare',
    'stage1/train',
    'stage2/prepare',
    'stage2/train',
  ];
  for (let round = 1; round <= loaded.plan.stage3.rounds; round += 1) {
    const prefix = `stage3/round-${round}`;
    steps.push(
      `${prefix}/synthesize`,
      `${prefix}/sft-prepare`,
      `${prefix}/sft-train`,
      `${prefix}/grpo-prepare`,
      `${prefix}/grpo-train`,
    );
  }
  return steps;
}

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
  const visited: { step: string; skipped: boolean }[] = [];
  const emit = (event: RunEvent) => options.onEvent?.(event);

  async function step(
    name: string,
    inputs: unknown,
    work: () => Promise<{ outputs: string[]; values?: Record<string, unknown> }>,
  ): Promise<StepRecord | null> {
    if (options.only && !options.only.includes(name)) return store.snapshot.steps[name] ?? null;
    if (options.signal?.aborted)
      throw new EngineRunError('run interrupted; rerun the same command to resume.');
    const inputsHash = hashValue(inputs);
    const done = await store.upToDate(name, inputsHash);
    if (done) {
      visited.push({ step: name, skipped: true });
      emit({ type: 'step-skipped', step: name });
    } else {
      emit({ type: 'step-started', step: name });
      const result = await work();
      const record = await store.complete(name, inputsHash, result.outputs, result.values);
      visited.push({ step: name, skipped: false });
      emit({ type: 'step-finished', step: name, record });
    }
    if (options.stopAfter === name) throw new StopRequested();
    return store.snapshot.steps[name] ?? null;
  }

  const readSamples = async (file: string): Promise<FeaSample[]> => {
    const samples: FeaSample[] = [];
    for await (const sample of readFeaJsonl(file)) samples.push(sample);
    return samples;
  };

  async function prepare(
    stepName: string,
    stage: Stage,
    engineId: string,
    sourceStep: StepRecord | null,
    source: string,
  ) {
    const directory = path.join(workDir, stepName.replace(/\/[^/]+$/, ''), `${stage}-data`);
    return step(stepName, { engineId, stage, source: sourceStep?.outputs }, async () => {
      const engine = getEngine(engineId, stage);
      const examples = toTrainingExamples(await readSamples(source));
      const prepared = await engine.writeDataset({ train: examples }, directory, { stage });
      const outputs = [...prepared.files];
      if (stage === 'grpo' && engineId !== 'openrlhf') {
        const bridgeEngine = engineId === 'easyr1' ? 'easyr1' : engineId === 'trl' ? 'trl' : 'verl';
        const bridge = path.join(directory, path.basename(bridgePath(bridgeEngine)));
        await copyFile(bridgePath(bridgeEngine), bridge);
        outputs.push(bridge);
      }
      return { outputs, values: { files: prepared.files, rows: prepared.rows, directory } };
    });
  }

  // `modelStep`: the inputs hash of the step that produced `modelPath`. A retrained checkpoint
  // keeps its path, so downstream steps hash the producing step, not just the path.
  async function train(
    stepName: string,
    stage: Stage,
    engineId: string,
    prepared: StepRecord | null,
    modelPath: string,
    modelStep?: string,
  ) {
    const stageDirectory = path.join(workDir, stepName.replace(/\/[^/]+$/, ''), stage);
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
        const dataset: PreparedDataset = {
          files: prepared.values.files as string[],
          rows: prepared.values.rows as Record<string, number>,
        };
        const directory = prepared.values.directory as string;
        const bridge = Object.keys(prepared.outputs).find((file) => file.endsWith('.py'));
        const server =
          stage === 'grpo' && !options.dryRun
            ? createRewardServer({ preset: plan.stage2.preset, port: plan.stage2.rewardPort })
            : undefined;
        const listening = await server?.listen();
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
            rewardUrl: listening?.url ?? `http://127.0.0.1:${plan.stage2.rewardPort}`,
            modelPath,
          });
          if (section.launcher) {
            const [program, ...prefix] = section.launcher;
            command = { ...command, command: program!, args: [...prefix, command.command, ...command.args] };
          }
          if (options.dryRun) {
            return {
              outputs: [],
              values: { checkpoint: command.outputDirectory, command: [command.command, ...command.args] },
            };
          }
          const record = await launchEngine(engine, command, {
            directory: stageDirectory,
            signal: options.signal,
            env: listening ? { FEA_REWARD_URL: listening.url } : {},
            onProgress: (progress) => emit({ type: 'progress', step: stepName, progress }),
            onLine: (line) => emit({ type: 'log', step: stepName, line }),
          });
          if (record.exitCode !== 0) {
            throw new EngineRunError(
              `${engine.id} ${record.interrupted ? 'was interrupted' : `exited with ${record.exitCode ?? record.signal}`}; ` +
                `see ${record.logFile}. Rerun to resume from this step.`,
            );
          }
          const checkpoint = record.checkpoints.at(-1) ?? command.outputDirectory;
          return {
            outputs: [path.join(stageDirectory, 'launch.json')],
            values: { checkpoint, checkpoints: record.checkpoints },
          };
        } finally {
          await server?.close();
        }
      },
    );
  }

  try {
    const samplesFile = path.join(workDir, 'data', 'samples.jsonl');
    const collected = await step('collect', { datasets: plan.datasets }, async () => {
      const samples = await collectSamples(loaded);
      if (samples.length === 0)
        throw new PipelineError('the plan\'s datasets yielded no samples; check "datasets".');
      await writeJsonlAtomic(samplesFile, samples);
      return { outputs: [samplesFile], values: { count: samples.length } };
    });

    const teacherFile = path.join(workDir, 'stage1', 'teacher.jsonl');
    const teacher = await step(
      'stage1/teacher',
      { stage1: plan.stage1, samples: collected?.outputs },
      async () => {
        await mkdir(path.dirname(teacherFile), { recursive: true });
        if (plan.stage1.data) {
          await writeJsonlAtomic(teacherFile, await readSamples(loaded.resolve(plan.stage1.data)));
          return { outputs: [teacherFile], values: { source: 'file' } };
        }
        if (!plan.stage1.teacher) {
          throw new PipelineError(
            'stage1 needs "teacher" (a model id) or "data" (an FEA JSONL with descriptions).',
          );
        }
        const model = await options.resolveModel(plan.stage1.teacher);
        try {
          const manifest = await buildTeacherSet(await readSamples(samplesFile), model, {
            size: plan.stage1.size,
            retries: plan.stage1.retries,
            output: teacherFile,
            signal: options.signal,
            onProgress: (done: number, total: number) =>
              emit({ type: 'progress', step: 'stage1/teacher', progress: { done, total } }),
          });
          return { outputs: [teacherFile], values: { manifest } };
        } finally {
          await model.dispose();
        }
      },
    );

    const sftData = await prepare('stage1/prepare', 'sft', plan.stage1.engine, teacher, teacherFile);
    const sft = await train('stage1/train', 'sft', plan.stage1.engine, sftData, plan.baseModel);
    const grpoData = await prepare('stage2/prepare', 'grpo', plan.stage2.engine, collected, samplesFile);
    const grpo = await train(
      'stage2/train',
      'grpo',
      plan.stage2.engine,
      grpoData,
      (sft?.values.checkpoint as string) ?? plan.baseModel,
      sft?.inputsHash,
    );
    let model = (grpo?.values.checkpoint as string) ?? plan.baseModel;
    let modelStep = grpo?.inputsHash;

    const previousRounds: string[] = [];
    for (let round = 1; round <= plan.stage3.rounds; round += 1) {
      const prefix = `stage3/round-${round}`;
      const roundFile = path.join(workDir, 'stage3', `round-${round}`, 'synthesized.jsonl');
      const synthesized = await step(
        `${prefix}/synthesize`,
        { stage3: plan.stage3, model, modelStep, samples: collected?.outputs, previousRounds },
        async () => {
          if (!plan.stage3.model) {
            throw new PipelineError(
              `stage3 needs "model": serve the stage-2 checkpoint (${model}) with vLLM and give its id, e.g. "openai:http://127.0.0.1:8000/v1#facial-r1".`,
            );
          }
          const synthesisModel = await options.resolveModel(plan.stage3.model);
          try {
            const manifest = await synthesize(await readSamples(samplesFile), synthesisModel, {
              output: roundFile,
              retries: plan.stage3.retries,
              auRule: plan.stage3.auRule,
              minAuF1: plan.stage3.minAuF1,
              concurrency: plan.stage3.concurrency,
              previousRounds,
              signal: options.signal,
              onProgress: (done: number, total: number) =>
                emit({ type: 'progress', step: `${prefix}/synthesize`, progress: { done, total } }),
            });
            return { outputs: [roundFile], values: { manifest } };
          } finally {
            await synthesisModel.dispose();
          }
        },
      );
      previousRounds.push(roundFile);
      const roundSft = await prepare(
        `${prefix}/sft-prepare`,
        'sft',
        plan.stage1.engine,
        synthesized,
        roundFile,
      );
      const retrained = await train(
        `${prefix}/sft-train`,
        'sft',
        plan.stage1.engine,
        roundSft,
        model,
        modelStep,
      );
      const roundGrpo = await prepare(
        `${prefix}/grpo-prepare`,
        'grpo',
        plan.stage2.engine,
        collected,
        samplesFile,
      );
      const roundModel = (retrained?.values.checkpoint as string) ?? model;
      const trained = await train(
        `${prefix}/grpo-train`,
        'grpo',
        plan.stage2.engine,
        roundGrpo,
        roundModel,
        retrained?.inputsHash ?? modelStep,
      );
      model = (trained?.values.checkpoint as string) ?? roundModel;
      modelStep = trained?.inputsHash ?? modelStep;
    }
    return { steps: visited, stateFile: store.file, stopped: false };
  } catch (error) {
    if (error instanceof StopRequested) return { steps: visited, stateFile: store.file, stopped: true };
    throw error;
  }
}
