export { QWEN2_VL_CHAT_TEMPLATE } from './qwen2-vl-chat-template';
export { toHalfArray, toHalfBits } from './graph-builder';
export {
  TINY_MODEL_DTYPE_SUFFIXES,
  TINY_MODEL_DTYPES,
  type TinyModelDtype,
} from './linear';
export {
  QWEN_TOKEN_IDS,
  type TinyQwenVLModelOptions,
  writeTinyQwenVLModel,
} from './write-tiny-qwen-vl-model';
export { type Dimension, ElementType, GraphBuilder } from './graph-builder';
