export { createOnnxModel, type OnnxModelOptions } from './create-onnx-model';
export { EXECUTION_PROVIDERS, type OnnxDevice } from './execution-providers';
export { type MatMulNBitsAccuracyLevel, setMatMulNBitsAccuracyLevel } from './matmul-nbits-accuracy';
export { DTYPE_SUFFIXES, type OnnxDtype, SUPPORTED_ARCHITECTURES } from './model-files';
export {
  type ProcessedImage,
  processQwenImage,
  type QwenImageProcessorConfig,
  readImageProcessorConfig,
} from '../image/qwen-image-processor';
