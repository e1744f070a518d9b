import type { FeaModelV1, GenerateRequest, GenerateResult } from '@facial-r1/runtime';

/**
 * A deterministic local model for end-to-end tests (served over real HTTP): every face gets
 * the same AU-grounded happiness analysis, after an optional delay.
 */
export class FixedAnswerModel implements FeaModelV1 {
  readonly specificationVersion = 'v1' as const;
  readonly provider = 'local';
  readonly modelId = 'fixed-answer';
  constructor(private readonly delayMs = 0) {}
  async doGenerate(request: GenerateRequest): Promise<GenerateResult> {
    if (this.delayMs) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    const text =
      '<think>The cheeks are raised (AU6) and the lip corners are pulled up (AU12), a smile that indicates happiness.</think><answer>happiness</answer>';
    return {
      results: request.prompts.map(() => ({
        completions: [{ text, finishReason: 'stop' as const, completionTokens: 30 }],
        promptTokens: 500,
        timings: { prefillMs: 0, decodeMs: 0, totalMs: 0 },
      })),
    };
  }
  async dispose() {}
}
