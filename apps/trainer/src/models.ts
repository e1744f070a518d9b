import type { FeaModel, ModelProviderFactory } from '@facial-r1/runtime';
import { createModelRegistry } from '@facial-r1/runtime';

/**
 * Resolves the model ids a plan may name (`openai:<url>#<model>` built in). Callers may add
 * providers, e.g. a face baseline or an ONNX backend.
 */
export function createPlanModelResolver(
  providers: Readonly<Record<string, ModelProviderFactory>> = {},
): (id: string) => Promise<FeaModel> {
  const registry = createModelRegistry({ providers });
  return (id) => registry.resolve(id);
}
