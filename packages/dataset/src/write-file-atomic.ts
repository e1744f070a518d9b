import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/** Options of {@link writeFileAtomic} and {@link withAtomicFile}. */
export interface AtomicWriteOptions {
  /** File mode of the new file (e.g. `0o600` for secrets). Default: 0o666 less the umask. */
  readonly mode?: number;
}

/** A temporary name beside `file`, unique per process and call (so concurrent writers never share one). */
function temporaryName(file: string): string {
  return path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.partial`,
  );
}

/** Flushes a directory entry (the rename) to disk; a no-op where directories cannot be fsynced. */
async function syncDirectory(directory: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(directory, 'r');
    await handle.sync();
  } catch {
    // Some platforms and file systems refuse fsync on a directory; the rename still happened.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * Creates `file` atomically through a writer that needs a path (a Parquet writer, a tool):
 * `write` writes to a unique temporary file in the same folder; then the file is fsynced,
 * renamed over `file` and the folder fsynced. Readers see the old file or the whole new one;
 * on failure the temporary file is removed and `file` is untouched.
 */
export async function withAtomicFile<T>(
  file: string,
  write: (temporary: string) => T | Promise<T>,
  options: AtomicWriteOptions = {},
): Promise<T> {
  const directory = path.dirname(file);
  await mkdir(directory, { recursive: true });
  const temporary = temporaryName(file);
  try {
    const result = await write(temporary);
    const handle = await open(temporary, 'r+');
    try {
      if (options.mode !== undefined) await handle.chmod(options.mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
    await syncDirectory(directory);
    return result;
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * Writes `data` to `file` atomically: a unique temporary file in the same folder, written,
 * fsynced, renamed into place, then the folder fsynced. `data` may be text, bytes or an
 * (async) iterable of chunks for large outputs. Nothing half-written is ever left at `file`.
 */
export async function writeFileAtomic(
  file: string,
  data: string | Uint8Array | Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>,
  options: AtomicWriteOptions = {},
): Promise<void> {
  await withAtomicFile(
    file,
    async (temporary) => {
      const handle = await open(temporary, 'w', options.mode ?? 0o666);
      try {
        if (typeof data === 'string' || data instanceof Uint8Array) await handle.writeFile(data);
        else for await (const chunk of data) await handle.writeFile(chunk);
      } finally {
        await handle.close();
      }
    },
    options,
  );
}
