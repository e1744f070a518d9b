import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AU_VOCABULARIES, type Emotion, LABEL_MAPS, normalizeEmotion, toAuId } from '@facial-r1/facs';
import type { BenchmarkAdapter, BenchmarkSample, LoadOptions } from './benchmark-adapter';
import { BenchmarkDataError, DatasetLayoutError } from './errors';
import { checkSplit, exists, findImage, limited, rejectRow, sample } from './shared';

const LAYOUT =
  'FABAInstruct/{train,eval}/{train,eval}_{au,emotion}_anno.json (records with "image", "label", "gpt4" or "conversations") and the images those paths name';

/**
 * The integer emotion labels of FABA-Instruct's annotation files, in the order EmoLA's
 * evaluation reads them (`emotions2num` in JackYFL/EmoLA `emollava/eval/eval_FABA.py`):
 * 0 happiness, 1 sadness, 2 surprise, 3 anger, 4 neutral, 5 disgust, 6 fear. This is NOT the
 * alphabetical order of `LABEL_MAPS.faba.codes` in @facial-r1/facs; the release is what counts.
 */
export const FABA_EMOTION_CODES: readonly Emotion[] = [
  'happiness',
  'sadness',
  'surprise',
  'anger',
  'neutral',
  'disgust',
  'fear',
];

type FabaTask = 'au' | 'emotion';

interface FabaRecord {
  readonly [field: string]: unknown;
}

/** The folder that holds `train/` and `eval/`: the root itself or its `FABAInstruct/` child. */
async function datasetFolder(root: string): Promise<string> {
  for (const candidate of [root, path.join(root, 'FABAInstruct')]) {
    if (
      (await exists(path.join(candidate, 'eval', 'eval_au_anno.json'))) ||
      (await exists(path.join(candidate, 'eval', 'eval_emotion_anno.json'))) ||
      (await exists(path.join(candidate, 'train', 'train_au_anno.json'))) ||
      (await exists(path.join(candidate, 'train', 'train_emotion_anno.json')))
    )
      return candidate;
  }
  throw new DatasetLayoutError('FABA-Instruct', root, LAYOUT, !(await exists(root)));
}

/** The reference answer: `gpt4` (evaluation files) or the first `gpt` turn of `conversations`. */
function referenceText(record: FabaRecord): string | undefined {
  if (typeof record.gpt4 === 'string') return record.gpt4;
  if (Array.isArray(record.conversations)) {
    const turn = record.conversations.find(
      (item): item is { from: string; value: string } =>
        typeof item === 'object' && item !== null && (item as { from?: unknown }).from === 'gpt',
    );
    if (turn && typeof turn.value === 'string') return turn.value;
  }
  return undefined;
}

function questionText(record: FabaRecord): string | undefined {
  if (!Array.isArray(record.conversations)) return undefined;
  const turn = record.conversations.find(
    (item): item is { from: string; value: string } =>
      typeof item === 'object' && item !== null && (item as { from?: unknown }).from === 'human',
  );
  return typeof turn?.value === 'string' ? turn.value : undefined;
}

/** AU labels as released: `"1, 2, 4"` (EmoLA's `AUint2Labels`), or a list of numbers / ids. */
function parseAuLabel(label: unknown): string[] | null {
  const tokens = Array.isArray(label)
    ? label.map(String)
    : typeof label === 'string'
      ? label.split(/[\s,;+]+/).filter(Boolean)
      : typeof label === 'number'
        ? [String(label)]
        : null;
  if (!tokens) return null;
  const aus: string[] = [];
  for (const token of tokens) {
    const id = toAuId(token);
    if (!id) return null;
    if (!aus.includes(id)) aus.push(id);
  }
  return aus.sort((a, b) => Number(a.slice(2)) - Number(b.slice(2)));
}

/** Emotion labels as released: an integer of {@link FABA_EMOTION_CODES} or a name (`"Happiness"`). */
function parseEmotionLabel(label: unknown): Emotion | null {
  if (typeof label === 'number' || (typeof label === 'string' && /^\d+$/.test(label.trim())))
    return FABA_EMOTION_CODES[Number(label)] ?? null;
  if (typeof label !== 'string') return null;
  const emotion = normalizeEmotion(label);
  return emotion && FABA_EMOTION_CODES.includes(emotion) ? emotion : null;
}

