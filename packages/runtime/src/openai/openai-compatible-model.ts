import type { FeaModelV1, GenerateRequest, GenerateResult, PromptInput, PromptResult } from '../model';
import {
  type ChatCompletion,
  decodeChatCompletion,
  readChatCompletion,
  readChatCompletionStream,
} from './chat-completion-response';
import { buildChatRequestBody } from './chat-request';
import { createEndpointPool } from './endpoint-pool';
import { InvalidModelOptionError, ModelRequestError } from './errors';
import { type AttemptOutcome, parseRetryAfter, withRetries } from './retry-policy';

export { mapFinishReason } from './chat-completion-response';
export { parseRetryAfter } from './retry-policy';

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

/** The options with their defaults, after checking them. */
function resolveOptions(options: OpenAICompatibleOptions) {
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
  return {
    endpoints,
    model: options.model,
    apiKey: options.apiKey ?? process.env.OPENAI_API_KEY,
    concurrency: options.concurrency ?? 8,
    maxRetries: options.maxRetries ?? 4,
    timeoutMs: options.timeoutMs ?? 120_000,
    retryBaseMs: options.retryBaseMs ?? 500,
    endpointCooldownMs: options.endpointCooldownMs ?? 1_000,
    headers: options.headers,
  };
}

/** Why a request never got an answer, in words a user can act on. */
function unreachable(url: string, error: unknown, timeoutMs: number): ModelRequestError {
  const reason =
    (error as Error).name === 'TimeoutError'
      ? `timed out after ${timeoutMs} ms`
      : ((error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message);
  return new ModelRequestError(url, undefined, `cannot reach ${url}: ${reason}. Is the server running?`, {
    cause: error,
  });
}

/**
 * A model served by any OpenAI-compatible chat-completions endpoint (vLLM, SGLang, TGI,
 * Ollama, OpenAI). Images travel as data URLs; `n`, temperature, top-p, max tokens, stop and
 * seed are standard fields, top-k is vLLM's extra field. Requests are limited to `concurrency`
 * in flight, spread round-robin over the base URLs, and retried with exponential backoff and
 * jitter on 429 (honouring Retry-After), 5xx, timeouts and network errors; an endpoint that
 * just failed is skipped for the retry. Answers are checked against the chat-completions shape:
 * a malformed one is a `ModelRequestError` naming the field. Uses Node's built-in fetch: no SDK
 * needed for one route.
 */
export function createOpenAICompatibleModel(options: OpenAICompatibleOptions): FeaModelV1 {
  const settings = resolveOptions(options);
  const limit = limiter(settings.concurrency);
  const pool = createEndpointPool(settings.endpoints, settings.endpointCooldownMs);

  /** One HTTP exchange with one endpoint. */
  async function attempt(
    endpoint: string,
    body: unknown,
    signal: AbortSignal | undefined,
    onChunk: ((delta: string, choice: number) => void) | undefined,
  ): Promise<AttemptOutcome<ChatCompletion>> {
    const url = `${endpoint}/chat/completions`;
    try {
      const timeout = AbortSignal.timeout(settings.timeoutMs);
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(settings.apiKey ? { authorization: `Bearer ${settings.apiKey}` } : {}),
          ...settings.headers,
        },
        body: JSON.stringify(body),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      if (response.ok) {
        pool.succeeded(endpoint);
        const value = onChunk
          ? await readChatCompletionStream(response, onChunk)
          : await readChatCompletion(response);
        return { ok: true, value };
      }
      pool.failed(endpoint);
      const text = await response.text();
      return {
        ok: false,
        error: new ModelRequestError(
          url,
          response.status,
          `${url} answered ${response.status}: ${text.slice(0, 300)}`,
        ),
        retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
      };
    } catch (error) {
      if (signal?.aborted) throw error;
      if (error instanceof ModelRequestError) return { ok: false, error };
      pool.failed(endpoint);
      return { ok: false, error: unreachable(url, error, settings.timeoutMs) };
    }
  }

  async function post(
    body: unknown,
    signal: AbortSignal | undefined,
    onChunk?: (delta: string, choice: number) => void,
  ): Promise<ChatCompletion> {
    let previous: string | undefined;
    return withRetries(
      { maxRetries: settings.maxRetries, retryBaseMs: settings.retryBaseMs, signal },
      (index) => {
        const endpoint = pool.pick(index === 0 ? undefined : previous);
        previous = endpoint;
        return attempt(endpoint, body, signal, onChunk);
      },
    );
  }

  async function generateOne(
    prompt: PromptInput,
    promptIndex: number,
    request: GenerateRequest,
  ): Promise<PromptResult> {
    const started = performance.now();
    const body = await buildChatRequestBody(settings.model, prompt, request);
    let firstToken: number | undefined;
    const onStream = request.onStream;
    const json = await limit(() =>
      post(
        body,
        request.signal,
        onStream
          ? (delta, choice) => {
              firstToken ??= performance.now();
              onStream({ promptIndex, completionIndex: choice, delta });
            }
          : undefined,
      ),
    );
    const { completions, promptTokens } = decodeChatCompletion(json);
    const totalMs = performance.now() - started;
    const prefillMs = firstToken === undefined ? totalMs : firstToken - started;
    return { completions, promptTokens, timings: { prefillMs, decodeMs: totalMs - prefillMs, totalMs } };
  }

  return {
    specificationVersion: 'v1',
    provider: 'openai',
    modelId: settings.model,
    async doGenerate(request) {
      const results = await Promise.all(
        request.prompts.map((prompt, index) => generateOne(prompt, index, request)),
      );
      return { results } satisfies GenerateResult;
    },
    async dispose() {},
  };
}
