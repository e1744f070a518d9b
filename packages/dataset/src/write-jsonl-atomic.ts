import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/**
 * Writes records as JSON Lines through a temporary file in the same folder, fsyncs it and
 * renames it into place: readers see the old file or the whole new one, never a half-written one.
 */
export async function writeJsonlAtomic(
  file: string,
  records: Iterable<unknown> | AsyncIterable<unknown>,
): Promise<number> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${Date.now()}.partial`,
  );
  const handle = await open(temporary, 'w');
  let count = 0;
  try {
    let buffer = '';
    for await (const record of records as AsyncIterable<unknown>) {
      buffer += `${JSON.stringify(record)}\n`;
      count += 1;
      if (buffer.length > 1 << 20) {
        await handle.write(buffer);
        buffer = '';
      }
    }
    if (buffer) await handle.write(buffer);
    await handle.sync();
    await handle.close();
    await rename(temporary, file);
    return count;
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temporary, { force: true });
    throw error;
  }
}
