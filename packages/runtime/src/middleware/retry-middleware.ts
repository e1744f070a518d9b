import { categoryOf } from '@facial-r1/spec';
import type { ModelMiddleware } from './wrap-model';

/** Options of {@link retryMiddleware}. */
export interface RetryOptions {
  /** Retries after the first try. Default 2. */
  readonly retries?: number;
  /** Delay before the first retry, doubled each time. Default 500 ms. */
  readonly initialDelayMs?: number;
  /** Upper bound of one delay. Default 10 s. */
  readonly maxDelayMs?: number;
  /** Called before each retry (for logs). */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/**
 * Retries a `doGenerate` call that failed with a `retryable` error (a server that is down,
 * timed out, busy or answered 5xx), with exponential backoff. Every other failure (usage and
 * input errors, HTTP 4xx, bugs) and an aborted request fail at once.
 */
export function retryMiddleware(options: RetryOptions = {}): ModelMiddleware {
  const retries = options.retries ?? 2;
  const initialDelayMs = options.initialDelayMs ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 10_000;
  if (!Number.isInteger(retries) || retries < 0)
    throw new RangeError(`retryMiddleware: retries must be a non-negative integer, got ${retries}`);
  return {
    async wrapGenerate({ request, next }) {
      for (let attempt = 0; ; attempt += 1) {
        try {
          return await next(request);
        } catch (error) {
          if (attempt >= retries || categoryOf(error) !== 'retryable' || request.signal?.aborted) throw error;
          const delayMs = Math.min(maxDelayMs, initialDelayMs * 2 ** attempt);
          options.onRetry?.(error, attempt + 1, delayMs);
          await sleep(delayMs, request.signal);
        }
      }
    },
  };
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
