import { randomBytes } from 'node:crypto';
import { type FileHandle, mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/** Options of {@link replaceFileAtomic} and {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /** File permissions (`0o600` for secrets); default: the process umask's. */
  readonly mode?: number;
}

/**
 * Replaces `file` all at once: `write` fills a temporary file with a unique name in the same
 * folder (so concurrent writers never share one), which is fsynced and renamed into place.
 * Readers see the old file or the whole new one, never a half-written one; on failure the
 * temporary file is removed and the old file is left as it was. Creates the folder.
 */
export async function replaceFileAtomic<T>(
  file: string,
  write: (handle: FileHandle) => Promise<T>,
  options: AtomicWriteOptions = {},
): Promise<T> {
  const directory = path.dirname(file);
  await mkdir(directory, { recursive: true });
  const temporary = path.join(
    directory,
    `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.partial`,
  );
  const handle = await open(temporary, 'w', options.mode);
  try {
    // The permissions hold from the first byte (a token file is never readable by others).
    if (options.mode !== undefined) await handle.chmod(options.mode);
    const result = await write(handle);
    await handle.sync();
    await handle.close();
    await rename(temporary, file);
    return result;
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Writes `data` to `file` atomically (unique temporary name, fsync, rename); see {@link replaceFileAtomic}. */
export async function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  await replaceFileAtomic(
    file,
    async (handle) => {
      await handle.writeFile(data);
    },
    options,
  );
}
