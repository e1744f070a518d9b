import path from 'node:path';
import { toAuId } from '@facial-r1/facs';
import type { BenchmarkAdapter } from './benchmark-adapter';
import { BenchmarkDataError } from './errors';
import { checkSplit, findImage, limited, readLines, rejectRow, requireOne, sample } from './shared';

const LAYOUT =
  'RAFAU_label.txt ("0001.jpg 1+2+5+25+26"; side L/R and intensity A-E allowed) with aligned/<name>_aligned.jpg or image/<name>';

/** One RAF-AU label string to AU ids; null when a token is not an AU. */
export function parseRafAuLabel(label: string): string[] | null {
  if (/^(null|none|0|-)$/i.test(label)) return [];
  const aus: string[] = [];
  for (const token of label.split('+')) {
    const match = /^[LRU]?(\d{1,2})[A-E]?$/i.exec(token.trim());
    if (!match) return null;
    const id = toAuId(Number(match[1]));
    if (id && !aus.includes(id)) aus.push(id);
  }
  return aus;
}

/**
 * RAF-AU: AU strings per image, scored by AU F1 over the AUs with positives. The release has no
 * official split: every labelled image is the evaluation set, under `all` or `test` (the name
 * the other benchmarks evaluate on, so one command line serves them all).
 */
export const rafAuAdapter: BenchmarkAdapter = {
  id: 'raf-au',
  version: 1,
  title: 'RAF-AU',
  task: 'au',
  labelSet: {},
  splits: ['all', 'test'],
  defaultSplit: 'all',
  layout: LAYOUT,
  load(root, options = {}) {
    checkSplit('raf-au', options.split ?? 'all', this.splits);
    async function* rows() {
      const file = await requireOne('RAF-AU', root, LAYOUT, ['RAFAU_label.txt']);
      for (const { line, text } of await readLines(file)) {
        const [name, label] = text.split(/\s+/);
        const aus = label === undefined ? null : parseRafAuLabel(label);
        if (!name || !aus) {
          rejectRow(
            options,
            new BenchmarkDataError(
              file,
              line,
              'AUs',
              `expected "<image> <AU>+<AU>..." like "0001.jpg 1+2+L4+25", got "${text}"`,
            ),
          );
          continue;
        }
        const stem = name.replace(/\.[^.]+$/, '');
        try {
          const image = await findImage(
            [path.join(root, 'aligned', `${stem}_aligned.jpg`), path.join(root, 'image', name)],
            { file, line, root, allowOutsideRoot: options.allowOutsideRoot },
          );
          yield sample({ id: stem, dataset: 'raf-au', image, aus, meta: { line } });
        } catch (error) {
          rejectRow(options, error as Error);
        }
      }
    }
    return limited(rows(), options.limit);
  },
};
