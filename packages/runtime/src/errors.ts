import { FeaError } from '@facial-r1/spec';

/** An image has more pixels than the processor allows (a decompression bomb guard). */
export class ImagePixelLimitError extends FeaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('runtime/image-pixel-limit', message, options);
  }
}

/** The image cannot be resized within the processor's bounds (too small or too elongated). */
export class ImageSizeError extends FeaError {
  constructor(message: string) {
    super('runtime/image-size', message);
  }
}

/** A model file is missing, unreadable or not a valid ONNX / JSON file. */
export class ModelFileError extends FeaError {
  constructor(
    /** The file that failed. */
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('runtime/model-file', message, options);
  }
}

/** `config.json` names an architecture this backend does not run. */
export class UnsupportedArchitectureError extends FeaError {
  constructor(message: string) {
    super('runtime/unsupported-architecture', message);
  }
}

/** A prompt (images included) does not fit in the model's context length. */
export class ContextLengthError extends FeaError {
  constructor(
    /** Tokens in the prompt. */
    readonly promptTokens: number,
    /** The model's context length. */
    readonly contextLength: number,
    message: string,
  ) {
    super('runtime/context-length', message);
  }
}

/** An image that cannot be read or is not an encoded image. */
export class ImageInputError extends FeaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('runtime/invalid-image', message, options);
  }
}
