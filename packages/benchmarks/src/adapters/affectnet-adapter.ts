import { createReadStream } from 'node:fs';
import path from 'node:path';
import { decodeEmotionCode, LABEL_MAPS } from '@facial-r1/facs';
import { parse } from 'csv-parse';
import type { BenchmarkAdapter } from './benchmark-adapter';
import { BenchmarkDataError, DatasetLayoutError } from './errors';
import { loadClassFolders } from './folder-layout';
import { checkSplit, exists, findImage, limited, rejectRow, sample } from './shared';

const LAYOUT =
  'training.csv / validation.csv (subDirectory_filePath, ..., expression, ...) with Manually_Annotated_Images/, or train|val/<class>/<file>';

/**
 * AffectNet: the annotation csvs (codes 8 none, 9 uncertain, 10 no-face are not emotions and
 * are skipped, counted through `onSkip`) with images under `Manually_Annotated_Images/`, or
 * the 8-class folder layout. The validation set is the usual test set.
 */
export const affectnetAdapter: BenchmarkAdapter = {
  id: 'affectnet',
  version: 1,
  title: 'AffectNet (8 classes)',
  task: 'emotion',
  labelSet: { emotions: LABEL_MAPS.affectnet.emotions },
  splits: ['train', 'val'],
  defaultSplit: 'val',
  layout: LAYOUT,
  load(root, options = {}) {
    const split = options.split ?? 'val';
    checkSplit('affectnet', split, this.splits);
    async function* rows() {
      const csv = path.join(root, split === 'train' ? 'training.csv' : 'validation.csv');
      if (!(await exists(csv))) {
        const folder = path.join(root, split);
        if (!(await exists(folder)))
          throw new DatasetLayoutError('AffectNet', root, LAYOUT, !(await exists(root)));
        yield* loadClassFolders('affectnet', folder, options, LABEL_MAPS.affectnet.emotions, (code) =>
          decodeEmotionCode('affectnet', code, { safe: true }),
        );
        return;
      }
      const parser = createReadStream(csv).pipe(
        parse({ columns: true, skip_empty_lines: true, info: true, relax_column_count: true }),
      );
      for await (const { record, info } of parser as AsyncIterable<{
        record: Record<string, string>;
        info: { lines: number };
      }>) {
        const line = info.lines;
        const relative = record.subDirectory_filePath;
        const code = record.expression;
        if (!relative || code === undefined || !/^\d+$/.test(code.trim())) {
          rejectRow(
            options,
            new BenchmarkDataError(
              csv,
              line,
              relative ? 'expression' : 'subDirectory_filePath',
              'expected an image path and a numeric expression code',
            ),
          );
          continue;
        }
        const numeric = Number(code);
        if (LABEL_MAPS.affectnet.excludedCodes[numeric]) {
          options.onSkip?.(
            new BenchmarkDataError(
              csv,
              line,
              'expression',
              `code ${numeric} (${LABEL_MAPS.affectnet.excludedCodes[numeric]}) is not an emotion; skipped`,
            ),
          );
          continue;
        }
        try {
          const emotion = decodeEmotionCode('affectnet', numeric);
          const image = await findImage([path.join(root, 'Manually_Annotated_Images', relative)], {
            file: csv,
            line,
            root,
            allowOutsideRoot: options.allowOutsideRoot,
          });
          yield sample({
            id: relative.replace(/\.[^.]+$/, ''),
            dataset: 'affectnet',
            image,
            emotion,
            meta: { split, line, valence: Number(record.valence), arousal: Number(record.arousal) },
          });
        } catch (error) {
          rejectRow(
            options,
            error instanceof BenchmarkDataError
              ? error
              : new BenchmarkDataError(csv, line, 'expression', (error as Error).message),
          );
        }
      }
    }
    return limited(rows(), options.limit);
  },
};
