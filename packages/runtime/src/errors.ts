import { FeaError } from '@facial-r1/facs';

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
