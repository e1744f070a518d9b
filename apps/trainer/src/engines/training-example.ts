import type { FeaSample } from '@facial-r1/dataset';
import { buildGrpoPrompt } from '@facial-r1/parsers';
import { encodeGroundTruth } from '@facial-r1/rewards';

/** One sample as every engine writer sees it: the user prompt is built once, here. */
export interface TrainingExample {
  /** The FEA sample (absolute `image` path). */
  readonly sample: FeaSample;
  /** The user turn's text without the image placeholder (the GRPO prompt of FACTS 4). */
  readonly promptText: string;
  /**
   * The ground truth the reward functions read: the sample's labels and AUs encoded by
   * `@facial-r1/rewards`' label codec (`encodeGroundTruth`), which the reward server and every
   * bridge decode. Every engine writer puts this string in its ground-truth column.
   */
  readonly groundTruth: string;
}

/** Options shared by every engine writer. */
export interface PromptOptions {
  /** Emotion list rendered into the prompt; default: the canonical eight. */
  readonly emotions?: readonly string[];
}

/** Builds the training examples of a sample list, sharing one prompt per emotion list. */
export function toTrainingExamples(
  samples: readonly FeaSample[],
  options: PromptOptions = {},
): TrainingExample[] {
  const promptCache = new Map<string, string>();
  return samples.map((sample) => {
    const question = sample.question?.replaceAll('<image>', '').trim() || undefined;
    const cacheKey = `${question ?? ''}\u0000${(options.emotions ?? []).join(',')}`;
    let promptText = promptCache.get(cacheKey);
    if (promptText === undefined) {
      promptText = buildGrpoPrompt({ question, emotions: options.emotions });
      promptCache.set(cacheKey, promptText);
    }
    return { sample, promptText, groundTruth: encodeGroundTruth(sample) };
  });
}
