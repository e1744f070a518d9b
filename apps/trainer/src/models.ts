import type { FeaModel, ModelProviderFactory } from '@facial-r1/runtime';
import { createModelRegistry } from '@facial-r1/runtime';

/**
 * Local providers `fea-train` knows besides the runtime's built-in `openai:` and `onnx:`:
 * `baseline`, the vision package's face model (what `fea-eval` registers too), loaded only
 * when a plan names it.
 */
export const PLAN_MODEL_PROVIDERS: Readonly<Record<string, ModelProviderFactory>> = {
  baseline: async () => (await import('@facial-r1/vision')).createFaceBaselineModel(),
};

/**
 * Resolves the model ids a plan may name (`openai:<url>#<model>`, `onnx:<dir>`, `baseline`).
 * `providers` add to or replace {@link PLAN_MODEL_PROVIDERS}.
 */
export function createPlanModelResolver(
  providers: Readonly<Record<string, ModelProviderFactory>> = {},
): (id: string) => Promise<FeaModel> {
  const registry = createModelRegistry({ providers: { ...PLAN_MODEL_PROVIDERS, ...providers } });
  return (id) => registry.resolve(id);
}
