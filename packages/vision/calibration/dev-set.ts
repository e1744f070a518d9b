// The development set of real labelled faces (../shared/real-faces-dev from the project root), read
// in its native layouts. Never committed; everything that reads it skips when it is absent.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { decodeEmotionCode } from '@facial-r1/facs';

/** One labelled dev image. */
export interface DevImage {
  /** `fer2013`, `taiwanese`, `jaffe` (emotion) or `ck` (AUs). */
  source: 'fer2013' | 'taiwanese' | 'jaffe' | 'ck';
  path: string;
  /** Emotion label (emotion sources). */
  label?: string;
  /** FACS-coded AUs (`ck`). */
  aus?: string[];
}

/** The dev set's root: `$FR1_DEV_SET`, else `../shared/real-faces-dev` from the project root. */
export function devSetRoot(): string {
  return (
    process.env.FR1_DEV_SET ??
    resolve(import.meta.dirname, '..', '..', '..', '..', 'shared', 'real-faces-dev')
  );
}

/** The dev images, or a reason string when the set is absent. */
export async function loadDevSet(root = devSetRoot()): Promise<DevImage[] | string> {
  if (!existsSync(join(root, 'SOURCES.md')))
    return `the development set is absent (${root}); set FR1_DEV_SET or place it at ../shared/real-faces-dev`;
  const images: DevImage[] = [];
  const fer = join(root, 'fer2013', 'test');
  for (const label of (await readdir(fer)).sort())
    for (const file of (await readdir(join(fer, label))).sort())
      images.push({ source: 'fer2013', path: join(fer, label, file), label });
  const lines = (await readFile(join(root, 'rafdb', 'EmoLabel', 'list_patition_label.txt'), 'utf8'))
    .split('\n')
    .filter((line) => line.trim());
  for (const line of lines) {
    const [name = '', code = ''] = line.trim().split(/\s+/);
    const jaffe = name.startsWith('test_jaffe');
    const path = jaffe
      ? join(root, 'rafdb', 'Image', 'original', name)
      : join(root, 'rafdb', 'Image', 'aligned', name.replace(/\.jpg$/, '_aligned.jpg'));
    images.push({ source: jaffe ? 'jaffe' : 'taiwanese', path, label: decodeEmotionCode('rafdb', code) });
  }
  const au = (await readFile(join(root, 'ck-au', 'RAFAU_label.txt'), 'utf8'))
    .split('\n')
    .filter((l) => l.trim());
  for (const line of au) {
    const [name = '', codes = ''] = line.trim().split(/\s+/);
    images.push({
      source: 'ck',
      path: join(root, 'ck-au', 'image', name),
      aus: codes
        .split('+')
        .filter(Boolean)
        .map((code) => `AU${Number.parseInt(code, 10)}`),
    });
  }
  return images;
}
