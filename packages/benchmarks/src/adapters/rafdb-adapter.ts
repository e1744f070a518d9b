import path from 'node:path';
import { decodeEmotionCode, LABEL_MAPS } from '@facial-r1/facs';
import type { BenchmarkAdapter } from './benchmark-adapter';
import { BenchmarkDataError } from './errors';
import { checkSplit, findImage, limited, readLines, rejectRow, requireOne, sample } from './shared';

const LAYOUT =
  'EmoLabel/list_patition_label.txt and Image/aligned/<name>_aligned.jpg (or Image/original/<name>)';

/** RAF-DB basic: 7 emotions, `EmoLabel/list_patition_label.txt`, train/test by file-name prefix. */
export const rafdbAdapter: BenchmarkAdapter = {
  id: 'rafdb',
  version: 1,
  title: 'RAF-DB (basic)',
  task: 'emotion',
  labelSet: { emotions: LABEL_MAPS.rafdb.emotions },
  splits: ['train', 'test'],
  defaultSplit: 'test',
  layout: LAYOUT,
  load(root, options = {}) {
    const split = options.split ?? 'test';
    checkSplit('rafdb', split, this.splits);
    async function* rows() {
      const file = await requireOne('RAF-DB', root, LAYOUT, ['EmoLabel/list_patition_label.txt']);
      const firstLine = new Map<string, number>();
      for (const { line, text } of await readLines(file)) {
        const [name, code, ...rest] = text.split(/\s+/);
        if (!name || !code || rest.length) {
          rejectRow(
            options,
            new BenchmarkDataError(file, line, undefined, `expected "<image> <code>", got "${text}"`),
          );
          continue;
        }
        if (!name.startsWith(`${split}_`)) continue;
        if (/[/\\]/.test(name) || name === '..') {
          rejectRow(
            options,
            new BenchmarkDataError(
              file,
              line,
              'image',
              `expected a file name without folders, got "${name}"`,
            ),
          );
          continue;
        }
        const seen = firstLine.get(name);
        if (seen !== undefined) {
          rejectRow(
            options,
            new BenchmarkDataError(
              file,
              line,
              'image',
              `"${name}" is already listed on line ${seen}; each image once`,
            ),
          );
          continue;
        }
        firstLine.set(name, line);
        try {
          const emotion = decodeEmotionCode('rafdb', code);
          const stem = name.replace(/\.[^.]+$/, '');
          const image = await findImage(
            [
              path.join(root, 'Image/aligned', `${stem}_aligned.jpg`),
              path.join(root, 'Image/original', name),
            ],
            { file, line, root, allowOutsideRoot: options.allowOutsideRoot },
          );
          yield sample({ id: stem, dataset: 'rafdb', image, emotion, meta: { split, line } });
        } catch (error) {
          rejectRow(
            options,
            error instanceof BenchmarkDataError
              ? error
              : new BenchmarkDataError(file, line, 'label', (error as Error).message),
          );
        }
      }
    }
    return limited(rows(), options.limit);
  },
};
