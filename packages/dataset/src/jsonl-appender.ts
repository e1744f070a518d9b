import { open, type FileHandle, readFile, truncate } from 'node:fs/promises';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { CorruptJsonlError } from './errors';

const NEWLINE = 0x0a;

/**
 * The keys of the complete records in `bytes` and the length of its valid prefix (a torn last
 * line excluded). One pass over the bytes. Exported for tests and the resume bench.
 */
export function scanJsonlForResume<T>(
  file: string,
  bytes: Buffer,
  key: (record: T) => string,
): { keys: string[]; validBytes: number } {
  const keys: string[] = [];
  let validBytes = 0;
  let offset = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  if (offset === 3) validBytes = 3;
  let lineNumber = 0;
  while (offset < bytes.length) {
    const newline = bytes.indexOf(NEWLINE, offset);
    lineNumber += 1;
    const end = newline < 0 ? bytes.length : newline;
    const line = bytes.toString('utf8', offset, end);
    const isLast = newline < 0 || newline === bytes.length - 1;
    const blank = line.trim() === '';
    let record: T | undefined;
    if (!blank) {
      try {
        record = JSON.parse(line) as T;
      } catch {
        if (!isLast) throw new CorruptJsonlError(file, lineNumber, 'not valid JSON');
      }
    }
    if (newline < 0 || (record === undefined && !blank)) break; // torn tail: drop it
    if (record !== undefined) keys.push(key(record));
    offset = newline + 1;
    validBytes = offset;
  }
  return { keys, validBytes };
}

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
 * the complete records are loaded, so a rerun skips what is done. Records are written whole
 * (never interleaved) and `fsync`ed before `append` resolves; concurrent appends are group-
 * committed (one write and one fsync per batch). A damaged line before the last is a {@link CorruptJsonlError}.
 */
export async function createJsonlAppender<T>(
  file: string,
  options: { readonly key: (record: T) => string },
): Promise<JsonlAppender<T>> {
  await mkdir(path.dirname(file), { recursive: true });
  const keys = new Set<string>();
  // Scan the bytes, not a decoded string: offsets are byte offsets from the start, so each
  // line is visited once and a resume is linear in the file size.
  const existing = await readFile(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return Buffer.alloc(0);
    throw error;
  });
  const { keys: loaded, validBytes } = scanJsonlForResume(file, existing, options.key);
  for (const key of loaded) keys.add(key);
  if (validBytes !== existing.length) await truncate(file, validBytes);

  const handle: FileHandle = await open(file, 'a');
  // Group commit: appends that arrive while a batch is being written join the next batch,
  // which is written with one write and made durable with one fsync. Each append resolves
  // only after its own batch is on disk.
  type Pending = {
    line: string;
    key: string;
    resolve: (written: boolean) => void;
    reject: (error: unknown) => void;
  };
  let pending: Pending[] = [];
  const pendingKeys = new Set<string>();
  let flushing: Promise<void> | undefined;
  let closed = false;
  const flush = async () => {
    while (pending.length) {
      const batch = pending;
      pending = [];
      try {
        await handle.write(batch.map((item) => item.line).join(''));
        await handle.sync();
        for (const item of batch) {
          keys.add(item.key);
          item.resolve(true);
        }
      } catch (error) {
        for (const item of batch) item.reject(error);
      } finally {
        for (const item of batch) pendingKeys.delete(item.key);
      }
    }
    flushing = undefined;
  };
  return {
    has: (key) => keys.has(key),
    get size() {
      return keys.size;
    },
    append(record) {
      if (closed) return Promise.reject(new Error(`appender for ${file} is closed`));
      const key = options.key(record);
      if (keys.has(key) || pendingKeys.has(key)) return Promise.resolve(false);
      pendingKeys.add(key);
      return new Promise<boolean>((resolve, reject) => {
        pending.push({ line: `${JSON.stringify(record)}\n`, key, resolve, reject });
        flushing ??= flush();
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      await flushing;
      await handle.close();
    },
  };
}
