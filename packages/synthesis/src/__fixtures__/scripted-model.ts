import type { FeaModelV1, GenerateRequest, GenerateResult } from '@facial-r1/runtime';

/**
 * A scripted model for tests: implements the runtime interface and answers each prompt with
 * `script(promptText, callNumberForThisImage)`. The one place a test double is right: the
 * acceptance logic needs controlled outputs.
 */
export class ScriptedModel implements FeaModelV1 {
  readonly specificationVersion = 'v1' as const;
  readonly provider = 'scripted';
  readonly modelId: string;
  readonly prompts: string[] = [];
  private readonly calls = new Map<string, number>();

  constructor(
    private readonly script: (prompt: string, call: number, image: string) => string | string[],
    modelId = 'scripted-model',
  ) {
    this.modelId = modelId;
  }

  async doGenerate(request: GenerateRequest): Promise<GenerateResult> {
    return {
      results: request.prompts.map((prompt) => {
        const message = prompt.messages.at(-1)!;
        const text =
          typeof message.content === 'string'
            ? message.content
            : message.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
        const image = String(prompt.images?.[0] ?? '');
        const call = (this.calls.get(image) ?? 0) + 1;
        this.calls.set(image, call);
        this.prompts.push(text);
        const output = this.script(text, call, image);
        const outputs = Array.isArray(output)
          ? output
          : Array.from({ length: request.sampling?.n ?? 1 }, () => output);
        return {
          completions: outputs.map((completion) => ({
            text: completion,
            finishReason: 'stop' as const,
            completionTokens: completion.length,
          })),
          promptTokens: text.length,
          timings: { prefillMs: 0, decodeMs: 0, totalMs: 0 },
        };
      }),
    };
  }

  async dispose(): Promise<void> {}
}

/** A well-formed completion citing `aus` and answering `emotion`. */
export const completion = (aus: readonly string[], emotion: string, extra = '') =>
  `<think>The face shows ${aus.map((au) => `a clear movement (${au})`).join(' and ')}${extra}, and together these point to ${emotion} in this face.</think><answer>${emotion}</answer>`;
