import { ImageInputError, InvalidModelOptionError, ModelRequestError } from './errors';
import type {
  ChatMessage,
  Completion,
  FeaModelV1,
  FinishReason,
  GenerateRequest,
  GenerateResult,
  PromptInput,
  PromptResult,
} from '../model';
import { imageDataUrl } from '../image/image-input';

/** Options of {@link createOpenAICompatibleModel}. */
export interface OpenAICompatibleOptions {
  /** One base URL (`http://host:8000/v1`) or several, used round-robin (a vLLM fleet). */
  readonly baseURL: string | readonly string[];
  /** The served model name. */
  readonly model: string;
  /** Sent as `Authorization: Bearer`. Default: `$OPENAI_API_KEY` when set. */
  readonly apiKey?: string;
  /** Requests in flight at once across endpoints. Default 8. */
  readonly concurrency?: number;
  /** Retries of a request on 429, 5xx, timeouts and network errors. Default 4. */
  readonly maxRetries?: number;
  /** Per-request timeout. Default 120 s. */
  readonly timeoutMs?: number;
  /** First backoff; doubles each retry, with jitter. Default 500 ms. */
  readonly retryBaseMs?: number;
  /** How long an endpoint that failed is passed over while others are healthy. Default 1 s. */
  readonly endpointCooldownMs?: number;
  /** Extra HTTP headers on every request. */
  readonly headers?: Readonly<Record<string, string>>;
}

type WireMessage = {
  role: string;
  content: string | ({ type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } })[];
};

async function toWireMessages(prompt: PromptInput): Promise<WireMessage[]> {
  const images = prompt.images ?? [];
  const urls = await Promise.all(images.map((image) => imageDataUrl(image)));
  let nextImage = 0;
  return prompt.messages.map((message: ChatMessage) => {
    if (typeof message.content === 'string') return { role: message.role, content: message.content };
    return {
      role: message.role,
      content: message.content.map((part) => {
        if (part.type === 'text') return { type: 'text' as const, text: part.text };
        const index = part.index ?? nextImage;
        nextImage = index + 1;
        const url = urls[index];
        if (!url)
          throw new ImageInputError(
            `an image part points at image ${index}, but the prompt has ${urls.length} image(s); add it to prompt.images`,
          );
        return { type: 'image_url' as const, image_url: { url } };
      }),
    };
  });
}

/** Milliseconds to wait from a `Retry-After` header (seconds or an HTTP date); undefined when absent or invalid. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });

/** A counting semaphore. */
function limiter(concurrency: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
    active += 1;
    try {
      return await task();
    } finally {
      active -= 1;
      waiting.shift()?.();
    }
  };
}

/** Maps OpenAI / vLLM / TGI / Ollama finish reasons to ours. */
export function mapFinishReason(reason: unknown): FinishReason {
  switch (reason) {
    case 'length':
    case 'max_tokens':
    case 'model_length':
      return 'length';
    case 'content_filter':
    case 'error':
    case 'abort':
      return 'error';
    default:
      // 'stop', 'eos', 'eos_token', 'stop_sequence', 'tool_calls', null: the model ended on its own.
      return 'stop';
  }
}

/**
 * A model served by any OpenAI-compatible chat-completions endpoint (vLLM, SGLang, TGI,
 * Ollama, OpenAI). Images travel as data URLs; `n`, temperature, top-p, max tokens, stop and
 * seed are standard fields, top-k is vLLM's extra field. Requests are limited to `concurrency`
 * in flight, spread round-robin over the base URLs, and retried with exponential backoff and
 * jitter on 429 (honouring Retry-After), 5xx, timeouts and network errors; an endpoint that
 * just failed is skipped for the retry. Uses Node's built-in fetch: no SDK needed for one route.
 */
