import { writeFileAtomic } from './write-file-atomic';

/**
 * Writes records as JSON Lines through a temporary file in the same folder, fsyncs it and
 * renames it into place (see {@link writeFileAtomic}): readers see the old file or the whole
 * new one, never a half-written one. Returns the number of records.
 */
export async function writeJsonlAtomic(
  file: string,
  records: Iterable<unknown> | AsyncIterable<unknown>,
): Promise<number> {
  let count = 0;
  async function* chunks() {
    let buffer = '';
    for await (const record of records as AsyncIterable<unknown>) {
      buffer += `${JSON.stringify(record)}\n`;
      count += 1;
      if (buffer.length > 1 << 20) {
        yield buffer;
        buffer = '';
      }
    }
    if (buffer) yield buffer;
  }
  await writeFileAtomic(file, chunks());
  return count;
}
