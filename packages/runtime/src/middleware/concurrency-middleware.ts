import type { ModelMiddleware } from './wrap-model';

/**
 * At most `limit` `doGenerate` calls in flight through this middleware; the rest wait in
 * arrival order. A waiting request whose `signal` aborts leaves the queue and rejects with the
 * signal's reason. One instance is one limit: share it between models to share the limit.
 */
export function concurrencyMiddleware(options: { readonly limit: number }): ModelMiddleware {
  const { limit } = options;
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`concurrencyMiddleware: limit must be a positive integer, got ${limit}`);
  let active = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    active -= 1;
    const wake = waiting.shift();
    if (wake) {
      active += 1;
      wake();
    }
  };
  const acquire = (signal: AbortSignal | undefined) =>
    new Promise<void>((resolve, reject) => {
      signal?.throwIfAborted();
      if (active < limit) {
        active += 1;
        resolve();
        return;
      }
      const wake = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        const index = waiting.indexOf(wake);
        if (index >= 0) waiting.splice(index, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      waiting.push(wake);
    });
  return {
    async wrapGenerate({ request, next }) {
      await acquire(request.signal);
      try {
        return await next(request);
      } finally {
        release();
      }
    },
  };
}
