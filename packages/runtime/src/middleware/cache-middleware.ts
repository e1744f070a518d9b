import { createHash } from 'node:crypto';
import { imageBytes } from '../image/image-input';
import type { FeaModel, GenerateRequest, GenerateResult } from '../model';
import type { ModelMiddleware } from './wrap-model';

/** Where {@link cacheMiddleware} keeps results: a Map, or a crash-safe file store. */
export interface ModelCacheStore {
  /** The result stored under `key`, if any. */
  get(key: string): GenerateResult | undefined | Promise<GenerateResult | undefined>;
  /** Stores `result` under `key`. */
  set(key: string, result: GenerateResult): void | Promise<void>;
}

/** Options of {@link cacheMiddleware}. */
export interface CacheOptions {
  /** Where results live. Default: a new in-memory Map. */
  readonly store?: ModelCacheStore;
  /**
   * Which requests are cached. Default: deterministic ones (temperature 0 or unset, or a
   * seed), since a cached sample would stand in for fresh samples.
   */
  readonly shouldCache?: (request: GenerateRequest) => boolean;
}

const deterministic = (request: GenerateRequest) =>
  !request.sampling?.temperature || request.sampling.seed !== undefined;

/**
 * The cache key of a request to a model: a SHA-256 over the provider, the model id, every
 * message, the sampling options and each image's encoded bytes (paths are read, so a changed
 * file is a new key). `onStream` and `signal` are not part of it.
 */
export async function modelRequestKey(
  model: Pick<FeaModel, 'provider' | 'modelId'>,
  request: GenerateRequest,
) {
  const hash = createHash('sha256');
  hash.update(
    JSON.stringify(['facial-r1.request.v1', model.provider, model.modelId, request.sampling ?? {}]),
  );
  for (const prompt of request.prompts) {
    hash.update(`\u0000prompt${JSON.stringify(prompt.messages)}`);
    for (const image of prompt.images ?? []) {
      const bytes = await imageBytes(image);
      hash.update(`\u0000image${bytes.length}:`);
      hash.update(createHash('sha256').update(bytes).digest());
    }
  }
  return hash.digest('hex');
}

/**
 * Answers a request seen before from `store` instead of the model, keyed by
 * {@link modelRequestKey}; identical requests in flight at the same time share one call.
 * Failures are not cached.
 */
export function cacheMiddleware(options: CacheOptions = {}): ModelMiddleware {
  const memory = new Map<string, GenerateResult>();
  const store: ModelCacheStore = options.store ?? {
    get: (key) => memory.get(key),
    set: (key, result) => void memory.set(key, result),
  };
  const shouldCache = options.shouldCache ?? deterministic;
  const inFlight = new Map<string, Promise<GenerateResult>>();
  return {
    async wrapGenerate({ request, next, model }) {
      if (!shouldCache(request)) return next(request);
      const key = await modelRequestKey(model, request);
      const stored = await store.get(key);
      if (stored) return stored;
      const running = inFlight.get(key);
      if (running) return running;
      const call = (async () => {
        const result = await next(request);
        await store.set(key, result);
        return result;
      })();
      inFlight.set(key, call);
      try {
        return await call;
      } finally {
        inFlight.delete(key);
      }
    },
  };
}
