export { createProgram, EXIT, main } from './cli';
export { type ComparedMetric, compareReports, readRunReports, renderComparison } from './compare-runs';
export { PAPER_RESULTS } from './paper-results';
export {
  type PredictionRecord,
  type RunBenchmarkOptions,
  type RunBenchmarkResult,
  runBenchmark,
} from './run-benchmark';
export { renderHtmlReport } from './html-report';
export { type AnalyzedImage, analyzeImages, formatAnalysis } from './analyze-images';
export { renderAnalysisHtml } from './analyze-report';
