// The root entry stays light: it loads neither onnxruntime-node nor sharp (see
// entry-points.test.ts). Backends live under subpaths: `@facial-r1/runtime/onnx`,
// `@facial-r1/runtime/openai`, `@facial-r1/runtime/server`; the registry opens `onnx:` ids
// through a dynamic import.
export {
  ContextLengthError,
  ImageInputError,
  ImagePixelLimitError,
  ImageSizeError,
  ModelFileError,
  UnsupportedArchitectureError,
} from './errors';
export { computeRopeIndex, type RopeIndex, type RopeIndexOptions } from './generation/rope-index';
export { argMax, sampleToken, type TokenSamplingOptions } from './generation/sample-token';
export { SeededRandom } from './generation/seeded-random';
export { decodeDataUrl, imageBytes, imageDataUrl, sniffImageType } from './image/image-input';
export { type SmartResizeOptions, smartResize } from './image/smart-resize';
export type {
  ChatMessage,
  Completion,
  ContentPart,
  FeaModel,
  FeaModelV1,
  FinishReason,
  GenerateRequest,
  GenerateResult,
  GenerationTimings,
  ImageInput,
  PromptInput,
  PromptResult,
  SamplingOptions,
  StreamEvent,
} from './model';
export { InvalidModelOptionError, ModelRequestError } from './openai/errors';
export * from './registry/index';
export * from './middleware/index';
