import { FeaError } from '@facial-r1/spec';

/** A plan file that cannot be read or does not validate; names the file, line and field. */
export class PlanError extends FeaError {
  /** The plan file. */
  readonly file: string;
  /** Dotted path of the offending field, when known. */
  readonly field: string | undefined;
  /** 1-based line of the offending field, when known. */
  readonly line: number | undefined;

  constructor(options: { file: string; field?: string; line?: number; message: string; cause?: unknown }) {
    // `plan.yaml:10:`, the form editors and terminals turn into a link to the line.
    const where = options.line === undefined ? options.file : `${options.file}:${options.line}`;
    const field = options.field ? ` field "${options.field}":` : '';
    super('trainer/invalid-plan', `${where}:${field} ${options.message}`, { cause: options.cause });
    this.file = options.file;
    this.field = options.field;
    this.line = options.line;
  }
}

/** A training engine run that failed, could not start, or was interrupted. */
export class EngineRunError extends FeaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('trainer/engine-failed', message, options);
  }
}

/** A step of `fea-train run` whose inputs are missing or inconsistent. */
export class PipelineError extends FeaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('trainer/pipeline', message, options);
  }
}
