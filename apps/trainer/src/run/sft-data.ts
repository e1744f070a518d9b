import path from 'node:path';
import { type FeaSample, readFeaJsonl, resolveImagePath } from '@facial-r1/dataset';
import type { LoadedPlan } from '../plan/load-plan';

/** Every sample of an FEA JSONL file, in order. */
export async function readSamples(file: string): Promise<FeaSample[]> {
  const samples: FeaSample[] = [];
  for await (const sample of readFeaJsonl(file)) samples.push(sample);
  return samples;
}

/**
 * The SFT set of `stage1.data` with absolute image paths: each relative `image` is looked
 * up beside the file (and in its `images/`), then in the plan's datasets' image folders. Engines
 * resolve relative paths against their own folders (LLaMA-Factory `media_dir`, TRL the
 * working directory), where these would not be found.
 */
export async function readSftData(loaded: LoadedPlan, relative: string): Promise<FeaSample[]> {
  const file = loaded.resolve(relative);
  const roots = [path.dirname(file), path.join(path.dirname(file), 'images')];
  for (const dataset of loaded.plan.datasets) {
    if ('jsonl' in dataset) {
      const images = [dataset.images ?? []].flat().map((root) => loaded.resolve(root));
      roots.push(...(images.length ? images : [path.dirname(loaded.resolve(dataset.jsonl))]));
    } else roots.push(loaded.resolve(dataset.root), path.join(loaded.resolve(dataset.root), 'images'));
  }
  let samples: FeaSample[];
  try {
    samples = await readSamples(file);
  } catch (error) {
    throw loaded.errorAt(['stage1', 'data'], `cannot read ${file}: ${(error as Error).message}`, error);
  }
  const resolved: FeaSample[] = [];
  for (const sample of samples) {
    try {
      resolved.push({ ...sample, image: await resolveImagePath(sample.image, roots) });
    } catch (error) {
      throw loaded.errorAt(
        ['stage1', 'data'],
        `sample "${sample.id}" of ${file}: ${(error as Error).message}`,
        error,
      );
    }
  }
  return resolved;
}
