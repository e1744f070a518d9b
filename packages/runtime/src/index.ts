export {
  ContextLengthError,
  ImagePixelLimitError,
  ImageSizeError,
  ModelFileError,
  UnsupportedArchitectureError,
} from './errors';
export { computeRopeIndex, type RopeIndex, type RopeIndexOptions } from './generation/rope-index';
export { argMax, sampleToken, type TokenSamplingOptions } from './generation/sample-token';
export { SeededRandom } from './generation/seeded-random';
export {
  type ProcessedImage,
  processQwenImage,
  type QwenImageProcessorConfig,
  readImageProcessorConfig,
} from './image/qwen-image-processor';
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
export * from './onnx/index';
export * from './openai/index';
export * from './registry/index';
export * from './server/index';