export function createOpenAICompatibleModel(options: OpenAICompatibleOptions): FeaModelV1 {
  const endpoints = [options.baseURL].flat().map((url) => url.replace(/\/+$/, ''));
  if (!endpoints.length)
    throw new InvalidModelOptionError('createOpenAICompatibleModel: baseURL: expected at least one URL');
  for (const endpoint of endpoints)
    if (!/^https?:\/\/[^/]/.test(endpoint))
      throw new InvalidModelOptionError(
        `createOpenAICompatibleModel: baseURL: "${endpoint}" must start with http:// or https://, e.g. http://localhost:8000/v1`,
      );
  if (!options.model)
    throw new InvalidModelOptionError('createOpenAICompatibleModel: model: expected the served model name');
  const check = (name: keyof OpenAICompatibleOptions, minimum: number) => {
    const value = options[name];
    if (value !== undefined && !(Number.isInteger(value) && (value as number) >= minimum))
      throw new InvalidModelOptionError(
        `createOpenAICompatibleModel: ${name}: expected an integer >= ${minimum}, got ${String(value)}`,
      );
  };
  check('concurrency', 1);
  check('maxRetries', 0);
  check('timeoutMs', 1);
  check('retryBaseMs', 0);
  check('endpointCooldownMs', 0);
  const limit = limiter(options.concurrency ?? 8);
  const apiKey = options.apiKey ?? process.env.OPENAI_API_KEY;
  let cursor = 0;
  // When each endpoint last failed; a retry goes to one that has not just failed, if any.
  const failedAt = new Map<string, number>();
  const cooldownMs = options.endpointCooldownMs ?? 1_000;
  function pickEndpoint(previous: string | undefined): string {
    for (let step = 0; step < endpoints.length; step += 1) {
      const endpoint = endpoints[cursor % endpoints.length]!;
      cursor += 1;
      const failed = failedAt.get(endpoint);
      if (endpoint !== previous && (failed === undefined || performance.now() - failed > cooldownMs))
        return endpoint;
    }
    // Every endpoint failed recently: plain round-robin, still away from the one that just failed.
    let endpoint = endpoints[cursor % endpoints.length]!;
    cursor += 1;
    if (endpoint === previous && endpoints.length > 1) {
      endpoint = endpoints[cursor % endpoints.length]!;
      cursor += 1;
    }
    return endpoint;
  }

  async function post(
    body: unknown,
    signal: AbortSignal | undefined,
    onChunk?: (delta: string, choice: number) => void,
  ) {
    const maxRetries = options.maxRetries ?? 4;
    let lastError: ModelRequestError | undefined;
    let previous: string | undefined;
    for (let attempt = 0; attempt <= maxRetries; attempt += 1) {
      const endpoint = attempt === 0 ? pickEndpoint(undefined) : pickEndpoint(previous);
      previous = endpoint;
      const url = `${endpoint}/chat/completions`;
      let retryAfterMs: number | undefined;
      try {
        const timeout = AbortSignal.timeout(options.timeoutMs ?? 120_000);
        const response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
            ...options.headers,
          },
          body: JSON.stringify(body),
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
        if (response.ok) {
          failedAt.delete(endpoint);
          return onChunk ? await readStream(response, onChunk) : await readJson(response);
        }
        failedAt.set(endpoint, performance.now());
        const text = await response.text();
        lastError = new ModelRequestError(
          url,
          response.status,
          `${url} answered ${response.status}: ${text.slice(0, 300)}`,
        );
        if (response.status !== 429 && response.status < 500) throw lastError;
        retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
      } catch (error) {
        if (signal?.aborted) throw error;
        if (
          error instanceof ModelRequestError &&
          error.status !== undefined &&
          error.status !== 429 &&
          error.status < 500
        )
          throw error;
        if (error instanceof ModelRequestError) lastError = error;
        else {
          failedAt.set(endpoint, performance.now());
          const reason =
            (error as Error).name === 'TimeoutError'
              ? `timed out after ${options.timeoutMs ?? 120_000} ms`
              : ((error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message);
          lastError = new ModelRequestError(
            url,
            undefined,
            `cannot reach ${url}: ${reason}. Is the server running?`,
            { cause: error },
          );
        }
      }
      if (attempt < maxRetries) {
        const backoff = (options.retryBaseMs ?? 500) * 2 ** attempt * (0.5 + Math.random());
        await sleep(retryAfterMs ?? backoff, signal);
      }
    }
    throw lastError!;
  }

  async function readJson(response: Response): Promise<Record<string, unknown>> {
    const text = await response.text();
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch (cause) {
      throw new ModelRequestError(
        response.url,
        response.status,
        `${response.url} answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`,
        { cause },
      );
    }
  }

  async function readStream(response: Response, onChunk: (delta: string, choice: number) => void) {
    const texts: string[] = [];
    const reasons: unknown[] = [];
    let usage: Record<string, number> | undefined;
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let newline = buffer.indexOf('\n');
      while (newline >= 0) {
        const line = buffer.slice(0, newline).replace(/\r$/, '');
        buffer = buffer.slice(newline + 1);
        newline = buffer.indexOf('\n');
        // Comments (`: ping`), `event:`/`id:` fields and blank separators carry no text.
        if (!line.startsWith('data:')) continue;
        const data = line.slice(5).trim();
        if (!data || data === '[DONE]') continue;
        let parsed: unknown;
        try {
          parsed = JSON.parse(data);
        } catch (cause) {
          throw new ModelRequestError(
            response.url,
            response.status,
            `${response.url} streamed a data line that is not JSON: ${data.slice(0, 200)}`,
            { cause },
          );
        }
        const event = parsed as {
          choices?: { index: number; delta?: { content?: string }; finish_reason?: unknown }[];
          usage?: Record<string, number>;
          error?: { message?: string; code?: unknown };
        };
        if (event.error) {
          const code = Number(event.error.code);
          throw new ModelRequestError(
            response.url,
            Number.isInteger(code) && code >= 400 ? code : 500,
            `${response.url} reported an error mid-stream: ${event.error.message ?? JSON.stringify(event.error)}`,
          );
        }
        if (event.usage) usage = event.usage;
        for (const choice of event.choices ?? []) {
          const delta = choice.delta?.content ?? '';
          texts[choice.index] = (texts[choice.index] ?? '') + delta;
          if (delta) onChunk(delta, choice.index);
          if (choice.finish_reason) reasons[choice.index] = choice.finish_reason;
        }
      }
    }
    return {
      choices: texts.map((text, index) => ({
        index,
        message: { content: text },
        finish_reason: reasons[index],
      })),
      usage,
    };
  }

  async function generateOne(
    prompt: PromptInput,
    promptIndex: number,
    request: GenerateRequest,
  ): Promise<PromptResult> {
    const sampling = request.sampling ?? {};
    const n = sampling.n ?? 1;
    const started = performance.now();
    const body: Record<string, unknown> = {
      model: options.model,
      messages: await toWireMessages(prompt),
      n,
      temperature: sampling.temperature ?? 0,
      ...(sampling.topP !== undefined ? { top_p: sampling.topP } : {}),
      ...(sampling.topK ? { top_k: sampling.topK } : {}),
      ...(sampling.seed !== undefined ? { seed: sampling.seed } : {}),
      ...(sampling.maxTokens !== undefined ? { max_tokens: sampling.maxTokens } : {}),
      ...(sampling.stop?.length ? { stop: sampling.stop } : {}),
      ...(sampling.stopTokenIds?.length ? { stop_token_ids: sampling.stopTokenIds } : {}),
      ...(request.onStream ? { stream: true, stream_options: { include_usage: true } } : {}),
    };
    let firstToken: number | undefined;
    const json = await limit(() =>
      post(
        body,
        request.signal,
        request.onStream
          ? (delta, choice) => {
              firstToken ??= performance.now();
              request.onStream!({ promptIndex, completionIndex: choice, delta });
            }
          : undefined,
      ),
    );
    const choices = (
      (json.choices ?? []) as {
        index?: number;
        message?: { content?: string | null };
        finish_reason?: unknown;
      }[]
    ).sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
    const usage = (json.usage ?? {}) as { prompt_tokens?: number; completion_tokens?: number };
    const perCompletion = choices.length ? Math.round((usage.completion_tokens ?? 0) / choices.length) : 0;
    const completions: Completion[] = choices.map((choice) => ({
      text: choice.message?.content ?? '',
      finishReason: mapFinishReason(choice.finish_reason),
      completionTokens: perCompletion,
    }));
    const totalMs = performance.now() - started;
    const prefillMs = firstToken === undefined ? totalMs : firstToken - started;
    return {
      completions,
      promptTokens: usage.prompt_tokens ?? 0,
      timings: { prefillMs, decodeMs: totalMs - prefillMs, totalMs },
    };
  }

  return {
    specificationVersion: 'v1',
    provider: 'openai',
    modelId: options.model,
    async doGenerate(request) {
      const results = await Promise.all(
        request.prompts.map((prompt, index) => generateOne(prompt, index, request)),
      );
      return { results } satisfies GenerateResult;
    },
    async dispose() {},
  };
}
