import path from 'node:path';
import { type ReadStats, readFeaJsonlEntries, resolveImagePath } from '@facial-r1/dataset';
import { EMOTIONS, normalizeEmotion, toAuId } from '@facial-r1/facs';
import type { BenchmarkAdapter } from './benchmark-adapter';
import { BenchmarkDataError } from './errors';
import { checkSplit, limited, rejectRow, requireOne } from './shared';

const LAYOUT =
  'train.jsonl / test.jsonl (FEA-20K fields) with images under images/ (or the paths the files give)';

/**
 * FEA-20K: the Facial-R1 JSONL (17,737 train / 1,688 test), `is_valid: false` skipped, labels
 * normalised to the canonical emotions and `AU<n>`. Scored by ROUGE-L of the whole output
 * against `description` (and the LLM judge score in the evaluator).
 */
export const fea20kAdapter: BenchmarkAdapter = {
  id: 'fea20k',
  version: 1,
  title: 'FEA-20K',
  task: 'reasoning',
  labelSet: { emotions: EMOTIONS },
  splits: ['train', 'test'],
  defaultSplit: 'test',
  layout: LAYOUT,
  load(root, options = {}) {
    const split = options.split ?? 'test';
    checkSplit('fea20k', split, this.splits);
    async function* rows() {
      const file = await requireOne('FEA-20K', root, LAYOUT, [`${split}.jsonl`]);
      const stats: ReadStats = { read: 0, skippedInvalid: 0, skippedNotValid: 0 };
      for await (const { value: sample, line } of readFeaJsonlEntries(file, {
        onInvalid: options.onInvalid,
        onSkip: options.onSkip,
        stats,
      })) {
        const labels = sample.labels.map(
          (label) => normalizeEmotion(label.replace(/<\/?answer>/g, '')) ?? label,
        );
        try {
          const image = await resolveImagePath(sample.image, [path.join(root, 'images'), root], {
            allowOutsideRoot: options.allowOutsideRoot,
          });
          yield { ...sample, image, labels, AUs: sample.AUs.map((au) => toAuId(au) ?? au) };
        } catch (error) {
          rejectRow(
            options,
            new BenchmarkDataError(file, line, 'image', `sample "${sample.id}": ${(error as Error).message}`),
          );
        }
      }
    }
    return limited(rows(), options.limit);
  },
};
