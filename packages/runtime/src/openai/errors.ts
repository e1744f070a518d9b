import { FeaError } from '@facial-r1/spec';

/** A model server answered with an error, timed out, or could not be reached, after the retries. */
export class ModelRequestError extends FeaError {
  /**
   * @param url the endpoint that failed last
   * @param status the HTTP status, or undefined for network errors and timeouts
   * @param message what went wrong and what to do
   */
  constructor(
    /** The endpoint that failed last (`http://host:8000/v1/chat/completions`). */
    readonly url: string,
    /** The HTTP status; undefined for network errors and timeouts. */
    readonly status: number | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    // Network errors, timeouts, 408, 429 and 5xx may pass on a later try; other 4xx will not.
    const transient = status === undefined || status === 408 || status === 429 || status >= 500;
    super('runtime/request-failed', message, { ...options, category: transient ? 'retryable' : 'input' });
  }
}

// Kept importable from here; it lives with the image-input helpers now.
export { ImageInputError } from '../errors';

/** An option of `createOpenAICompatibleModel` that is missing or out of range. */
export class InvalidModelOptionError extends FeaError {
  constructor(message: string) {
    super('runtime/invalid-option', message, { category: 'usage' });
  }
}
