export { FeaError } from './errors';
