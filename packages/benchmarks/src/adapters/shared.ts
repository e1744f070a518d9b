import { access, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { isInsideRoot } from '@facial-r1/dataset';
import { didYouMean, type Emotion } from '@facial-r1/facs';
import type { BenchmarkSample, LoadOptions } from './benchmark-adapter';
import { BenchmarkDataError, BenchmarkOptionError, DatasetLayoutError } from './errors';

export const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

/** Throws {@link DatasetLayoutError} unless one of `candidates` exists; returns the first that does. */
export async function requireOne(
  benchmark: string,
  root: string,
  layout: string,
  candidates: readonly string[],
): Promise<string> {
  for (const candidate of candidates)
    if (await exists(path.join(root, candidate))) return path.join(root, candidate);
  throw new DatasetLayoutError(benchmark, root, layout, !(await exists(root)));
}

/** Lines of a text file with 1-based numbers, blank lines dropped. */
export async function readLines(file: string): Promise<{ line: number; text: string }[]> {
  const text = await readFile(file, 'utf8');
  return text
    .split(/\r?\n/)
    .map((value, index) => ({ line: index + 1, text: value.trim() }))
    .filter((item) => item.text !== '');
}

/** Applies the load policy to a bad row: throw, or report and skip. */
export function rejectRow(options: LoadOptions | undefined, error: Error): void {
  if (options?.onInvalid === 'skip') options.onSkip?.(error);
  else throw error;
}

/**
 * The first existing image among candidates, or a typed error naming the annotation line.
 * With `root` (and without `allowOutsideRoot`), a candidate that leads out of the root, by
 * `..`, an absolute path or a symbolic link (checked on the real path), is refused; so is a
 * path that names something other than a regular file (a FIFO would block the reader).
 */
export async function findImage(
  candidates: readonly string[],
  annotation: { file: string; line?: number; root?: string; allowOutsideRoot?: boolean },
): Promise<string> {
  const root = annotation.root === undefined ? undefined : path.resolve(annotation.root);
  const guard = root !== undefined && annotation.allowOutsideRoot !== true;
  const refuse = (detail: string) =>
    new BenchmarkDataError(annotation.file, annotation.line, 'image', detail);
  const outside = (candidate: string, resolved: string) =>
    refuse(
      `"${candidate}" leads to ${resolved}, outside the data root ${root}; images must stay inside the dataset (pass allowOutsideRoot, fea-eval run --allow-outside-root, if that file is meant)`,
    );
  let escaped: string | undefined;
  const tried: string[] = [];
  for (const candidate of candidates) {
    const absolute = path.resolve(candidate);
    if (guard && !isInsideRoot(root, absolute)) {
      escaped ??= absolute;
      continue;
    }
    tried.push(candidate);
    let real: string;
    try {
      real = await realpath(absolute);
    } catch {
      continue;
    }
    if (guard) {
      const realRoot = await realpath(root).catch(() => root);
      if (!isInsideRoot(realRoot, real)) throw outside(candidate, real);
    }
    if (!(await stat(real)).isFile())
      throw refuse(`${candidate} is not a regular file (a folder, FIFO or device)`);
    return candidate;
  }
  if (escaped !== undefined && !tried.length) throw outside(escaped, escaped);
  throw refuse(`no image at ${tried.join(' or ')}`);
}

/** Builds a sample. */
export function sample(fields: {
  id: string;
  dataset: string;
  image: string;
  emotion?: Emotion | null;
  aus?: readonly string[];
  description?: string;
  meta?: Record<string, unknown>;
}): BenchmarkSample {
  return {
    id: fields.id,
    dataset: fields.dataset,
    image: fields.image,
    AUs: [...(fields.aus ?? [])],
    labels: fields.emotion ? [fields.emotion] : [],
    ...(fields.description ? { description: fields.description } : {}),
    meta_info: fields.meta ?? {},
  };
}

/** Yields at most `limit` items. */
export async function* limited<T>(source: AsyncIterable<T>, limit: number | undefined): AsyncGenerator<T> {
  if (limit === 0) return;
  let count = 0;
  for await (const item of source) {
    yield item;
    count += 1;
    if (limit !== undefined && count >= limit) return;
  }
}

/** The train/test subjects of a 3-fold protocol: test = fold `fold`, train = the others. */
export function foldSubjects(
  folds: readonly (readonly string[])[],
  options: LoadOptions,
  split: string,
): Set<string> {
  if (options.subjects) return new Set(options.subjects);
  const fold = options.fold ?? 0;
  if (!Number.isInteger(fold) || fold < 0 || fold >= folds.length)
    throw new BenchmarkOptionError('fold', `fold must be 0, 1 or 2, got ${fold}`);
  if (split === 'all') return new Set(folds.flat());
  return new Set(split === 'test' ? folds[fold]! : folds.filter((_, index) => index !== fold).flat());
}

export function checkSplit(benchmark: string, split: string, splits: readonly string[]): void {
  if (!splits.includes(split))
    throw new BenchmarkOptionError(
      'split',
      `${benchmark} has no split "${split}"${didYouMean(split, splits)}; splits: ${splits.join(', ')}`,
    );
}

/**
 * Fills a frame-path template (`Images/{subject}/{frame:5}.jpg`): `{name}` is replaced by the
 * value, `{name:n}` by the value zero-padded to n digits. An unknown placeholder is a RangeError.
 */
export function fillFrameTemplate(
  template: string,
  values: Readonly<Record<string, string | number>>,
): string {
  return template.replace(/\{(\w+)(?::(\d+))?\}/g, (_, name: string, width: string | undefined) => {
    const value = values[name];
    if (value === undefined)
      throw new RangeError(
        `frame template "${template}" uses {${name}}; available: ${Object.keys(values)
          .map((key) => `{${key}}`)
          .join(', ')}`,
      );
    return width ? String(value).padStart(Number(width), '0') : String(value);
  });
}

/** Candidate image paths of one extracted frame: the user's template, or the usual names. */
export function frameCandidates(
  root: string,
  options: LoadOptions,
  defaults: readonly string[],
  values: Readonly<Record<string, string | number>>,
): string[] {
  const templates = options.frameTemplate ? [options.frameTemplate] : defaults;
  return templates.map((template) => path.join(root, fillFrameTemplate(template, values)));
}
