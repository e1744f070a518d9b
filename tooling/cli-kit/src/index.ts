export { describeProgress, ProgressReporter } from './progress-reporter';
