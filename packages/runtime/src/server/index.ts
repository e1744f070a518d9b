export {
  type OpenAICompatibleServer,
  type ServeOptions,
  serveOpenAICompatible,
} from './serve-openai-compatible';
