import path from 'node:path';
import type { FeaModelV1, GenerateRequest, GenerateResult } from '@facial-r1/runtime';

/**
 * A deterministic local model that reports an error (finishReason "error" with a reason, as the
 * face baseline does when it finds no face) for the images whose file name is in `failing`,
 * and answers "happiness" for the others. Counts the images it was asked about.
 */
export class FlakyModel implements FeaModelV1 {
  readonly specificationVersion = 'v1' as const;
  readonly provider = 'local';
  readonly modelId = 'flaky';
  readonly asked: string[] = [];
  constructor(public failing: Set<string>) {}
  async doGenerate(request: GenerateRequest): Promise<GenerateResult> {
    return {
      results: request.prompts.map((prompt) => {
        const image = String(prompt.images?.[0] ?? '');
        this.asked.push(path.basename(image));
        const fails = this.failing.has(path.basename(image));
        return {
          completions: [
            fails
              ? {
                  text: '',
                  finishReason: 'error' as const,
                  completionTokens: 0,
                  providerMetadata: { error: 'no face found' },
                }
              : {
                  text: '<think>The cheeks are raised (AU6) and the lip corners pulled up (AU12).</think><answer>happiness</answer>',
                  finishReason: 'stop' as const,
                  completionTokens: 20,
                },
          ],
          promptTokens: 10,
          timings: { prefillMs: 0, decodeMs: 0, totalMs: 0 },
        };
      }),
    };
  }
  async dispose() {}
}
