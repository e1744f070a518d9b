import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Emotion, LABEL_MAPS } from '@facial-r1/facs';
import sharp from 'sharp';
import { BP4D_FOLDS, DISFA_FOLDS } from '../adapters/au-folds';
import { FABA_EMOTION_CODES } from '../adapters/faba-adapter';
import type { BenchmarkId } from '../adapters/registry';

/** Options of {@link writeFixtureDataset} (a test helper). */
export interface FixtureOptions {
  /** Images per class (emotion datasets) or frames per subject (AU datasets). Default 2. */
  readonly perClass?: number;
  /** Image side in pixels. Default 32 (FER2013: always 48). */
  readonly size?: number;
}

/** What a fixture wrote: its root and the number of samples per split. */
export interface FixtureDataset {
  /** The data root to pass to the adapter's `load`. */
  readonly root: string;
  /** Samples the adapter yields per split (before any row a test adds). */
  readonly counts: Readonly<Record<string, number>>;
}

async function image(file: string, seed: number, size: number, format: 'jpeg' | 'png' = 'jpeg') {
  await mkdir(path.dirname(file), { recursive: true });
  const colour = { r: (seed * 53) % 256, g: (seed * 97) % 256, b: (seed * 193) % 256 };
  const shape = Buffer.from(
    `<svg width="${size}" height="${size}"><circle cx="${size / 2}" cy="${size / 2}" r="${size / 3}" fill="rgb(${255 - colour.r},${255 - colour.g},${colour.b})"/></svg>`,
  );
  const base = sharp({ create: { width: size, height: size, channels: 3, background: colour } }).composite([
    { input: shape },
  ]);
  await writeFile(file, await (format === 'png' ? base.png() : base.jpeg()).toBuffer());
}

const description = (aus: readonly string[], emotion: string) =>
  `<think>The face shows ${aus.map((au) => `a movement (${au})`).join(' and ') || 'relaxed features'}, which indicates ${emotion}.</think><answer>${emotion}</answer>`;

/**
 * TEST HELPER. Writes a small dataset in a benchmark's native layout (FACTS 7) under `root`,
 * with real images made by sharp (distinct colours per image), so tests, demos and the
 * evaluator's end-to-end runs load it through the same adapter as the real data. Not real data:
 * labels follow a fixed pattern. Per id (default `perClass` 2):
 * - `rafdb`: `EmoLabel/list_patition_label.txt` + `Image/aligned/*_aligned.jpg`, every class
 *   `perClass` times in train and test (14 test samples).
 * - `fer2013`: `fer2013.csv` with 48x48 pixel strings, every class `perClass` times per Usage.
 * - `affectnet`: `training.csv` / `validation.csv` + `Manually_Annotated_Images/`, all 8 classes
 *   plus rows with the excluded codes 8-10 (skipped by the adapter).
 * - `disfa`: `ActionUnit_Labels/SN.../SN..._au<n>.txt` for the 12 AUs and `Images/SN.../<frame>.jpg`,
 *   the first subject of each fold, `perClass` frames each.
 * - `bp4d`: `AUCoding/AU_OCC/<subject>_T1.csv` (with some 9 = unknown) + `<subject>/T1/<frame>.jpg`,
 *   the first subject of each fold.
 * - `raf-au`: `RAFAU_label.txt` (sides, intensities, `null`) + `aligned/<name>_aligned.jpg`.
 * - `faba`: `FABAInstruct/{eval,train}/*_{au,emotion}_anno.json` as EmoLA released them.
 * - `fea20k`: `train.jsonl` / `test.jsonl` + `images/`.
 * `counts` gives the number of samples the adapter yields per split.
 */
