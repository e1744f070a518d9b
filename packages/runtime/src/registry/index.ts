export { ModelIdError, UnknownModelProviderError } from './errors';
export {
  createModelRegistry,
  formatModelId,
  type ModelId,
  type ModelProviderFactory,
  type ModelRegistry,
  type OnnxIdOptions,
  onnxProvider,
  parseOnnxIdOptions,
  openAIProvider,
  parseModelId,
  suggestProviders,
} from './model-registry';
