export { ModelIdError, UnknownModelProviderError } from './errors';
export {
  createModelRegistry,
  formatModelId,
  type ModelId,
  type ModelProviderFactory,
  type ModelRegistry,
  onnxProvider,
  openAIProvider,
  parseModelId,
  suggestProviders,
} from './model-registry';
