export { describeProgress, ProgressReporter } from './progress-reporter';
export { describeErrorForCli, findUnknownOption } from './usage-errors';
