export {
  CorruptJsonlError,
  ImageNotFoundError,
  ImageNotRegularFileError,
  ImageOutsideRootError,
  InvalidRecordError,
} from './errors';
export { type FeaSample, feaSampleSchema, parseFeaSample, safeParseFeaSample } from './fea-sample';
export { createJsonlAppender, type JsonlAppender } from './jsonl-appender';
export {
  type ReadJsonlOptions,
  type ReadStats,
  readFeaJsonl,
  readFeaJsonlEntries,
  readJsonl,
  readJsonlEntries,
} from './read-jsonl';
export { runPool } from './run-pool';
export { isInsideRoot, type ResolveImageOptions, resolveImagePath } from './resolve-image';
export { type AtomicWriteOptions, withAtomicFile, writeFileAtomic } from './write-file-atomic';
export { writeJsonlAtomic } from './write-jsonl-atomic';
export { mulberry32 } from './seeded-random';
