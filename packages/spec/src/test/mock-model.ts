import type { FeaModelV1, GenerateRequest, GenerateResult } from '../model';

/** What {@link MockModel}'s `respond` sees of one prompt. */
export interface MockPrompt {
  /** The text of the prompt's last message (text parts joined). */
  readonly text: string;
  /** The first image as a string (a path), or '' when there is none. */
  readonly image: string;
  /** 1 for the first prompt with this image (or this text when there is no image), 2 for the next, ... */
  readonly call: number;
  /** The whole request. */
  readonly request: GenerateRequest;
}

/** Options of {@link MockModel}. */
export interface MockModelOptions {
  /**
   * The completion for a prompt: one text (repeated `n` times) or `n` texts; may throw to fail
   * the request. Default: {@link MOCK_ANSWER}.
   */
  readonly respond?: (prompt: MockPrompt) => string | readonly string[] | Promise<string | readonly string[]>;
  /** Wait this long before answering (to observe concurrency and interruption). */
  readonly delayMs?: number;
  readonly provider?: string;
  readonly modelId?: string;
}

/** The default answer: a well-formed, AU-grounded happiness analysis. */
export const MOCK_ANSWER =
  '<think>The cheeks are raised (AU6) and the lip corners are pulled up (AU12), a smile that indicates happiness.</think><answer>happiness</answer>';

/**
 * A scriptable in-process model for tests (the one test double every package shares): it
 * implements `FeaModelV1`, records every request, counts calls in flight, and answers with
 * `respond`. Serve it over real HTTP with `serveOpenAICompatible` for end-to-end tests.
 */
export class MockModel implements FeaModelV1 {
  readonly specificationVersion = 'v1' as const;
  readonly provider: string;
  readonly modelId: string;
  /** Every request received, in order. */
  readonly requests: GenerateRequest[] = [];
  /** The text of every prompt answered, in order. */
  readonly prompts: string[] = [];
  /** Requests being answered right now, and the most at once so far. */
  inFlight = 0;
  maxInFlight = 0;
  /** True once `dispose` was called. */
  disposed = false;
  private readonly calls = new Map<string, number>();

  constructor(private readonly options: MockModelOptions = {}) {
    this.provider = options.provider ?? 'mock';
    this.modelId = options.modelId ?? 'mock-model';
  }

  async doGenerate(request: GenerateRequest): Promise<GenerateResult> {
    this.requests.push(request);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.options.delayMs) await new Promise((resolve) => setTimeout(resolve, this.options.delayMs));
      request.signal?.throwIfAborted();
      const results = [];
      for (const prompt of request.prompts) {
        const message = prompt.messages.at(-1);
        const content = message?.content ?? '';
        const text =
          typeof content === 'string'
            ? content
            : content.map((part) => (part.type === 'text' ? part.text : '')).join('');
        const image = prompt.images?.[0] === undefined ? '' : String(prompt.images[0]);
        const callKey = image || `text:${text}`;
        const call = (this.calls.get(callKey) ?? 0) + 1;
        this.calls.set(callKey, call);
        this.prompts.push(text);
        const output = this.options.respond
          ? await this.options.respond({ text, image, call, request })
          : MOCK_ANSWER;
        const outputs =
          typeof output === 'string'
            ? Array.from({ length: request.sampling?.n ?? 1 }, () => output)
            : output;
        results.push({
          completions: outputs.map((completion) => ({
            text: completion,
            finishReason: 'stop' as const,
            completionTokens: completion.split(/\s+/).length,
          })),
          promptTokens: text.length,
          timings: { prefillMs: 0, decodeMs: 0, totalMs: 0 },
        });
      }
      return { results };
    } finally {
      this.inFlight -= 1;
    }
  }

  async dispose(): Promise<void> {
    this.disposed = true;
  }
}
