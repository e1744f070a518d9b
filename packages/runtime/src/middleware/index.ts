export {
  type CacheOptions,
  cacheMiddleware,
  type ModelCacheStore,
  modelRequestKey,
} from './cache-middleware';
export { concurrencyMiddleware } from './concurrency-middleware';
export { type RetryOptions, retryMiddleware } from './retry-middleware';
export { type ModelMiddleware, wrapModel } from './wrap-model';
