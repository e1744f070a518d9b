import type { SftExample } from '@facial-r1/synthesis';
import { PipelineError } from '../errors';
import type { TrainingExample } from './training-example';

/** SFT needs a target: the sample's `description` (`<think>..</think><answer>..</answer>`). */
export function toSftExamples(examples: readonly TrainingExample[]): SftExample[] {
  return examples.map(({ sample, promptText }) => {
    if (!sample.description) {
      throw new PipelineError(
        `sample "${sample.id}" (${sample.dataset}) has no "description": SFT needs the target reasoning. ` +
          'Build a teacher set first (fea-train run, stage 1) or pass FEA JSONL with descriptions.',
      );
    }
    return { id: sample.id, image: sample.image, prompt: promptText, completion: sample.description };
  });
}
