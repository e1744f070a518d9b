import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { bridgeFiles } from '@facial-r1/rewards';
import { getEngine, toTrainingExamples } from '../engines/index';
import { engineViolations } from '../plan/check-engines';
import type { StepContext } from './run-types';
import { readSamples } from './sft-data';
import type { StepRecord } from './state-store';
import type { StepSpec } from './step-table';
import type { PrepareValues } from './step-values';

/**
 * A prepare step: converts the FEA JSONL of its source step into the engine's dataset (and, for
 * GRPO, copies the reward bridge beside it). A dry run runs it unless its source was not made.
 */
export function prepareStep(
  context: StepContext,
  spec: Extract<StepSpec, { kind: 'prepare' }>,
): Promise<StepRecord | null> {
  const { loaded, runner } = context;
  const { stage, engine: engineId } = spec;
  const embedImages = stage === 'grpo' && loaded.plan.stage2.embedImages === true;
  const source = runner.result(spec.source.step);
  return runner.run(
    spec.name,
    { engineId, stage, source: source?.outputs, ...(embedImages ? { embedImages } : {}) },
    () => writeEngineDataset(context, spec, embedImages),
    runner.blockedBy([spec.source.step]),
  );
}

async function writeEngineDataset(
  { loaded }: StepContext,
  spec: Extract<StepSpec, { kind: 'prepare' }>,
  embedImages: boolean,
) {
  const { name: stepName, stage, engine: engineId, directory } = spec;
  const engine = getEngine(engineId, stage);
  if (embedImages && engineId !== 'verl')
    throw loaded.errorAt(
      ['stage2', 'embedImages'],
      `only verl reads image bytes from its dataset; ${engineId} opens images by path.`,
    );
  const examples = toTrainingExamples(await readSamples(spec.source.file));
  // Refused before anything is written: a set the engine cannot train one step on.
  const rowProblem = engineViolations(loaded.plan, stage, engine, loaded.workDir, {
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
}
