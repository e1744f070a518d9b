import type { FeaModel, ModelProviderFactory } from '@facial-r1/runtime';

/**
 * Resolves the model ids a plan may name (`openai:<url>#<model>`, `onnx:<dir>`, `baseline`)
 * through the registry `fea-eval` uses too (`createFacialR1ModelRegistry` of
 * `@facial-r1/vision`), loaded only when a plan names a model, so commands that need none do
 * not load onnxruntime or sharp. `providers` add to or replace the registry's.
 */
export function createPlanModelResolver(
  providers: Readonly<Record<string, ModelProviderFactory>> = {},
): (id: string) => Promise<FeaModel> {
  let registry: Promise<{ resolve(id: string): Promise<FeaModel> }> | undefined;
  return async (id) => {
    registry ??= import('@facial-r1/vision').then(({ createFacialR1ModelRegistry }) =>
      createFacialR1ModelRegistry({ providers }),
    );
    return (await registry).resolve(id);
  };
}
