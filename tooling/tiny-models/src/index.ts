export { QWEN2_VL_CHAT_TEMPLATE } from './qwen2-vl-chat-template';
export {
  QWEN_TOKEN_IDS,
  type TinyQwenVLModelOptions,
  writeTinyQwenVLModel,
} from './write-tiny-qwen-vl-model';
