export {
  type AuMetricOptions,
  type AuMetrics,
  type AuOutcome,
  type AuScore,
  auMetrics,
  auMetricsFromComparisons,
} from './au-metrics';
export { corpusBleu, type BleuScore } from './bleu';
export {
  type BootstrapOptions,
  bootstrapInterval,
  bootstrapMean,
  type Interval,
  pairedBootstrap,
  regeScore,
} from './bootstrap';
export { type ClassMetrics, type EmotionMetrics, emotionMetrics, extractEmotion } from './emotion-metrics';
export { type FeaRates, feaRates } from './fea-rates';
export { porterStem } from './porter-stemmer';
export { lcsLength, type RougeScore, type RougeScores, rougeL, rougeScores } from './rouge';
export { rougeTokenize } from './text-tokens';
