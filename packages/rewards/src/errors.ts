import { FeaError } from '@facial-r1/spec';

/** A preset, term or argument that does not exist or does not fit. */
export class RewardConfigurationError extends FeaError {
  constructor(message: string) {
    super('rewards/invalid-configuration', message, { category: 'usage' });
  }
}
