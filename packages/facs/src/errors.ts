// The error base lives in the dependency-free `@facial-r1/spec`; re-exported here so existing
// `import { FeaError } from '@facial-r1/facs'` keeps working.
export {
  categoryOf,
  ERROR_CATEGORIES,
  type ErrorCategory,
  EXIT_CODES,
  exitCodeFor,
  FeaError,
  type FeaErrorOptions,
} from '@facial-r1/spec';
