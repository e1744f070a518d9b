import type {
  FeaModelV1,
  GenerateRequest,
  GenerateResult,
  ImageInput,
  PromptResult,
} from '@facial-r1/runtime';
import type { BaselineEmotion } from './pipeline/combine-emotions';
import {
  type FaceAnalysis,
  FaceAnalyzer,
  type FaceAnalyzerOptions,
  type ImageAnalysis,
} from './pipeline/face-analyzer';

/** Options of {@link createFaceBaselineModel}: those of the analyzer. */
export type FaceBaselineModelOptions = FaceAnalyzerOptions;

async function toBytes(image: ImageInput): Promise<string | Uint8Array> {
  if (typeof image === 'string' || image instanceof Uint8Array) return image;
  const result = await image.toBuffer();
  if (result instanceof Uint8Array) return result;
  throw new TypeError('the image object toBuffer() did not return bytes');
}

/**
 * One face as the baseline model reports it in `providerMetadata.faces`: what it measured,
 * small and JSON-safe so a prediction store can keep it beside the text (no landmarks).
 */
export interface BaselineFaceMetadata {
  /** Detector box in image pixels. */
  readonly box: { readonly x: number; readonly y: number; readonly width: number; readonly height: number };
  /** Detector confidence (0 for a whole-frame face). */
  readonly detectionScore: number;
  /** Calibrated probability of every estimated AU, by id (`AU1`, ...). */
  readonly auProbabilities: Readonly<Record<string, number>>;
  /** The AUs estimated present (probability at or over the AU's threshold), sorted by code. */
  readonly presentAus: readonly string[];
  /** The calibrated emotion distribution, summing to 1. */
  readonly emotionProbabilities: Readonly<Record<BaselineEmotion, number>>;
  /** The emotion label (the most probable class). */
  readonly label: BaselineEmotion;
}

/** The baseline model's `providerMetadata` for one completion. */
export interface BaselineMetadata {
  /** Every face found, in detector order. */
  readonly faces: readonly BaselineFaceMetadata[];
  /** The index in `faces` of the face the completion answers for (the most confident one). */
  readonly face?: number;
  /** The image size in pixels. */
  readonly image?: { readonly width: number; readonly height: number };
  /** Why there is no answer (no face, no image, an unreadable image). */
  readonly error?: string;
}

/** The compact, JSON-safe summary of one analysed face (see {@link BaselineFaceMetadata}). */
export function baselineFaceMetadata(face: FaceAnalysis): BaselineFaceMetadata {
  return {
    box: { ...face.box },
    detectionScore: face.detectionScore,
    auProbabilities: Object.fromEntries(face.actionUnits.map((unit) => [unit.au, unit.score])),
    presentAus: [...face.presentAus],
    emotionProbabilities: { ...face.emotion.probabilities },
    label: face.emotion.label,
  };
}

const isRecordOfNumbers = (value: unknown): value is Record<string, number> =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  Object.values(value).every((entry) => typeof entry === 'number' && Number.isFinite(entry));

const isFace = (value: unknown): value is BaselineFaceMetadata => {
  if (typeof value !== 'object' || value === null) return false;
  const face = value as Record<string, unknown>;
  return (
    isRecordOfNumbers(face.box) &&
    ['x', 'y', 'width', 'height'].every((key) => key in (face.box as object)) &&
    typeof face.detectionScore === 'number' &&
    isRecordOfNumbers(face.auProbabilities) &&
    Array.isArray(face.presentAus) &&
    face.presentAus.every((au) => typeof au === 'string') &&
    isRecordOfNumbers(face.emotionProbabilities) &&
    typeof face.label === 'string'
  );
};

/**
 * The baseline's structured analysis in a completion's `providerMetadata` (read back from a
 * prediction file, say), or `undefined` when it is absent or not in the shape
 * {@link createFaceBaselineModel} writes (another backend's metadata, an older file).
 */
export function readBaselineMetadata(metadata: unknown): BaselineMetadata | undefined {
  if (typeof metadata !== 'object' || metadata === null) return undefined;
  const { faces, face, image, error } = metadata as Record<string, unknown>;
  if (!Array.isArray(faces) || !faces.every(isFace)) return undefined;
  return {
    faces,
    ...(typeof face === 'number' && Number.isInteger(face) && face >= 0 && face < faces.length
      ? { face }
      : {}),
    ...(isRecordOfNumbers(image) && 'width' in image && 'height' in image
      ? { image: { width: image.width!, height: image.height! } }
      : {}),
    ...(typeof error === 'string' ? { error } : {}),
  };
}

/**
 * The built-in face baseline as a model backend (provider `baseline`): for each prompt it
 * analyses the prompt's first image and answers with the composed reasoning of the most
 * confident face (the prompt's text is ignored; sampling is deterministic, so all `n` completions
 * are identical). `providerMetadata` is a {@link BaselineMetadata}: per face the box, AU
 * probabilities, present AUs, emotion probabilities and label, and `face`, the index of the
 * face answered for, so a consumer reads the measurements instead of parsing the text back
 * (read it with {@link readBaselineMetadata}); an image without a face yields an empty
 * completion with finish reason `error` and the reason in `providerMetadata.error`.
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
        let metadata: BaselineMetadata;
        if (!image) {
          metadata = { faces: [], error: 'the prompt has no image' };
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
            const faces = analysis.faces.map(baselineFaceMetadata);
            const size = { width: analysis.width, height: analysis.height };
            metadata =
              best >= 0 ? { faces, face: best, image: size } : { faces, image: size, error: 'no face found' };
          } catch (error) {
            metadata = { faces: [], error: (error as Error).message };
          }
        }
        const totalMs = performance.now() - started;
        const completion = {
          text,
          finishReason: text ? ('stop' as const) : ('error' as const),
          completionTokens: text ? text.split(/\s+/).length : 0,
          providerMetadata: metadata as unknown as Readonly<Record<string, unknown>>,
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
