import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '@facial-r1/dataset';

/** Writes records as JSON Lines atomically (temp file + rename); returns the row count. */
export async function writeJsonlFile(file: string, records: readonly unknown[]): Promise<number> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(
    file,
    records.map((record) => JSON.stringify(record)).join('\n') + (records.length ? '\n' : ''),
  );
  return records.length;
}

/** Writes each split with `toRecord`, as `<split>.jsonl` in `directory`. */
export async function writeJsonlSplits<T>(
  splits: Readonly<Record<string, readonly T[] | undefined>>,
  directory: string,
  toRecord: (item: T, index: number, split: string) => unknown,
) {
  const files: string[] = [];
  const rows: Record<string, number> = {};
  for (const [split, items] of Object.entries(splits)) {
    if (!items) continue;
    const file = path.join(directory, `${split}.jsonl`);
    rows[split] = await writeJsonlFile(
      file,
      items.map((item, index) => toRecord(item, index, split)),
    );
    files.push(file);
  }
  return { files, rows };
}
