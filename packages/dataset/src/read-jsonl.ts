import { createReadStream } from 'node:fs';
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
 * The lines of a file, split on `\n` (a `\r` before it is dropped), each decoded as strict
 * UTF-8: a leading byte-order mark is skipped, and a line that is not valid UTF-8 comes back
 * with `line: undefined` instead of being silently replaced with U+FFFD. Streams in chunks.
 */
async function* readUtf8Lines(
  file: string,
): AsyncGenerator<{ lineNumber: number; line: string | undefined }> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const decode = (bytes: Buffer, lineNumber: number): string | undefined => {
    let start = 0;
    if (lineNumber === 1 && bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)
      start = 3;
    let end = bytes.length;
    if (end > start && bytes[end - 1] === 0x0d) end -= 1;
    try {
      return decoder.decode(bytes.subarray(start, end));
    } catch {
      return undefined;
    }
  };
  // The pieces of the line still open at the end of the last chunk; joined once, when its
  // newline arrives, so a long line costs its length and not its length times its chunks.
  let open: Buffer[] = [];
  let lineNumber = 0;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    let offset = 0;
    for (;;) {
      const newline = chunk.indexOf(0x0a, offset);
      if (newline < 0) break;
      const piece = chunk.subarray(offset, newline);
      const bytes = open.length ? Buffer.concat([...open, piece]) : piece;
      open = [];
      lineNumber += 1;
      yield { lineNumber, line: decode(bytes, lineNumber) };
      offset = newline + 1;
    }
    if (offset < chunk.length) open.push(chunk.subarray(offset));
  }
  if (open.length) {
    lineNumber += 1;
    yield { lineNumber, line: decode(Buffer.concat(open), lineNumber) };
  }
}

/**
 * Streams a JSON Lines file record by record (constant memory), skipping blank lines. A UTF-8
 * byte-order mark is accepted; bytes that are not valid UTF-8 are an error naming the line.
 * Errors are {@link InvalidRecordError}s that name the file, the 1-based line and the field.
 */
export async function* readJsonl<T = unknown>(
  file: string,
  options: ReadJsonlOptions<T> = {},
): AsyncGenerator<T> {
  for await (const entry of readJsonlEntries(file, options)) yield entry.value;
}

/** {@link readJsonl} that also gives the 1-based line of each record. */
export async function* readJsonlEntries<T = unknown>(
  file: string,
  options: ReadJsonlOptions<T> = {},
): AsyncGenerator<{ readonly value: T; readonly line: number }> {
  let lineNumber = 0;
  const reject = (error: InvalidRecordError) => {
    if (options.onInvalid === 'skip') options.onSkip?.(error);
    else throw error;
  };
  for await (const entry of readUtf8Lines(file)) {
    lineNumber = entry.lineNumber;
    if (entry.line === undefined) {
      reject(new InvalidRecordError(file, lineNumber, undefined, 'not valid UTF-8 text'));
      continue;
    }
    const line = entry.line;
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
      yield { value: value as T, line: lineNumber };
      continue;
    }
    const result = options.schema.safeParse(value);
    if (result.success) yield { value: result.data, line: lineNumber };
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
 * Pass `stats` to count what was read and skipped. A sample whose `id` an earlier sample of the
 * file already has is an {@link InvalidRecordError} (field `id`, naming the first line): a
 * benchmark must never count one sample twice.
 */
export async function* readFeaJsonl(
  file: string,
  options: Omit<ReadJsonlOptions<FeaSample>, 'schema'> & { readonly stats?: ReadStats } = {},
): AsyncGenerator<FeaSample> {
  for await (const entry of readFeaJsonlEntries(file, options)) yield entry.value;
}

/** {@link readFeaJsonl} that also gives the 1-based line of each sample. */
export async function* readFeaJsonlEntries(
  file: string,
  options: Omit<ReadJsonlOptions<FeaSample>, 'schema'> & { readonly stats?: ReadStats } = {},
): AsyncGenerator<{ readonly value: FeaSample; readonly line: number }> {
  const stats = options.stats;
  const onSkip = (error: InvalidRecordError) => {
    if (stats) stats.skippedInvalid += 1;
    options.onSkip?.(error);
  };
  const firstLine = new Map<string, number>();
  for await (const entry of readJsonlEntries(file, { ...options, schema: feaSampleSchema, onSkip })) {
    const sample = entry.value;
    if (sample.is_valid === false) {
      if (stats) stats.skippedNotValid += 1;
      continue;
    }
    const first = firstLine.get(sample.id);
    if (first !== undefined) {
      const error = new InvalidRecordError(
        file,
        entry.line,
        'id',
        `a unique id; "${sample.id}" is already the id of line ${first}`,
      );
      if (options.onInvalid === 'skip') onSkip(error);
      else throw error;
      continue;
    }
    firstLine.set(sample.id, entry.line);
    if (stats) stats.read += 1;
    yield entry;
  }
}
