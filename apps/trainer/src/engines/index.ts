import { didYouMean } from '@facial-r1/facs';
import { FeaError } from '@facial-r1/spec';
import type { EngineId } from '../plan/plan-schema';
import type { Stage, TrainingEngine } from './engine';
import { easyR1Engine } from './easyr1-engine';
import { llamaFactoryEngine } from './llama-factory-engine';
import { openRlhfEngine } from './openrlhf-engine';
import { trlEngine } from './trl-engine';
import { verlEngine } from './verl-engine';

export type {
  EngineCommand,
  EngineProgress,
  EngineStep,
  LaunchContext,
  PreparedDataset,
  Stage,
  TrainingEngine,
} from './engine';
export { toTrainingExamples, type TrainingExample } from './training-example';

/** Every engine `fea-train` can feed, by id. */
export const ENGINES = {
  verl: verlEngine,
  trl: trlEngine,
  openrlhf: openRlhfEngine,
  easyr1: easyR1Engine,
  llamafactory: llamaFactoryEngine,
} as const satisfies Record<EngineId, TrainingEngine>;

/** The engine for `id`, checked against the stage; errors list what is supported. */
export function getEngine(id: string, stage: Stage): TrainingEngine {
  const engine = (ENGINES as Record<string, TrainingEngine>)[id];
  if (!engine) {
    throw new FeaError(
      'trainer/unknown-engine',
      `unknown engine "${id}"${didYouMean(id, Object.keys(ENGINES))}; known: ${Object.keys(ENGINES).join(', ')}`,
    );
  }
  if (!engine.stages.includes(stage)) {
    const able = Object.values(ENGINES)
      .filter((candidate) => (candidate.stages as readonly Stage[]).includes(stage))
      .map((candidate) => candidate.id);
    throw new FeaError(
      'trainer/unsupported-stage',
      `engine "${id}" does not run stage "${stage}"; use one of: ${able.join(', ')}`,
    );
  }
  return engine;
}
