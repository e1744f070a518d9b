import path from 'node:path';
import { type FeaSample, readFeaJsonl, writeFileAtomic, writeJsonlAtomic } from '@facial-r1/dataset';
import { findNearDuplicates } from '../synthesize/shingles';
import { type SplitOptions, splitTrainTest } from './split-dataset';

/** Options of {@link mergeRounds}. */
export interface MergeOptions extends SplitOptions {
  /** The dataset version's folder: `train.jsonl`, `test.jsonl`, `manifest.json`. */
  readonly directory: string;
  /** A name for this version, e.g. `fea-20k-r2`. */
  readonly version: string;
  readonly duplicateThreshold?: number;
}

/**
 * Merges synthesis rounds into one dataset version: later rounds win for the same sample id
 * (the retrained model's reasoning replaces the earlier one), near-duplicate reasoning is
 * dropped, and the result is split into train/test with no image or subject in both.
 */
export async function mergeRounds(rounds: readonly string[], options: MergeOptions) {
  const byId = new Map<string, FeaSample>();
  const sourceOf = new Map<string, string>();
  for (const round of rounds) {
    for await (const sample of readFeaJsonl(round)) {
      byId.set(`${sample.dataset}/${sample.id}`, sample);
      sourceOf.set(`${sample.dataset}/${sample.id}`, round);
    }
  }
  const keys = [...byId.keys()].sort();
  const flags = findNearDuplicates(
    keys.map((key) => byId.get(key)!.description ?? ''),
    { threshold: options.duplicateThreshold ?? 0.8 },
  );
  const kept: FeaSample[] = keys.filter((_, index) => !flags[index]).map((key) => byId.get(key)!);
  const duplicates = flags.filter(Boolean).length;
  const { train, test } = splitTrainTest(kept, options);
  await writeJsonlAtomic(path.join(options.directory, 'train.jsonl'), train);
  await writeJsonlAtomic(path.join(options.directory, 'test.jsonl'), test);
  const perRound: Record<string, number> = {};
  for (const sample of kept) {
    const source = sourceOf.get(`${sample.dataset}/${sample.id}`)!;
    perRound[source] = (perRound[source] ?? 0) + 1;
  }
  const manifest = {
    version: options.version,
    rounds,
    counts: { merged: byId.size, duplicates, train: train.length, test: test.length },
    perRound,
    split: { testFraction: options.testFraction ?? 0.1, seed: options.seed ?? 0 },
  };
  const file = path.join(options.directory, 'manifest.json');
  await writeFileAtomic(file, `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
