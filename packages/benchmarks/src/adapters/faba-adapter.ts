import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AU_VOCABULARIES, LABEL_MAPS, normalizeEmotion, toAuId } from '@facial-r1/facs';
import type { BenchmarkAdapter } from './benchmark-adapter';
import { BenchmarkDataError } from './errors';
import { checkSplit, findImage, limited, rejectRow, requireOne, sample } from './shared';

const LAYOUT =
  '<split>.json or <split>.jsonl (also under annotations/): records with "image", "AU" (list or "AU1, AU4"), "emotion", and "description" (the reasoning); images relative to the root or images/';

const first = (record: Record<string, unknown>, keys: readonly string[]) =>
  keys.map((key) => record[key]).find((value) => value !== undefined);

/**
 * FABA-Instruct (EmoLA): per-image AU list, emotion and a reasoning description, as JSON or
 * JSONL. Field names vary between releases, so several spellings are accepted (`image` /
 * `image_path`, `AU` / `AUs` / `aus`, `emotion` / `label`, `description` / `caption` /
 * `reasoning`). Scored by AU F1 over FABA's 12 AUs, accuracy and REGE.
 */
export const fabaAdapter: BenchmarkAdapter = {
  id: 'faba',
  version: 1,
  title: 'FABA-Instruct',
  task: 'au+emotion',
  labelSet: { emotions: LABEL_MAPS.faba.emotions, aus: AU_VOCABULARIES.faba },
  splits: ['train', 'test'],
  defaultSplit: 'test',
  layout: LAYOUT,
  load(root, options = {}) {
    const split = options.split ?? 'test';
    checkSplit('faba', split, this.splits);
    async function* rows() {
      const file = await requireOne('FABA-Instruct', root, LAYOUT, [
        `${split}.json`,
        `${split}.jsonl`,
        `annotations/${split}.json`,
        `annotations/${split}.jsonl`,
      ]);
      const text = await readFile(file, 'utf8');
      let records: { record: Record<string, unknown>; line: number }[];
      try {
        records = file.endsWith('.jsonl')
          ? text
              .split('\n')
              .flatMap((value, index) =>
                value.trim()
                  ? [{ record: JSON.parse(value) as Record<string, unknown>, line: index + 1 }]
                  : [],
              )
          : (JSON.parse(text) as Record<string, unknown>[]).map((record, index) => ({
              record,
              line: index + 1,
            }));
      } catch (error) {
        throw new BenchmarkDataError(
          file,
          undefined,
          undefined,
          `not valid JSON: ${(error as Error).message}`,
        );
      }
      for (const { record, line } of records) {
        const image = first(record, ['image', 'image_path', 'img']);
        const rawAus = first(record, ['AU', 'AUs', 'aus', 'au']);
        const rawEmotion = first(record, ['emotion', 'label', 'expression']);
        const description = first(record, ['description', 'caption', 'reasoning', 'answer']);
        const aus = (
          Array.isArray(rawAus)
            ? rawAus.map(String)
            : typeof rawAus === 'string'
              ? rawAus.split(/[,;+\s]+/).filter(Boolean)
              : []
        )
          .map((au) => toAuId(au))
          .filter((au): au is `AU${number}` => au !== null);
        const emotion = typeof rawEmotion === 'string' ? normalizeEmotion(rawEmotion) : null;
        if (typeof image !== 'string') {
          rejectRow(
            options,
            new BenchmarkDataError(file, line, 'image', 'expected the image path as a string'),
          );
          continue;
        }
        if (!emotion) {
          rejectRow(
            options,
            new BenchmarkDataError(
              file,
              line,
              'emotion',
              `expected one of ${LABEL_MAPS.faba.emotions.join(', ')}, got ${JSON.stringify(rawEmotion)}`,
            ),
          );
          continue;
        }
        try {
          const resolved = await findImage([path.resolve(root, image), path.join(root, 'images', image)], {
            file,
            line,
          });
          yield sample({
            id: String(record.id ?? image.replace(/\.[^.]+$/, '')),
            dataset: 'faba',
            image: resolved,
            emotion,
            aus,
            description: typeof description === 'string' ? description : undefined,
            meta: { line },
          });
        } catch (error) {
          rejectRow(options, error as Error);
        }
      }
    }
    return limited(rows(), options.limit);
  },
};
