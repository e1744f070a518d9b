import { FeaError } from '@facial-r1/spec';

/** A TFJS graph op (or op attribute) that the ONNX converter does not handle. */
export class UnsupportedOpError extends FeaError {
  constructor(
    /** The TensorFlow op type, e.g. `NonMaxSuppressionV5`. */
    readonly op: string,
    /** The name of the graph node that uses it. */
    readonly node: string,
    detail?: string,
  ) {
    super(
      'vision/unsupported-op',
      `Cannot convert TFJS op "${op}" (node "${node}")${detail ? `: ${detail}` : ''}. Supported ops are listed in SUPPORTED_TFJS_OPS.`,
    );
  }
}

/** A TFJS model.json or weight shard that is missing, malformed or inconsistent. */
export class ModelFormatError extends FeaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('vision/invalid-model', message, options);
  }
}

/** An image that cannot be read or decoded (missing file, not an image, truncated, over the pixel limit). */
export class ImageDecodeError extends FeaError {
  constructor(
    /** The file path, or `<buffer>`. */
    readonly source: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('vision/invalid-image', message, options);
  }
}
