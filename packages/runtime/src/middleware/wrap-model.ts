import type { FeaModel, GenerateRequest, GenerateResult } from '../model';

/**
 * Cross-cutting behaviour around a model's `doGenerate` (a cache, a concurrency limit,
 * retries), in the spirit of the AI SDK's `wrapLanguageModel`. Middleware never changes
 * what a model is: provider, model id and `dispose` pass through.
 */
export interface ModelMiddleware {
  /**
   * Handles one `doGenerate` call: call `next(request)` to continue inward (to the next
   * middleware, the model last), or answer without it (a cache hit).
   */
  wrapGenerate(options: {
    /** The request as it reaches this middleware. */
    readonly request: GenerateRequest;
    /** Continues to the inner middleware and finally the model. */
    readonly next: (request: GenerateRequest) => Promise<GenerateResult>;
    /** The wrapped model (for its provider and model id). */
    readonly model: FeaModel;
  }): Promise<GenerateResult>;
}

/**
 * A model whose `doGenerate` runs through `middleware`, the first one outermost:
 * `wrapModel(model, cache, limit, retry)` answers cache hits without taking a concurrency slot,
 * and retries inside the slot.
 */
export function wrapModel(model: FeaModel, ...middleware: readonly ModelMiddleware[]): FeaModel {
  const call = middleware.reduceRight<(request: GenerateRequest) => Promise<GenerateResult>>(
    (next, layer) => (request) => layer.wrapGenerate({ request, next, model }),
    (request) => model.doGenerate(request),
  );
  return {
    specificationVersion: model.specificationVersion,
    provider: model.provider,
    modelId: model.modelId,
    doGenerate: call,
    dispose: () => model.dispose(),
  };
}
