import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { z } from 'zod';
import { InvalidRecordError } from './errors';
import { describeSchemaIssue, type FeaSample, feaSampleSchema } from './fea-sample';

/** Options of {@link readJsonl}. */
export interface ReadJsonlOptions<T> {
  /** Validates each record; its first issue becomes the error's field and expectation. */
  readonly schema?: z.ZodType<T>;
  /** `fail` (default): throw on the first bad line; `skip`: skip it and report through `onSkip`. */
  readonly onInvalid?: 'fail' | 'skip';
  /** Called for each skipped line. */
  readonly onSkip?: (error: InvalidRecordError) => void;
}

/**
 * Streams a JSON Lines file record by record (constant memory), skipping blank lines.
 * Errors are {@link InvalidRecordError}s that name the file, the 1-based line and the field.
 */
export async function* readJsonl<T = unknown>(
  file: string,
  options: ReadJsonlOptions<T> = {},
): AsyncGenerator<T> {
  const lines = createInterface({
    input: createReadStream(file, { encoding: 'utf8' }),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let lineNumber = 0;
  const reject = (error: InvalidRecordError) => {
    if (options.onInvalid === 'skip') options.onSkip?.(error);
    else throw error;
  };
  for await (const line of lines) {
    lineNumber += 1;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      reject(
        new InvalidRecordError(file, lineNumber, undefined, `not valid JSON (${(error as Error).message})`),
      );
      continue;
    }
    if (!options.schema) {
      yield value as T;
      continue;
    }
    const result = options.schema.safeParse(value);
    if (result.success) yield result.data;
    else {
      const { field, expected } = describeSchemaIssue(result.error.issues[0]!);
      reject(new InvalidRecordError(file, lineNumber, field, expected));
    }
  }
}

/** Statistics of a {@link readFeaJsonl} pass, filled in as it reads. */
export interface ReadStats {
  /** Samples yielded. */
  read: number;
  /** Lines skipped as invalid (`onInvalid: 'skip'`). */
  skippedInvalid: number;
  /** Samples skipped for `is_valid: false`. */
  skippedNotValid: number;
}

/**
 * Streams FEA samples (FEA-20K JSONL), validating each and skipping `is_valid: false`.
 * Pass `stats` to count what was read and skipped.
 */
export async function* readFeaJsonl(
  file: string,
  options: Omit<ReadJsonlOptions<FeaSample>, 'schema'> & { readonly stats?: ReadStats } = {},
): AsyncGenerator<FeaSample> {
  const stats = options.stats;
  for await (const sample of readJsonl(file, {
    ...options,
    schema: feaSampleSchema,
    onSkip: (error) => {
      if (stats) stats.skippedInvalid += 1;
      options.onSkip?.(error);
    },
  })) {
    if (sample.is_valid === false) {
      if (stats) stats.skippedNotValid += 1;
      continue;
    }
    if (stats) stats.read += 1;
    yield sample;
  }
}
