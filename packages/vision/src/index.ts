export type {
  ConvertedOnnxModel,
  ConvertTfjsToOnnxOptions,
} from './convert/convert-tfjs-to-onnx';
export { convertTfjsToOnnx, SUPPORTED_TFJS_OPS } from './convert/convert-tfjs-to-onnx';
export type { CachedOnnxModel, ConvertTfjsModelCachedOptions } from './convert/converted-model-cache';
export {
  CONVERTER_VERSION,
  convertTfjsModelCached,
  resolveCacheDirectory,
} from './convert/converted-model-cache';
export type {
  TfjsAttribute,
  TfjsGraphModel,
  TfjsNode,
  TfjsWeightSpec,
} from './convert/read-tfjs-graph-model';
export { decodeTfjsWeights, readTfjsGraphModel } from './convert/read-tfjs-graph-model';
export { ModelFormatError, UnsupportedOpError } from './errors';
export { demoPhotoPaths, humanModelsDirectory } from './shipped-assets';
