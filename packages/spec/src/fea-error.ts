/**
 * What kind of failure an error is, which decides what a caller does with it:
 *
 * - `usage`: the command line or the options are wrong (an unknown benchmark or model id, an
 *   option out of range). Fix the invocation; CLIs exit with 2.
 * - `input`: a file, image, dataset line or model the user gave is missing or invalid. Fix the
 *   data; CLIs exit with 1. The default for a {@link FeaError}.
 * - `retryable`: a transient failure (a server that is down, timed out, busy or answered 5xx);
 *   the same call may succeed later, so retry middleware retries it. CLIs exit with 1.
 * - `internal`: a broken invariant, a bug. Anything that is not a FeaError reads as internal.
 *   CLIs exit with 1.
 */
export const ERROR_CATEGORIES = ['usage', 'input', 'retryable', 'internal'] as const;

/** One of {@link ERROR_CATEGORIES}. */
export type ErrorCategory = (typeof ERROR_CATEGORIES)[number];

/** The process exit code of each category: every CLI maps errors through {@link exitCodeFor}. */
export const EXIT_CODES = {
  usage: 2,
  input: 1,
  retryable: 1,
  internal: 1,
} as const satisfies Record<ErrorCategory, number>;

/** Options of a {@link FeaError}. */
export interface FeaErrorOptions {
  /** The underlying error, if any. */
  readonly cause?: unknown;
  /** What kind of failure this is; default `input`. */
  readonly category?: ErrorCategory;
}

/** Marks every Facial-R1 error (kept from the first release so older copies still match). */
const BASE_MARKER = Symbol.for('facial-r1.error');

/** The marker of one error class, by name: class names are unique across the Facial-R1 packages. */
function markerOf(className: string): symbol {
  return Symbol.for(`facial-r1.error.${className}`);
}

/**
 * The base class of every error Facial-R1 packages throw. Each package defines typed
 * subclasses with a stable `code` and a {@link ErrorCategory}. Check with `X.isInstance(error)`:
 * true for errors of class `X` and its subclasses only, and it also works across duplicated
 * copies of a package, where `instanceof` does not.
 */
export class FeaError extends Error {
  /** A stable, machine-readable code such as `dataset/invalid-field`. */
  readonly code: string;

  /** What kind of failure this is: decides retries and exit codes. */
  readonly category: ErrorCategory;

  /**
   * @param code stable machine-readable code, `<package>/<kind>`
   * @param message what went wrong and what to do about it
   * @param options `cause`: the underlying error; `category`: default `input`
   */
  constructor(code: string, message: string, options?: FeaErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.category = options?.category ?? 'input';
    // Registry-wide symbols, not `instanceof`: they survive duplicated copies of a package.
    // One marker for every class from the constructed one up to (not including) FeaError.
    Object.defineProperty(this, BASE_MARKER, { value: true });
    for (
      let klass: unknown = new.target;
      typeof klass === 'function' && klass !== FeaError;
      klass = Object.getPrototypeOf(klass)
    ) {
      Object.defineProperty(this, markerOf((klass as { name: string }).name), { value: true });
    }
  }

  /**
   * True when `error` is an instance of the class this is called on (or of a subclass),
   * whichever copy of the package created it: `ModelFileError.isInstance(e)` is false for an
   * `ImageSizeError`; `FeaError.isInstance(e)` is true for every Facial-R1 error.
   */
  static isInstance<T extends FeaError>(
    this: abstract new (
      ...args: never[]
    ) => T,
    error: unknown,
  ): error is T {
    if (typeof error !== 'object' || error === null || !(BASE_MARKER in error)) return false;
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class isInstance is called on, the point of it.
    return (this as unknown) === FeaError || markerOf(this.name) in error;
  }
}

/** The category of any thrown value: a Facial-R1 error's own, `internal` for everything else. */
export function categoryOf(error: unknown): ErrorCategory {
  if (!FeaError.isInstance(error)) return 'internal';
  const category = (error as { category?: unknown }).category;
  return (ERROR_CATEGORIES as readonly unknown[]).includes(category) ? (category as ErrorCategory) : 'input';
}

/** The process exit code for a thrown value: 2 for usage errors, 1 for everything else. */
export function exitCodeFor(error: unknown): number {
  return EXIT_CODES[categoryOf(error)];
}
