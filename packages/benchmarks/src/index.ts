export { BP4D_FOLDS, DISFA_FOLDS } from './adapters/au-folds';
export type {
  BenchmarkAdapter,
  BenchmarkSample,
  BenchmarkTask,
  LoadOptions,
} from './adapters/benchmark-adapter';
export {
  BenchmarkDataError,
  BenchmarkOptionError,
  DatasetLayoutError,
  UnknownBenchmarkError,
} from './adapters/errors';
export { BP4D_FRAME_TEMPLATES } from './adapters/bp4d-adapter';
export { DISFA_FRAME_TEMPLATES } from './adapters/disfa-adapter';
export { FABA_EMOTION_CODES } from './adapters/faba-adapter';
export { parseRafAuLabel } from './adapters/raf-au-adapter';
export { fillFrameTemplate } from './adapters/shared';
export {
  BENCHMARK_IDS,
  BENCHMARKS,
  type BenchmarkId,
  getBenchmark,
  listBenchmarks,
} from './adapters/registry';
export * from './evaluate/index';
export * from './metrics/index';
