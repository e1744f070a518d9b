import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeJsonlAtomic } from '@facial-r1/dataset';
import type { FeaModel } from '@facial-r1/runtime';
import { buildTeacherSet, synthesize } from '@facial-r1/synthesis';
import { collectSamples } from '../data/collect-samples';
import type { StepContext } from './run-types';
import { readSamples, readSftData } from './sft-data';
import type { StepRecord } from './state-store';
import type { StepSpec } from './step-table';
import type { CollectValues, SynthesizeValues, TeacherValues } from './step-values';

/** Resolves a model id the plan names; an id nothing resolves is an error at its plan line. */
async function resolvePlanModel(
  { loaded, options }: StepContext,
  fieldPath: readonly string[],
  id: string,
): Promise<FeaModel> {
  try {
    return await options.resolveModel(id);
  } catch (error) {
    throw loaded.errorAt(fieldPath, (error as Error).message, error);
  }
}

/** `collect`: the plan's datasets as one FEA JSONL of samples. */
export function collectStep(
  { loaded, runner }: StepContext,
  spec: Extract<StepSpec, { kind: 'collect' }>,
): Promise<StepRecord | null> {
  return runner.run(spec.name, { datasets: loaded.plan.datasets }, async () => {
    const samples = await collectSamples(loaded);
    if (samples.length === 0) throw loaded.errorAt(['datasets'], 'the datasets yielded no samples.');
    await writeJsonlAtomic(spec.file, samples);
    const values: CollectValues = { count: samples.length };
    return { outputs: [spec.file], values };
  });
}

/** `stage1/teacher`: the SFT set, from `stage1.data` or written by the teacher model. */
export function teacherStep(
  context: StepContext,
  spec: Extract<StepSpec, { kind: 'teacher' }>,
): Promise<StepRecord | null> {
  const { loaded, options, runner } = context;
  const { plan } = loaded;
  const teacherFile = spec.file;
  return runner.run(
    spec.name,
    { stage1: plan.stage1, samples: runner.result(spec.samples.step)?.outputs },
    async () => {
      await mkdir(path.dirname(teacherFile), { recursive: true });
      if (plan.stage1.data) {
        await writeJsonlAtomic(teacherFile, await readSftData(loaded, plan.stage1.data));
        const values: TeacherValues = { source: 'file' };
        return { outputs: [teacherFile], values };
      }
      if (!plan.stage1.teacher) {
        throw loaded.errorAt(
          ['stage1'],
          'stage1 needs "teacher" (a model id) or "data" (an FEA JSONL with descriptions).',
        );
      }
      const model = await resolvePlanModel(context, ['stage1', 'teacher'], plan.stage1.teacher);
      try {
        const manifest = await buildTeacherSet(await readSamples(spec.samples.file), model, {
          size: plan.stage1.size,
          retries: plan.stage1.retries,
          output: teacherFile,
          signal: options.signal,
          onProgress: (done: number, total: number) =>
            runner.emit({ type: 'progress', step: spec.name, progress: { done, total } }),
        });
        const values: TeacherValues = { manifest };
        return { outputs: [teacherFile], values };
      } finally {
        await model.dispose();
      }
    },
  );
}

/** A stage-3 synthesis round with `stage3.model`; a dry run never runs it (no trained model). */
export function synthesizeStep(
  context: StepContext,
  spec: Extract<StepSpec, { kind: 'synthesize' }>,
): Promise<StepRecord | null> {
  const { loaded, options, runner } = context;
  const { plan } = loaded;
  const { modelPath: model, modelStep } = runner.model(spec.model);
  const { previousRounds, file: roundFile } = spec;
  return runner.run(
    spec.name,
    {
      stage3: plan.stage3,
      model,
      modelStep,
      samples: runner.result(spec.samples.step)?.outputs,
      previousRounds,
    },
    async () => {
      if (!plan.stage3.model) {
        throw loaded.errorAt(
          ['stage3'],
          `stage3 needs "model": serve the stage-2 checkpoint (${model}) with vLLM and give its id, e.g. "openai:http://127.0.0.1:8000/v1#facial-r1".`,
        );
      }
      const synthesisModel = await resolvePlanModel(context, ['stage3', 'model'], plan.stage3.model);
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
            runner.emit({ type: 'progress', step: spec.name, progress: { done, total } }),
        });
        const values: SynthesizeValues = { manifest };
        return { outputs: [roundFile], values };
      } finally {
        await synthesisModel.dispose();
      }
    },
    runner.blockedBy(),
  );
}
