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
  fillFrameTemplate,
  frameCandidates,
  limited,
  readLines,
  rejectRow,
  requireOne,
  sample,
} from './shared';

const LAYOUT =
  'ActionUnit_Labels/SN001/SN001_au1.txt ("frame,intensity" lines) and extracted frames Images/SN001/<frame>.jpg';

/** Where extracted frames are looked for when no `frameTemplate` is given (first match wins). */
export const DISFA_FRAME_TEMPLATES = [
  'Images/{subject}/{frame}.jpg',
  'Images/{subject}/{frame}.png',
  'Images/{subject}/{frame:5}.jpg',
  'Images/{subject}/{frame:5}.png',
] as const;

/**
 * DISFA: per-subject, per-AU intensity files (0-5; intensity >= 2 is present, the standard
 * protocol), frames the user extracted from the (right-camera) videos as
 * `Images/<subject>/<frame>.jpg`, numbered like the label files (from 1); `.png` and 5-digit
 * zero-padded names are found too, and `frameTemplate` points anywhere else. Scored on the
 * 8-AU protocol; samples carry every annotated AU that is present and `meta_info.intensities`.
 * Splits follow the 3-fold subject protocol (`fold`), or pass `subjects`.
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
    // A bad template fails here, before any row, not once per frame.
    if (options.frameTemplate) fillFrameTemplate(options.frameTemplate, { subject: '', frame: 0 });
    async function* rows() {
      const labels = await requireOne('DISFA', root, LAYOUT, ['ActionUnit_Labels']);
      const subjects = (await readdir(labels)).filter((name) => wanted.has(name)).sort();
      for (const subject of subjects) {
        const intensities = new Map<number, Map<string, number>>();
        // Where each frame was first annotated, for errors about its image.
        const firstSeen = new Map<number, { file: string; line: number }>();
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
              firstSeen.set(frame, { file, line });
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
            const image = await findImage(
              frameCandidates(root, options, DISFA_FRAME_TEMPLATES, { subject, frame }),
              { ...firstSeen.get(frame)!, root, allowOutsideRoot: options.allowOutsideRoot },
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
