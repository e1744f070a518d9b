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
export { ImageDecodeError, ModelFormatError, UnsupportedOpError } from './errors';
export {
  FACE_API_EXPRESSION_INPUT_SIZE,
  FACE_API_EXPRESSION_LABELS,
  FACE_API_EXPRESSION_MEAN_RGB,
  readFaceApiExpressionModel,
} from './convert/face-api-expression-graph';
export { demoPhotoPaths, faceApiModelsDirectory, humanModelsDirectory } from './shipped-assets';
export type {
  BaselineFaceMetadata,
  BaselineMetadata,
  FaceBaselineModelOptions,
} from './face-baseline-model';
export { baselineFaceMetadata, createFaceBaselineModel, readBaselineMetadata } from './face-baseline-model';
export type {
  BaselineEmotion,
  EmotionEstimate,
  EmotionFusion,
  EmotionModelOutputs,
} from './pipeline/combine-emotions';
export { combineEmotions, EMOTION_CNN_LABELS, EMOTION_FUSION } from './pipeline/combine-emotions';
export { composeReasoning } from './pipeline/compose-reasoning';
export type { DecodeBlazefaceOptions, FaceDetection } from './pipeline/decode-blazeface';
export { blazefaceAnchors, decodeBlazeface } from './pipeline/decode-blazeface';
export type {
  ActionUnitEstimate,
  AuCalibration,
  EstimatedAu,
  GeometricFeature,
  Landmark,
} from './pipeline/estimate-action-units';
export {
  AU_MEASURES,
  auFeatureValues,
  auProbability,
  estimateActionUnits,
  faceGeometry,
  GEOMETRIC_FEATURES,
} from './pipeline/estimate-action-units';
export type {
  FaceAnalysis,
  FaceAnalyzerOptions,
  FaceSource,
  ImageAnalysis,
  StageTimings,
} from './pipeline/face-analyzer';
export { decodeImage, FaceAnalyzer } from './pipeline/face-analyzer';
export type { RgbImage, SquareRegion } from './pipeline/raster';
export { regionToImage, sampleRegion } from './pipeline/raster';
export { analyzeImage } from './analyze-image';
export { createFacialR1ModelRegistry, FACIAL_R1_MODEL_PROVIDERS } from './facial-r1-model-registry';
