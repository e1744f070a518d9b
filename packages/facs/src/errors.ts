/**
 * The base class of every error Facial-R1 packages throw. Each package defines typed
 * subclasses with a stable `code`; check with `FeaError.isInstance(error)` (or a subclass's
 * `isInstance`), which also works across duplicated copies of a package, where `instanceof`
 * does not.
 */
export class FeaError extends Error {
  /** A stable, machine-readable code such as `dataset/invalid-field`. */
  readonly code: string;

  /**
   * @param code stable machine-readable code, `<package>/<kind>`
   * @param message what went wrong and what to do about it
   * @param options `cause`: the underlying error, if any
   */
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    // A registry-wide symbol, not `instanceof`: survives duplicated copies of the package.
    Object.defineProperty(this, Symbol.for('facial-r1.error'), { value: true });
  }

  /** True for any Facial-R1 error, whichever copy of the package created it. */
  static isInstance(error: unknown): error is FeaError {
    return typeof error === 'object' && error !== null && Symbol.for('facial-r1.error') in error;
  }
}
