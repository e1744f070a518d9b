export {
  ACTION_UNIT_LIST,
  ACTION_UNITS,
  type ActionUnit,
  AU_CODES,
  auCodeOf,
  type AuCode,
  type AuId,
  type FaceRegion,
  getActionUnit,
  INTENSITIES,
  INTENSITY_MEANINGS,
  type Intensity,
  isFacsAu,
  LATERALITIES,
  LATERALITY_MEANINGS,
  type Laterality,
  toAuId,
} from './action-units';
export {
  type BestSupportedEmotionOptions,
  bestSupportedEmotion,
  EMOTION_RULES,
  type EmotionRule,
  type EmotionSupport,
  scoreEmotionsFromAus,
} from './emotion-rules';
export {
  EMOTION_LEXICON,
  EMOTION_TERMS,
  EMOTIONS,
  type Emotion,
  isEmotion,
  normalizeEmotion,
  normalizeTerm,
} from './emotions';
export { FeaError } from './errors';
export { didYouMean, editDistance, suggestClosest } from '@facial-r1/spec';
export {
  AU_VOCABULARIES,
  type AuVocabularyId,
  type DecodeEmotionCodeOptions,
  decodeEmotionCode,
  LABEL_MAPS,
  type LabelMap,
  type LabelMapId,
  type SafeDecodeEmotionCodeResult,
  safeDecodeEmotionCode,
  UnknownLabelCodeError,
} from './label-maps';
