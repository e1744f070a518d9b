import { MockModel } from '@facial-r1/spec/test';

/**
 * A scripted model for tests: the shared `MockModel` answering each prompt with
 * `script(promptText, callNumberForThisImage, image)`. The one place a test double is right:
 * the acceptance logic needs controlled outputs.
 */
export class ScriptedModel extends MockModel {
  constructor(
    script: (prompt: string, call: number, image: string) => string | string[],
    modelId = 'scripted-model',
  ) {
    super({ provider: 'scripted', modelId, respond: ({ text, call, image }) => script(text, call, image) });
  }
}

/** A well-formed completion citing `aus` and answering `emotion`. */
export const completion = (aus: readonly string[], emotion: string, extra = '') =>
  `<think>The face shows ${aus.map((au) => `a clear movement (${au})`).join(' and ')}${extra}, and together these point to ${emotion} in this face.</think><answer>${emotion}</answer>`;