async function* loadTask(
  folder: string,
  root: string,
  split: 'train' | 'eval',
  task: FabaTask,
  options: LoadOptions,
): AsyncGenerator<BenchmarkSample> {
  const file = path.join(folder, split, `${split}_${task}_anno.json`);
  if (!(await exists(file))) return;
  let records: unknown;
  try {
    records = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new BenchmarkDataError(
      file,
      undefined,
      undefined,
      `expected a JSON array: ${(error as Error).message}`,
    );
  }
  if (!Array.isArray(records))
    throw new BenchmarkDataError(file, undefined, undefined, 'expected a JSON array of annotation records');
  for (const [index, value] of records.entries()) {
    // A JSON array has no useful line numbers; errors name the record index (1-based) as the line.
    const where = { file, line: index + 1 };
    const record = (typeof value === 'object' && value !== null ? value : {}) as FabaRecord;
    if (typeof record.image !== 'string' || record.image === '') {
      rejectRow(
        options,
        new BenchmarkDataError(file, where.line, 'image', 'expected the image path as a string'),
      );
      continue;
    }
    const description = referenceText(record);
    let aus: string[] = [];
    let emotion: Emotion | null = null;
    let labelSource: 'label' | 'description' | 'none' = 'label';
    if (task === 'au') {
      if (record.label !== undefined) {
        const parsed = parseAuLabel(record.label);
        if (!parsed) {
          rejectRow(
            options,
            new BenchmarkDataError(
              file,
              where.line,
              'label',
              `expected AU numbers like "1, 2, 4", got ${JSON.stringify(record.label)}`,
            ),
          );
          continue;
        }
        aus = parsed;
      } else if (description) {
        // Training records carry no label field: their AUs are the ones the answer lists ("AU4 - Brow Lowerer").
        aus =
          parseAuLabel(description.match(/AU\s?\d+/gi)?.map((token) => token.replace(/\s/, '')) ?? []) ?? [];
        labelSource = 'description';
      } else {
        rejectRow(
          options,
          new BenchmarkDataError(file, where.line, 'label', 'expected "label" or "conversations"'),
        );
        continue;
      }
    } else if (record.label !== undefined) {
      emotion = parseEmotionLabel(record.label);
      if (!emotion) {
        rejectRow(
          options,
          new BenchmarkDataError(
            file,
            where.line,
            'label',
            `expected 0-6 (${FABA_EMOTION_CODES.join(', ')}) or one of those names, got ${JSON.stringify(record.label)}`,
          ),
        );
        continue;
      }
    } else labelSource = 'none';
    try {
      const image = await findImage(
        [
          path.resolve(path.dirname(folder), record.image),
          path.resolve(folder, record.image),
          path.resolve(root, record.image),
        ],
        { ...where, root, allowOutsideRoot: options.allowOutsideRoot },
      );
      const id =
        typeof record.id === 'string' && record.id ? record.id : record.image.replace(/\.[^.]+$/, '');
      const question = questionText(record);
      yield {
        ...sample({
          id: `${task}/${id}`,
          dataset: 'faba',
          image,
          emotion,
          aus,
          description,
          meta: {
            task,
            line: where.line,
            labelSource,
            ...(typeof record.source === 'string' ? { source: record.source } : {}),
            ...(typeof record.landmark === 'string' ? { landmark: record.landmark } : {}),
            // Emotion records do not annotate AUs: every scored AU is unknown for them, so AU F1
            // counts only the AU records (the metrics skip unknown AUs per sample).
            ...(task === 'emotion' ? { unknownAus: [...AU_VOCABULARIES.faba] } : {}),
          },
        }),
        ...(question ? { question } : {}),
      };
    } catch (error) {
      rejectRow(options, error as Error);
    }
  }
}

/**
 * FABA-Instruct (EmoLA, ECCV 2024) as released: `FABAInstruct/eval/eval_au_anno.json` and
 * `eval_emotion_anno.json` (the test split; `train/` the same for training), JSON arrays whose
 * records hold `image` (a path relative to the folder that contains `FABAInstruct/`), `label`
 * (AU task: `"1, 2, 4"`; emotion task: 0-6 in {@link FABA_EMOTION_CODES} order or a name),
 * `gpt4` (the reference description) and `landmark`; training records hold `conversations`
 * (LLaVA turns) instead. The two tasks use different images and are loaded together: AU samples
 * (`meta_info.task: 'au'`, no emotion label) and emotion samples (`meta_info.task: 'emotion'`,
 * `meta_info.unknownAus` = every FABA AU, so they do not count in AU F1). Scored by AU F1 over
 * EmoLA's 12 AUs, accuracy over the 7 emotions, and REGE.
 */
export const fabaAdapter: BenchmarkAdapter = {
  id: 'faba',
  version: 2,
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
      const folder = await datasetFolder(root);
      const fileSplit = split === 'test' ? 'eval' : 'train';
      if (
        !(await exists(path.join(folder, fileSplit, `${fileSplit}_au_anno.json`))) &&
        !(await exists(path.join(folder, fileSplit, `${fileSplit}_emotion_anno.json`)))
      )
        throw new DatasetLayoutError('FABA-Instruct', root, LAYOUT);
      yield* loadTask(folder, root, fileSplit, 'au', options);
      yield* loadTask(folder, root, fileSplit, 'emotion', options);
    }
    return limited(rows(), options.limit);
  },
};
