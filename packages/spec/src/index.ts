export {
  categoryOf,
  ERROR_CATEGORIES,
  type ErrorCategory,
  EXIT_CODES,
  exitCodeFor,
  FeaError,
  type FeaErrorOptions,
} from './fea-error';
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
export { didYouMean, editDistance, suggestClosest } from './suggest-closest';
