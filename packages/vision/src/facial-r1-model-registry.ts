import { createModelRegistry, type ModelProviderFactory, type ModelRegistry } from '@facial-r1/runtime';
import { createFaceBaselineModel } from './face-baseline-model';

/** The providers Facial-R1 adds to the runtime's built-in `onnx:` and `openai:`: `baseline`, the face model. */
export const FACIAL_R1_MODEL_PROVIDERS: Readonly<Record<string, ModelProviderFactory>> = {
  baseline: () => createFaceBaselineModel(),
};

/**
 * The model registry both apps resolve ids with: `onnx:<dir>`, `openai:<url>#<model>` and
 * `baseline`. `providers` add to or replace these (tests register stand-ins here).
 */
export function createFacialR1ModelRegistry(
  options: { readonly providers?: Readonly<Record<string, ModelProviderFactory>> } = {},
): ModelRegistry {
  return createModelRegistry({ providers: { ...FACIAL_R1_MODEL_PROVIDERS, ...options.providers } });
}
