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
export * from './openai/index';
export * from './registry/index';
export * from './server/index';
