import { type FeaSample, mulberry32 } from '@facial-r1/dataset';

/**
 * Picks `size` samples stratified over dataset x emotion, taking strata in turn (so rare
 * strata are represented), and within a stratum preferring the sample that adds the most AUs
 * not yet covered by the pick (AU coverage). Deterministic for a given `seed`.
 */
export function stratifiedPick(samples: readonly FeaSample[], size: number, seed = 0): FeaSample[] {
  const random = mulberry32(seed);
  const strata = new Map<string, FeaSample[]>();
  for (const sample of samples) {
    const key = `${sample.dataset}\u0000${sample.labels[0] ?? ''}`;
    const list = strata.get(key);
    if (list) list.push(sample);
    else strata.set(key, [sample]);
  }
  // Shuffle within strata (Fisher-Yates) so ties between equally useful samples are seeded.
  for (const list of strata.values()) {
    for (let index = list.length - 1; index > 0; index -= 1) {
      const other = Math.floor(random() * (index + 1));
      [list[index], list[other]] = [list[other]!, list[index]!];
    }
  }
  const keys = [...strata.keys()].sort();
  const covered = new Set<string>();
  const picked: FeaSample[] = [];
  const target = Math.min(size, samples.length);
  while (picked.length < target) {
    let progressed = false;
    for (const key of keys) {
      if (picked.length >= target) break;
      const list = strata.get(key)!;
      if (list.length === 0) continue;
      let bestIndex = 0;
      let bestGain = -1;
      for (let index = 0; index < list.length; index += 1) {
        const gain = list[index]!.AUs.filter((au) => !covered.has(au)).length;
        if (gain > bestGain) {
          bestGain = gain;
          bestIndex = index;
        }
      }
      const [sample] = list.splice(bestIndex, 1);
      for (const au of sample!.AUs) covered.add(au);
      picked.push(sample!);
      progressed = true;
    }
    if (!progressed) break;
  }
  return picked;
}
