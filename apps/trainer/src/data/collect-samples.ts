import { getBenchmark } from '@facial-r1/benchmarks';
import { type FeaSample, readFeaJsonl, resolveImagePath } from '@facial-r1/dataset';
import type { LoadedPlan } from '../plan/load-plan';
import type { PlanDataset } from '../plan/plan-schema';

/** Samples of one plan dataset, with absolute image paths. */
export async function collectDataset(loaded: LoadedPlan, dataset: PlanDataset): Promise<FeaSample[]> {
  const samples: FeaSample[] = [];
  if ('benchmark' in dataset) {
    const adapter = getBenchmark(dataset.benchmark);
    const options = {
      split: dataset.split,
      fold: dataset.fold,
      subjects: dataset.subjects,
      limit: dataset.limit,
      allowOutsideRoot: dataset.imagesOutsideRoot,
    };
    for await (const sample of adapter.load(loaded.resolve(dataset.root), options)) samples.push(sample);
    return samples;
  }
  const file = loaded.resolve(dataset.jsonl);
  const roots = [dataset.images ?? []].flat().map((root) => loaded.resolve(root));
  if (roots.length === 0) roots.push((await import('node:path')).dirname(file));
  for await (const sample of readFeaJsonl(file)) {
    samples.push({
      ...sample,
      image: await resolveImagePath(sample.image, roots, { allowOutsideRoot: dataset.imagesOutsideRoot }),
    });
    if (dataset.limit !== undefined && samples.length >= dataset.limit) break;
  }
  return samples;
}

/**
 * Every sample of the plan's datasets, in plan order, each id made unique by its dataset. A
 * dataset that cannot be read is a `PlanError` naming its plan line.
 */
export async function collectSamples(loaded: LoadedPlan): Promise<FeaSample[]> {
  const all: FeaSample[] = [];
  const seen = new Set<string>();
  for (const [index, dataset] of loaded.plan.datasets.entries()) {
    let samples: FeaSample[];
    try {
      samples = await collectDataset(loaded, dataset);
    } catch (error) {
      // A missing root, unreadable JSONL or image found nowhere: name the plan line.
      const field = 'benchmark' in dataset ? 'root' : 'jsonl';
      throw loaded.errorAt(['datasets', index, field], (error as Error).message, error);
    }
    for (const sample of samples) {
      const key = `${sample.dataset}/${sample.id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      all.push(sample);
    }
  }
  return all;
}
