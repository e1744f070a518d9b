import { FeaError } from '@facial-r1/facs';

/** A model server answered with an error, or could not be reached, after the retries. */
export class ModelRequestError extends FeaError {
  constructor(
    readonly url: string,
    readonly status: number | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('runtime/request-failed', message, options);
  }
}

/** A model id whose provider is not registered, or that is malformed. */
export class ModelIdError extends FeaError {
  constructor(message: string) {
    super('runtime/invalid-model-id', message);
  }
}

/** An image that cannot be read or is not an image. */
export class ImageInputError extends FeaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('runtime/invalid-image', message, options);
  }
}
