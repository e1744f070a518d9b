import type { FeaModel } from '@facial-r1/runtime';
import { createModelRegistry } from '@facial-r1/runtime';
import { createFaceBaselineModel } from '@facial-r1/vision';

/** Resolves the model ids a plan may name: `onnx:<dir>`, `openai:<url>#<model>`, `baseline`. */
export function createPlanModelResolver(): (id: string) => Promise<FeaModel> {
  const registry = createModelRegistry({ providers: { baseline: () => createFaceBaselineModel() } });
  return (id) => registry.resolve(id);
}
