import type {
  FeaModelV1,
  GenerateRequest,
  GenerateResult,
  ImageInput,
  PromptResult,
} from '@facial-r1/runtime';
import { FaceAnalyzer, type FaceAnalyzerOptions, type ImageAnalysis } from './pipeline/face-analyzer';

/** Options of {@link createFaceBaselineModel}: those of the analyzer. */
export type FaceBaselineModelOptions = FaceAnalyzerOptions;

async function toBytes(image: ImageInput): Promise<string | Uint8Array> {
  if (typeof image === 'string' || image instanceof Uint8Array) return image;
  const result = await image.toBuffer();
  if (result instanceof Uint8Array) return result;
  throw new TypeError('the image object toBuffer() did not return bytes');
}

/**
 * The built-in face baseline as a model backend (provider `baseline`): for each prompt it
 * analyses the prompt's first image and answers with the composed reasoning of the most
 * confident face (the prompt's text is ignored; sampling is deterministic, so all `n` completions
 * are identical). `providerMetadata.analysis` holds the full {@link ImageAnalysis} and
 * `providerMetadata.face` the index of the face answered for; an image without a face yields
 * an empty completion with finish reason `error` and the reason in `providerMetadata.error`.
 */
export async function createFaceBaselineModel(options: FaceBaselineModelOptions = {}): Promise<FeaModelV1> {
  const analyzer = await FaceAnalyzer.create(options);
  return {
    specificationVersion: 'v1',
    provider: 'baseline',
    modelId: 'face-baseline',
    async doGenerate(request: GenerateRequest): Promise<GenerateResult> {
      const results: PromptResult[] = [];
      for (const prompt of request.prompts) {
        request.signal?.throwIfAborted();
        const started = performance.now();
        const count = Math.max(1, request.sampling?.n ?? 1);
        const image = prompt.images?.[0];
        let text = '';
        let metadata: Record<string, unknown>;
        if (!image) {
          metadata = { error: 'the prompt has no image' };
        } else {
          try {
            const analysis: ImageAnalysis = await analyzer.analyze(await toBytes(image));
            const best = analysis.faces.reduce(
              (chosen, face, index) =>
                chosen < 0 || face.detectionScore > (analysis.faces[chosen]?.detectionScore ?? 0)
                  ? index
                  : chosen,
              -1,
            );
            text = best >= 0 ? (analysis.faces[best]?.reasoning ?? '') : '';
            metadata = best >= 0 ? { analysis, face: best } : { analysis, error: 'no face found' };
          } catch (error) {
            metadata = { error: (error as Error).message };
          }
        }
        const totalMs = performance.now() - started;
        const completion = {
          text,
          finishReason: text ? ('stop' as const) : ('error' as const),
          completionTokens: text ? text.split(/\s+/).length : 0,
          providerMetadata: metadata,
        };
        results.push({
          completions: Array.from({ length: count }, () => completion),
          promptTokens: 0,
          timings: { prefillMs: totalMs, decodeMs: 0, totalMs },
        });
      }
      return { results };
    },
    dispose: () => analyzer.dispose(),
  };
}
