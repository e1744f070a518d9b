import { open, type FileHandle, readFile, truncate } from 'node:fs/promises';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { CorruptJsonlError } from './errors';

/** An append-only JSONL file that survives crashes and resumes by key. */
export interface JsonlAppender<T> {
  /** True when a record with this key is already in the file. */
  has(key: string): boolean;
  /** Records in the file. */
  readonly size: number;
  /** Appends one record (one write, then fsync); false, writing nothing, when its key is present. */
  append(record: T): Promise<boolean>;
  /** Waits for pending writes and closes the file. */
  close(): Promise<void>;
}

/**
 * Opens (or creates) a JSONL file for crash-safe appends. On open, a torn last line (a write
 * cut short by a crash: no trailing newline, or not valid JSON) is cut off, and the keys of
 * the complete records are loaded, so a rerun skips what is done. Each record is written with
 * one `write` of the whole line and `fsync`ed before `append` resolves; appends are serialised,
 * so lines never interleave. A damaged line before the last is a {@link CorruptJsonlError}.
 */
export async function createJsonlAppender<T>(
  file: string,
  options: { readonly key: (record: T) => string },
): Promise<JsonlAppender<T>> {
  await mkdir(path.dirname(file), { recursive: true });
  const keys = new Set<string>();
  const existing = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });
  let validBytes = 0;
  let offset = 0;
  let lineNumber = 0;
  while (offset < existing.length) {
    const newline = existing.indexOf('\n', offset);
    lineNumber += 1;
    const line = existing.slice(offset, newline < 0 ? existing.length : newline);
    const isLast = newline < 0 || newline === existing.length - 1;
    let record: T | undefined;
    if (line.trim() !== '') {
      try {
        record = JSON.parse(line) as T;
      } catch {
        if (!isLast) throw new CorruptJsonlError(file, lineNumber, 'not valid JSON');
      }
    }
    if (newline < 0 || (record === undefined && line.trim() !== '')) break; // torn tail: drop it
    if (record !== undefined) keys.add(options.key(record));
    offset = newline + 1;
    validBytes = Buffer.byteLength(existing.slice(0, offset));
  }
  if (validBytes !== Buffer.byteLength(existing)) await truncate(file, validBytes);

  const handle: FileHandle = await open(file, 'a');
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;
  return {
    has: (key) => keys.has(key),
    get size() {
      return keys.size;
    },
    append(record) {
      if (closed) return Promise.reject(new Error(`appender for ${file} is closed`));
      const key = options.key(record);
      const write = queue.then(async () => {
        if (keys.has(key)) return false;
        await handle.write(`${JSON.stringify(record)}\n`);
        await handle.sync();
        keys.add(key);
        return true;
      });
      queue = write.catch(() => undefined);
      return write;
    },
    async close() {
      if (closed) return;
      closed = true;
      await queue;
      await handle.close();
    },
  };
}
