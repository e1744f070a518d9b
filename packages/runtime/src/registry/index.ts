export {
  createModelRegistry,
  formatModelId,
  type ModelId,
  type ModelProviderFactory,
  type ModelRegistry,
  openAIProvider,
  parseModelId,
} from './model-registry';
