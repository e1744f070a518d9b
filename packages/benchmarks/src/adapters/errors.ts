import { FeaError } from '@facial-r1/facs';

/** A malformed annotation row or missing file; names the file, line, field and what was expected. */
export class BenchmarkDataError extends FeaError {
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

/** A data root without the files a benchmark's native layout has. */
export class DatasetLayoutError extends FeaError {
  constructor(benchmark: string, root: string, layout: string) {
    super(
      'benchmarks/wrong-data-root',
      `${root} does not look like ${benchmark}: expected ${layout}. Pass the folder you downloaded (--data).`,
    );
  }
}

/** An unknown benchmark id, with the closest known ids. */
export class UnknownBenchmarkError extends FeaError {
  constructor(
    readonly benchmark: string,
    readonly suggestions: readonly string[],
    known: readonly string[],
  ) {
    super(
      'benchmarks/unknown-benchmark',
      `unknown benchmark "${benchmark}"${suggestions.length ? `; did you mean ${suggestions.map((item) => `"${item}"`).join(' or ')}?` : ''} Known: ${known.join(', ')}`,
    );
  }
}
