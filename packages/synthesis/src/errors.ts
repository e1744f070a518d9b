import { FeaError } from '@facial-r1/spec';

/** A review sheet row that cannot be applied; names the file, line and column. */
export class ReviewSheetError extends FeaError {
  constructor(
    readonly file: string,
    readonly line: number,
    message: string,
  ) {
    super('synthesis/invalid-review-row', `${file}:${line}: ${message}`);
  }
}
