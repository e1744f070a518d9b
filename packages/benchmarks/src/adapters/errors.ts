import { FeaError } from '@facial-r1/spec';

/** A malformed annotation row or missing file; names the file, line, field and what was expected. */
export class BenchmarkDataError extends FeaError {
  /**
   * @param file the annotation file (or folder) at fault
   * @param line 1-based line (JSON arrays: 1-based record index), when there is one
   * @param field the column or field at fault, when one is
   * @param expected what was expected and what was found
   */
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly field: string | undefined,
    readonly expected: string,
  ) {
    super(
      'benchmarks/invalid-data',
      `${file}${line === undefined ? '' : `:${line}`}: ${field ? `field "${field}": ` : ''}${expected}`,
    );
  }
}

/** A data root without the files a benchmark's native layout has, or one that does not exist. */
export class DatasetLayoutError extends FeaError {
  /**
   * @param benchmark the benchmark's name
   * @param root the data root given
   * @param layout the files that root should hold
   * @param missing true when the root itself does not exist (code `benchmarks/data-root-not-found`)
   */
  constructor(benchmark: string, root: string, layout: string, missing = false) {
    super(
      missing ? 'benchmarks/data-root-not-found' : 'benchmarks/wrong-data-root',
      missing
        ? `${root} does not exist; pass the ${benchmark} folder you downloaded (fea-eval run --data, or a plan's datasets[].root), which holds ${layout}.`
        : `${root} does not look like ${benchmark}: expected ${layout}. Pass the folder you downloaded (fea-eval run --data, or a plan's datasets[].root).`,
    );
  }
}

/** A split, fold or protocol option the benchmark does not have (a usage error). */
export class BenchmarkOptionError extends FeaError {
  /**
   * @param option the option at fault (`split`, `fold`)
   * @param message what was given and what is allowed
   */
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(`benchmarks/invalid-${option}`, message, { category: 'usage' });
  }
}

/** An unknown benchmark id, with the closest known ids. */
export class UnknownBenchmarkError extends FeaError {
  /**
   * @param benchmark the id asked for
   * @param suggestions the closest known ids (edit distance), best first
   * @param known every known id
   */
  constructor(
    readonly benchmark: string,
    readonly suggestions: readonly string[],
    known: readonly string[],
  ) {
    super(
      'benchmarks/unknown-benchmark',
      `unknown benchmark "${benchmark}"${suggestions.length ? `; did you mean ${suggestions.map((item) => `"${item}"`).join(' or ')}?` : ''} Known: ${known.join(', ')}`,
      { category: 'usage' },
    );
  }
}
