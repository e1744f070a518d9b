export type { SftExample } from './sft-record';
export {
  llamaFactoryDatasetInfo,
  type ShareGptRecord,
  toShareGptRecord,
  writeLlamaFactoryDataset,
} from './llama-factory-export';
export { type TrlConversationRecord, toTrlConversationRecord, writeTrlConversationJsonl } from './trl-export';
