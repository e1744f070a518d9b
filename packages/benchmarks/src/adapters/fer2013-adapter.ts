import { createReadStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '@facial-r1/dataset';
import { decodeEmotionCode, LABEL_MAPS } from '@facial-r1/facs';
import { parse } from 'csv-parse';
import sharp from 'sharp';
import type { BenchmarkAdapter } from './benchmark-adapter';
import { BenchmarkDataError, DatasetLayoutError } from './errors';
import { loadClassFolders } from './folder-layout';
import { checkSplit, exists, limited, rejectRow, sample } from './shared';

const LAYOUT = 'fer2013.csv (emotion,pixels,Usage) or train|test/<class>/<file>.png';
const USAGE = { train: 'Training', val: 'PublicTest', test: 'PrivateTest' } as const;

/** Decodes one 48x48 pixel string to a PNG file (written once, atomically). */
async function writePixels(
  pixels: string,
  file: string,
  where: { file: string; line: number },
): Promise<void> {
  const values = pixels.trim().split(/\s+/);
  if (values.length !== 48 * 48 || values.some((value) => !/^\d{1,3}$/.test(value) || Number(value) > 255)) {
    throw new BenchmarkDataError(
      where.file,
      where.line,
      'pixels',
      `expected 2304 space-separated values 0-255, got ${values.length}`,
    );
  }
  if (await exists(file)) return;
  await mkdir(path.dirname(file), { recursive: true });
  const png = await sharp(Buffer.from(values.map(Number)), { raw: { width: 48, height: 48, channels: 1 } })
    .png()
    .toBuffer();
  await writeFileAtomic(file, png);
}

/**
 * FER2013: the Kaggle csv (pixels decoded to 48x48 PNGs in a cache folder; splits Training ->
 * train, PublicTest -> val, PrivateTest -> test, 3,589 rows) or the folder layout.
 */
export const fer2013Adapter: BenchmarkAdapter = {
  id: 'fer2013',
  version: 1,
  title: 'FER2013',
  task: 'emotion',
  labelSet: { emotions: LABEL_MAPS.fer2013.emotions },
  splits: ['train', 'val', 'test'],
  defaultSplit: 'test',
  layout: LAYOUT,
  load(root, options = {}) {
    const split = options.split ?? 'test';
    checkSplit('fer2013', split, this.splits);
    async function* rows() {
      const csv = path.join(root, 'fer2013.csv');
      if (!(await exists(csv))) {
        const folder = path.join(root, split === 'val' ? 'val' : split);
        if (!(await exists(folder)))
          throw new DatasetLayoutError('FER2013', root, LAYOUT, !(await exists(root)));
        yield* loadClassFolders('fer2013', folder, options, LABEL_MAPS.fer2013.emotions);
        return;
      }
      const cache = options.cacheDir ?? path.join(root, '.fea-cache', 'fer2013');
      const parser = createReadStream(csv).pipe(parse({ columns: true, skip_empty_lines: true, info: true }));
      for await (const { record, info } of parser as AsyncIterable<{
        record: Record<string, string>;
        info: { lines: number };
      }>) {
        const line = info.lines;
        for (const field of ['emotion', 'pixels', 'Usage']) {
          if (!(field in record))
            throw new BenchmarkDataError(csv, line, field, 'missing column; expected emotion,pixels,Usage');
        }
        if (record.Usage !== USAGE[split as keyof typeof USAGE]) continue;
        try {
          const emotion = decodeEmotionCode('fer2013', record.emotion!);
          const image = path.join(cache, record.Usage!, `${line}.png`);
          await writePixels(record.pixels!, image, { file: csv, line });
          yield sample({
            id: `${record.Usage}-${line}`,
            dataset: 'fer2013',
            image,
            emotion,
            meta: { split, line },
          });
        } catch (error) {
          rejectRow(
            options,
            error instanceof BenchmarkDataError
              ? error
              : new BenchmarkDataError(csv, line, 'emotion', (error as Error).message),
          );
        }
      }
    }
    return limited(rows(), options.limit);
  },
};
