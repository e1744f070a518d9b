export { decodeDataUrl, imageBytes, imageDataUrl, sniffImageType } from './image-data-url';
export { createOpenAICompatibleModel, type OpenAICompatibleOptions } from './openai-compatible-model';
