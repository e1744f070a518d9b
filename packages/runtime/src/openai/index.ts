export { MalformedResponseError } from './chat-completion-response';
export { InvalidModelOptionError, ModelRequestError } from './errors';
export {
  createOpenAICompatibleModel,
  mapFinishReason,
  type OpenAICompatibleOptions,
  parseRetryAfter,
} from './openai-compatible-model';