export async function writeFixtureDataset(
  id: BenchmarkId,
  root: string,
  options: FixtureOptions = {},
): Promise<FixtureDataset> {
  const perClass = options.perClass ?? 2;
  const size = options.size ?? 32;
  await mkdir(root, { recursive: true });
  let seed = 1;
  switch (id) {
    case 'rafdb': {
      const lines: string[] = [];
      const counts = { train: 0, test: 0 };
      for (const split of ['train', 'test'] as const) {
        for (const [code] of Object.entries(LABEL_MAPS.rafdb.codes)) {
          for (let copy = 0; copy < perClass; copy += 1) {
            counts[split] += 1;
            const name = `${split}_${String(counts[split]).padStart(split === 'train' ? 5 : 4, '0')}`;
            lines.push(`${name}.jpg ${code}`);
            await image(path.join(root, 'Image/aligned', `${name}_aligned.jpg`), seed++, size);
          }
        }
      }
      await mkdir(path.join(root, 'EmoLabel'), { recursive: true });
      await writeFile(path.join(root, 'EmoLabel/list_patition_label.txt'), `${lines.join('\n')}\n`);
      return { root, counts };
    }
    case 'fer2013': {
      const rows = ['emotion,pixels,Usage'];
      const counts = { train: 0, val: 0, test: 0 };
      for (const [split, usage] of [
        ['train', 'Training'],
        ['val', 'PublicTest'],
        ['test', 'PrivateTest'],
      ] as const) {
        for (const code of Object.keys(LABEL_MAPS.fer2013.codes)) {
          for (let copy = 0; copy < perClass; copy += 1) {
            const value = seed++;
            const pixels = Array.from(
              { length: 48 * 48 },
              (_, index) => (index * 7 + value * 31 + (((index % 48) - 24) ** 2 < 100 ? 120 : 0)) % 256,
            );
            rows.push(`${code},${pixels.join(' ')},${usage}`);
            counts[split] += 1;
          }
        }
      }
      await writeFile(path.join(root, 'fer2013.csv'), `${rows.join('\n')}\n`);
      return { root, counts };
    }
    case 'affectnet': {
      const header =
        'subDirectory_filePath,face_x,face_y,face_width,face_height,facial_landmarks,expression,valence,arousal';
      const counts = { train: 0, val: 0 };
      for (const [split, file] of [
        ['train', 'training.csv'],
        ['val', 'validation.csv'],
      ] as const) {
        const rows = [header];
        for (const code of [...Object.keys(LABEL_MAPS.affectnet.codes), '8', '9', '10']) {
          for (let copy = 0; copy < perClass; copy += 1) {
            const relative = `${split}${code}/${split}_${code}_${copy}.jpg`;
            rows.push(`${relative},0,0,${size},${size},"1;2;3",${code},0.1,-0.2`);
            await image(path.join(root, 'Manually_Annotated_Images', relative), seed++, size);
            if (Number(code) <= 7) counts[split] += 1;
          }
        }
        await writeFile(path.join(root, file), `${rows.join('\n')}\n`);
      }
      return { root, counts };
    }
    case 'disfa': {
      const subjects = DISFA_FOLDS.map((fold) => fold[0]!);
      for (const subject of subjects) {
        const folder = path.join(root, 'ActionUnit_Labels', subject);
        await mkdir(folder, { recursive: true });
        for (const code of [1, 2, 4, 5, 6, 9, 12, 15, 17, 20, 25, 26]) {
          const lines = Array.from({ length: perClass }, (_, frame) => `${frame + 1},${(code + frame) % 6}`);
          await writeFile(path.join(folder, `${subject}_au${code}.txt`), `${lines.join('\n')}\n`);
        }
        for (let frame = 1; frame <= perClass; frame += 1)
          await image(path.join(root, 'Images', subject, `${frame}.jpg`), seed++, size);
      }
      return { root, counts: { test: perClass, train: 2 * perClass } };
    }
    case 'bp4d': {
      const subjects = BP4D_FOLDS.map((fold) => fold[0]!);
      const aus = [1, 2, 4, 6, 7, 10, 12, 14, 15, 17, 23, 24];
      await mkdir(path.join(root, 'AUCoding/AU_OCC'), { recursive: true });
      for (const subject of subjects) {
        const lines = [`Frame,${aus.join(',')}`];
        for (let frame = 1; frame <= perClass; frame += 1) {
          lines.push(
            `${frame},${aus.map((code, index) => (index === frame ? '9' : (code + frame) % 3 === 0 ? '1' : '0')).join(',')}`,
          );
          await image(path.join(root, subject, 'T1', `${frame}.jpg`), seed++, size);
        }
        await writeFile(path.join(root, 'AUCoding/AU_OCC', `${subject}_T1.csv`), `${lines.join('\n')}\n`);
      }
      return { root, counts: { test: perClass, train: 2 * perClass } };
    }
    case 'raf-au': {
      const labels = ['1+2+5+25+26', '6+12', 'L4+R7+23', '9+10', '1+4+15', '12C+25', 'null'];
      const lines: string[] = [];
      for (let index = 0; index < labels.length * perClass; index += 1) {
        const name = String(index + 1).padStart(4, '0');
        lines.push(`${name}.jpg ${labels[index % labels.length]}`);
        await image(path.join(root, 'aligned', `${name}_aligned.jpg`), seed++, size);
      }
      await writeFile(path.join(root, 'RAFAU_label.txt'), `${lines.join('\n')}\n`);
      return { root, counts: { all: lines.length } };
    }
    case 'faba': {
      // The EmoLA release: FABAInstruct/{eval,train}/{split}_{au,emotion}_anno.json, image paths
      // relative to the folder holding FABAInstruct/, evaluation records with label + gpt4,
      // training records with LLaVA conversations. Emotion labels are EmoLA's integers.
      const prototypes: [Emotion, string[]][] = [
        ['anger', ['AU4', 'AU5', 'AU24']],
        ['happiness', ['AU6', 'AU12']],
        ['sadness', ['AU1', 'AU4']],
        ['surprise', ['AU1', 'AU2', 'AU26']],
      ];
      const counts: Record<string, number> = {};
      for (const [split, fileSplit] of [
        ['train', 'train'],
        ['test', 'eval'],
      ] as const) {
        const auRecords: Record<string, unknown>[] = [];
        const emotionRecords: Record<string, unknown>[] = [];
        for (const [index, [emotion, aus]] of prototypes.entries()) {
          for (let copy = 0; copy < perClass; copy += 1) {
            // Alternate images between the two tasks (the release uses different images for
            // each); even with perClass 1 both tasks get images.
            const task = (index + copy) % 2 === 0 ? 'emotion' : 'au';
            const id = `AffectNet/AffectNet_v2/${emotion}/${fileSplit}_${task}_${copy}`;
            const relative = `FABAInstruct/${fileSplit}/images/${id}.jpg`;
            await image(path.join(root, relative), seed++, size);
            const reference =
              task === 'au'
                ? `This face shows these action units: ${aus.map((au) => `${au} - a visible movement`).join('; ')}.`
                : `The person in the image appears to feel ${emotion}: ${aus.join(', ')} shape the expression.`;
            const common = {
              source: 'AffectNet',
              image: relative,
              id,
              landmark: `FABAInstruct/${fileSplit}/landmarks/${id}.npy`,
            };
            const label =
              task === 'au' ? aus.map((au) => au.slice(2)).join(', ') : FABA_EMOTION_CODES.indexOf(emotion);
            const question =
              task === 'au'
                ? 'In this face, what are the discernible action units?\n<image>'
                : 'What is the emotion of this face?\n<image>';
            const record =
              fileSplit === 'eval'
                ? { ...common, label, gpt4: reference }
                : {
                    ...common,
                    ...(task === 'emotion' ? { label } : {}),
                    conversations: [
                      { from: 'human', value: question },
                      { from: 'gpt', value: reference },
                    ],
                  };
            (task === 'au' ? auRecords : emotionRecords).push(record);
          }
        }
        const folder = path.join(root, 'FABAInstruct', fileSplit);
        await mkdir(folder, { recursive: true });
        await writeFile(path.join(folder, `${fileSplit}_au_anno.json`), JSON.stringify(auRecords, null, 2));
        await writeFile(
          path.join(folder, `${fileSplit}_emotion_anno.json`),
          JSON.stringify(emotionRecords, null, 2),
        );
        counts[split] = auRecords.length + emotionRecords.length;
      }
      return { root, counts };
    }
    case 'fea20k': {
      const prototypes: [string, string, string[]][] = [
        ['rafdb', 'happiness', ['AU6', 'AU12']],
        ['affectnet', 'anger', ['AU4', 'AU7', 'AU24']],
        ['disfa', '', ['AU1', 'AU2', 'AU26']],
        ['rafdb', 'sadness', ['AU1', 'AU4', 'AU15']],
      ];
      const counts: Record<string, number> = {};
      for (const split of ['train', 'test']) {
        const lines = [];
        for (const [dataset, emotion, aus] of prototypes) {
          for (let copy = 0; copy < perClass; copy += 1) {
            const file = `${dataset}/${split}_${emotion || 'au'}_${copy}.jpg`;
            await image(path.join(root, 'images', file), seed++, size);
            lines.push(
              JSON.stringify({
                id: `${split}-${dataset}-${emotion || 'au'}-${copy}`,
                dataset,
                image: file,
                question: '<image>What is the emotion of this face?',
                AUs: aus,
                labels: emotion ? [emotion] : [],
                description: description(aus, emotion || 'the labelled actions'),
                meta_info: { subject: `${dataset}-${copy}` },
              }),
            );
          }
        }
        counts[split] = lines.length;
        await writeFile(path.join(root, `${split}.jsonl`), `${lines.join('\n')}\n`);
      }
      return { root, counts };
    }
  }
}
