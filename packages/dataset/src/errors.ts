import { FeaError } from '@facial-r1/spec';

/** A JSONL line that is not valid JSON or does not match the schema; names file, line and field. */
export class InvalidRecordError extends FeaError {
  /**
   * @param file the JSONL file
   * @param line 1-based line number
   * @param field dotted path of the field at fault (`AUs.2`); undefined when the line is not JSON
   * @param expected what was expected (the schema's message)
   */
  constructor(
    readonly file: string,
    readonly line: number,
    readonly field: string | undefined,
    readonly expected: string,
  ) {
    super(
      'dataset/invalid-record',
      `${file}:${line}: ${field ? `field "${field}": ` : ''}${expected}. Fix the line, or read with onInvalid: 'skip' to skip and count bad lines.`,
    );
  }
}

/** An image that none of the image roots contains. */
export class ImageNotFoundError extends FeaError {
  /**
   * @param image the image path as the sample gives it
   * @param tried every absolute path looked at
   */
  constructor(
    readonly image: string,
    readonly tried: readonly string[],
  ) {
    super(
      'dataset/image-not-found',
      `image "${image}" not found; tried: ${tried.join(', ') || '(no image roots given)'}. Pass the folder that holds the images as an image root.`,
    );
  }
}

/** A JSONL file whose middle is damaged (only a torn last line is repaired automatically). */
export class CorruptJsonlError extends FeaError {
  /**
   * @param file the JSONL file
   * @param line 1-based number of the damaged line
   * @param detail what is wrong with it
   */
  constructor(
    readonly file: string,
    readonly line: number,
    detail: string,
  ) {
    super(
      'dataset/corrupt-jsonl',
      `${file}:${line}: ${detail}; only a torn last line is repaired on open - fix or remove this line.`,
    );
  }
}

/** An image path that leads out of its dataset's image root (by `..`, an absolute path or a symbolic link). */
export class ImageOutsideRootError extends FeaError {
  /**
   * @param image the image path as the annotation gives it
   * @param root the image root(s) it had to stay in
   * @param resolved where it leads
   */
  constructor(
    readonly image: string,
    readonly root: string,
    readonly resolved: string,
  ) {
    super(
      'dataset/image-outside-root',
      `image "${image}" leads to ${resolved}, outside the image root ${root}; image paths must stay inside their dataset. If that file is meant, allow paths outside the root explicitly (allowOutsideRoot; fea-eval run --allow-outside-root).`,
    );
  }
}

/** An image path that names something other than a regular file (a FIFO, a device, a folder). */
export class ImageNotRegularFileError extends FeaError {
  /**
   * @param image the image path as given
   * @param file the absolute path looked at
   */
  constructor(
    readonly image: string,
    readonly file: string,
  ) {
    super(
      'dataset/image-not-a-file',
      `image "${image}" (${file}) is not a regular file (a folder, FIFO or device); give the path of an image file.`,
    );
  }
}
