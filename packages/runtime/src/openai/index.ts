export { ImageInputError, InvalidModelOptionError, ModelRequestError } from './errors';
export { decodeDataUrl, imageBytes, imageDataUrl, sniffImageType } from './image-data-url';
export {
  createOpenAICompatibleModel,
  mapFinishReason,
  type OpenAICompatibleOptions,
  parseRetryAfter,
} from './openai-compatible-model';
