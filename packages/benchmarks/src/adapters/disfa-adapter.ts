import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { AU_VOCABULARIES } from '@facial-r1/facs';
import type { BenchmarkAdapter } from './benchmark-adapter';
import { DISFA_FOLDS } from './au-folds';
import { BenchmarkDataError } from './errors';
import {
  checkSplit,
  findImage,
  foldSubjects,
  limited,
  readLines,
  rejectRow,
  requireOne,
  sample,
} from './shared';

const LAYOUT =
  'ActionUnit_Labels/SN001/SN001_au1.txt ("frame,intensity" lines) and extracted frames Images/SN001/<frame>.jpg';

/**
 * DISFA: per-subject, per-AU intensity files (0-5; intensity >= 2 is present, the standard
 * protocol), frames the user extracted from the videos as `Images/<subject>/<frame>.jpg`
 * (`.png` or a 5-digit zero-padded name also work). Scored on the 8-AU protocol; samples carry
 * every annotated AU that is present. Splits follow the 3-fold subject protocol (`fold`), or
 * pass `subjects`.
 */
export const disfaAdapter: BenchmarkAdapter = {
  id: 'disfa',
  version: 1,
  title: 'DISFA',
  task: 'au',
  labelSet: { aus: AU_VOCABULARIES.disfa8 },
  splits: ['train', 'test', 'all'],
  defaultSplit: 'test',
  layout: LAYOUT,
  load(root, options = {}) {
    const split = options.split ?? 'test';
    checkSplit('disfa', split, this.splits);
    const wanted = foldSubjects(DISFA_FOLDS, options, split);
    const stride = Math.max(1, options.stride ?? 1);
    async function* rows() {
      const labels = await requireOne('DISFA', root, LAYOUT, ['ActionUnit_Labels']);
      const subjects = (await readdir(labels)).filter((name) => wanted.has(name)).sort();
      for (const subject of subjects) {
        const intensities = new Map<number, Map<string, number>>();
        const files = (await readdir(path.join(labels, subject)))
          .filter((name) => /_au\d+\.txt$/i.test(name))
          .sort();
        for (const name of files) {
          const au = `AU${Number(/_au(\d+)\.txt$/i.exec(name)![1])}`;
          const file = path.join(labels, subject, name);
          for (const { line, text } of await readLines(file)) {
            const match = /^(\d+)\s*,\s*(\d+)$/.exec(text);
            if (!match || Number(match[2]) > 5) {
              rejectRow(
                options,
                new BenchmarkDataError(
                  file,
                  line,
                  'intensity',
                  `expected "frame,intensity" with intensity 0-5, got "${text}"`,
                ),
              );
              continue;
            }
            const frame = Number(match[1]);
            let row = intensities.get(frame);
            if (!row) {
              row = new Map();
              intensities.set(frame, row);
            }
            row.set(au, Number(match[2]));
          }
        }
        const frames = [...intensities.keys()].sort((a, b) => a - b);
        for (let index = 0; index < frames.length; index += stride) {
          const frame = frames[index]!;
          const row = intensities.get(frame)!;
          const present = [...row]
            .filter(([, value]) => value >= 2)
            .map(([au]) => au)
            .sort((a, b) => Number(a.slice(2)) - Number(b.slice(2)));
          try {
            const folder = path.join(root, 'Images', subject);
            const image = await findImage(
              [
                path.join(folder, `${frame}.jpg`),
                path.join(folder, `${frame}.png`),
                path.join(folder, `${String(frame).padStart(5, '0')}.jpg`),
              ],
              { file: path.join(labels, subject) },
            );
            yield sample({
              id: `${subject}/${frame}`,
              dataset: 'disfa',
              image,
              aus: present,
              meta: { subject, frame, intensities: Object.fromEntries(row) },
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
