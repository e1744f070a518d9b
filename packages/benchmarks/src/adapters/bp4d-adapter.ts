import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { AU_VOCABULARIES } from '@facial-r1/facs';
import type { BenchmarkAdapter } from './benchmark-adapter';
import { BP4D_FOLDS } from './au-folds';
import { BenchmarkDataError } from './errors';
import {
  checkSplit,
  findImage,
  foldSubjects,
  fillFrameTemplate,
  frameCandidates,
  limited,
  readLines,
  rejectRow,
  requireOne,
  sample,
} from './shared';

const LAYOUT =
  'AUCoding/AU_OCC/F001_T1.csv (header Frame,1,2,4,...; 0/1, 9 = unknown) and frames <subject>/<task>/<frame>.jpg';

/** Where frames are looked for when no `frameTemplate` is given (first match wins). */
export const BP4D_FRAME_TEMPLATES = [
  '{subject}/{task}/{frame}.jpg',
  '{subject}/{task}/{frame:4}.jpg',
  '{subject}/{task}/{frame:3}.jpg',
  '{subject}/{task}/{frame}.png',
] as const;

/**
 * BP4D: per-sequence occurrence csvs (1 present, 0 absent, 9 unknown). An unknown AU is kept
 * out of that AU's counts for that frame (`meta_info.unknownAus`, read by the AU metrics).
 * Frames as `<subject>/<task>/<frame>.jpg` (zero-padded names and `.png` are found too; or pass
 * `frameTemplate`). Splits follow the 3-fold subject protocol (`fold`), or pass `subjects`.
 */
export const bp4dAdapter: BenchmarkAdapter = {
  id: 'bp4d',
  version: 1,
  title: 'BP4D',
  task: 'au',
  labelSet: { aus: AU_VOCABULARIES.bp4d },
  splits: ['train', 'test', 'all'],
  defaultSplit: 'test',
  layout: LAYOUT,
  load(root, options = {}) {
    const split = options.split ?? 'test';
    checkSplit('bp4d', split, this.splits);
    const wanted = foldSubjects(BP4D_FOLDS, options, split);
    const stride = Math.max(1, options.stride ?? 1);
    // A bad template fails here, before any row, not once per frame.
    if (options.frameTemplate) fillFrameTemplate(options.frameTemplate, { subject: '', task: '', frame: 0 });
    async function* rows() {
      const labels = await requireOne('BP4D', root, LAYOUT, ['AUCoding/AU_OCC']);
      const files = (await readdir(labels))
        .filter((name) => /^[FM]\d{3}_T\d+\.csv$/.test(name) && wanted.has(name.slice(0, 4)))
        .sort();
      for (const name of files) {
        const file = path.join(labels, name);
        const [subject, task] = name.replace('.csv', '').split('_') as [string, string];
        const lines = await readLines(file);
        const header = lines[0]?.text.split(',').map((cell) => cell.trim()) ?? [];
        if (header[0]?.toLowerCase() !== 'frame' || header.length < 2) {
          throw new BenchmarkDataError(file, 1, 'header', 'expected "Frame,1,2,4,..."');
        }
        const aus = header.slice(1).map((cell) => `AU${Number(cell)}`);
        for (let index = 1; index < lines.length; index += stride) {
          const { line, text } = lines[index]!;
          const cells = text.split(',').map((cell) => cell.trim());
          const bad =
            cells.length !== header.length ||
            !/^\d+$/.test(cells[0]!) ||
            cells.slice(1).some((cell) => !['0', '1', '9'].includes(cell));
          if (bad) {
            rejectRow(
              options,
              new BenchmarkDataError(
                file,
                line,
                undefined,
                `expected ${header.length} cells: a frame number, then 0, 1 or 9 for each AU`,
              ),
            );
            continue;
          }
          const frame = Number(cells[0]);
          const present = aus.filter((_, position) => cells[position + 1] === '1');
          const unknown = aus.filter((_, position) => cells[position + 1] === '9');
          try {
            const image = await findImage(
              frameCandidates(root, options, BP4D_FRAME_TEMPLATES, { subject, task, frame }),
              { file, line, root, allowOutsideRoot: options.allowOutsideRoot },
            );
            yield sample({
              id: `${subject}/${task}/${frame}`,
              dataset: 'bp4d',
              image,
              aus: present,
              meta: { subject, task, frame, unknownAus: unknown },
            });
          } catch (error) {
            rejectRow(options, error as Error);
          }
        }
      }
    }
    return limited(rows(), options.limit);
  },
};
