import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { type Emotion, normalizeEmotion } from '@facial-r1/facs';
import type { BenchmarkSample, LoadOptions } from './benchmark-adapter';
import { BenchmarkDataError } from './errors';
import { rejectRow, sample } from './shared';

const IMAGE = /\.(jpe?g|png|bmp|webp|tiff?)$/i;

/**
 * The common `<split>/<class>/<file>` layout (Kaggle FER2013, AffectNet 8-class): class folder
 * names are emotion words in any form (`happy`, `Happiness`) or numeric codes of `codes`; a
 * folder whose emotion is not in the benchmark's label set (`contempt` in FER2013) is a bad row.
 */
export async function* loadClassFolders(
  benchmark: string,
  splitDirectory: string,
  options: LoadOptions,
  emotions: readonly Emotion[],
  codes?: (code: string) => Emotion | null,
): AsyncGenerator<BenchmarkSample> {
  const classes = (await readdir(splitDirectory, { withFileTypes: true }))
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  for (const folder of classes) {
    const emotion = /^\d+$/.test(folder) && codes ? codes(folder) : normalizeEmotion(folder);
    if (!emotion || !emotions.includes(emotion)) {
      rejectRow(
        options,
        new BenchmarkDataError(
          path.join(splitDirectory, folder),
          undefined,
          'class folder',
          `"${folder}" names no emotion of ${benchmark}; expected one of ${emotions.join(', ')}`,
        ),
      );
      continue;
    }
    const files = (await readdir(path.join(splitDirectory, folder)))
      .filter((file) => IMAGE.test(file))
      .sort();
    for (const file of files) {
      yield sample({
        id: `${path.basename(splitDirectory)}/${folder}/${file.replace(IMAGE, '')}`,
        dataset: benchmark,
        image: path.join(splitDirectory, folder, file),
        emotion,
        meta: { split: path.basename(splitDirectory) },
      });
    }
  }
}
