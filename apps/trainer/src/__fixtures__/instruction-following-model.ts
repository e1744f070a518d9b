import type { FeaModelV1, GenerateRequest, GenerateResult } from '@facial-r1/runtime';

/**
 * A small deterministic local model for the synthesis step of `fea-train run` tests: it reads
 * the ground-truth hint of the synthesis prompt ("exactly these Action Units: ...", "final
 * answer must be: ...") and writes reasoning that cites those AUs and gives that answer.
 */
export class InstructionFollowingModel implements FeaModelV1 {
  readonly specificationVersion = 'v1' as const;
  readonly provider = 'local';
  readonly modelId = 'instruction-follower';

  async doGenerate(request: GenerateRequest): Promise<GenerateResult> {
    return {
      results: request.prompts.map((prompt) => {
        const message = prompt.messages.at(-1)!;
        const text =
          typeof message.content === 'string'
            ? message.content
            : message.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
        const aus =
          /exactly these Action Units: ([^;\n]+);/
            .exec(text)?.[1]
            ?.split(', ')
            .filter((au) => au.startsWith('AU')) ?? [];
        const answer = /final answer must be: ([a-z]+)\./.exec(text)?.[1] ?? 'neutral';
        const reasoning = `<think>Looking closely at the face, ${aus.map((au) => `the muscles of ${au} are active (${au})`).join(' and ')}, so the expression reads as ${answer}.</think><answer>${answer}</answer>`;
        return {
          completions: [{ text: reasoning, finishReason: 'stop' as const, completionTokens: 40 }],
          promptTokens: 100,
          timings: { prefillMs: 0, decodeMs: 0, totalMs: 0 },
        };
      }),
    };
  }

  async dispose() {}
}
