export { describeProgress, ProgressReporter } from './progress-reporter';
export { describeErrorForCli, findUnknownOption, isUsageError, USAGE_ERROR_CODES } from './usage-errors';
