import type { ModelRequestError } from './errors';

/** Milliseconds to wait from a `Retry-After` header (seconds or an HTTP date); undefined when absent or invalid. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export const sleep = (ms: number, signal?: AbortSignal) =>
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

/** What one attempt came to: a value, or a failure with the wait the server asked for (Retry-After). */
export type AttemptOutcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: ModelRequestError; readonly retryAfterMs?: number };

/**
 * Network errors and timeouts (no status), 429 and 5xx are worth another attempt; every other
 * status (a 4xx, or a 2xx whose body cannot be used) would fail the same way again.
 */
export function isRetryable(error: ModelRequestError): boolean {
  return error.status === undefined || error.status === 429 || error.status >= 500;
}

/** Exponential backoff with jitter: `baseMs * 2^attempt` times a factor in [0.5, 1.5). */
export function backoffMs(attempt: number, baseMs: number, random = Math.random): number {
  return baseMs * 2 ** attempt * (0.5 + random());
}

/** Options of {@link withRetries}. */
export interface RetryOptions {
  /** Attempts after the first. */
  readonly maxRetries: number;
  /** First backoff in ms. */
  readonly retryBaseMs: number;
  /** Ends the waits between attempts. */
  readonly signal?: AbortSignal;
}

/**
 * Runs `attempt` until it succeeds, fails with an error that is not {@link isRetryable}, or
 * `maxRetries` retries are spent (then the last error is thrown). Between attempts it waits the
 * server's Retry-After when given, else the {@link backoffMs}.
 */
export async function withRetries<T>(
  options: RetryOptions,
  attempt: (index: number) => Promise<AttemptOutcome<T>>,
): Promise<T> {
  let lastError: ModelRequestError | undefined;
  for (let index = 0; index <= options.maxRetries; index += 1) {
    const outcome = await attempt(index);
    if (outcome.ok) return outcome.value;
    if (!isRetryable(outcome.error)) throw outcome.error;
    lastError = outcome.error;
    if (index < options.maxRetries) {
      const backoff = backoffMs(index, options.retryBaseMs);
      await sleep(outcome.retryAfterMs ?? backoff, options.signal);
    }
  }
  throw lastError as ModelRequestError;
}
