import { replaceFileAtomic } from './write-file-atomic';

/**
 * Writes records as JSON Lines through a temporary file in the same folder, fsyncs it and
 * renames it into place: readers see the old file or the whole new one, never a half-written one.
 */
export async function writeJsonlAtomic(
  file: string,
  records: Iterable<unknown> | AsyncIterable<unknown>,
): Promise<number> {
  return replaceFileAtomic(file, async (handle) => {
    let count = 0;
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
    return count;
  });
}
