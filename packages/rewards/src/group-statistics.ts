import { RewardConfigurationError } from './errors';

/** Options of {@link groupAdvantages}. */
export interface AdvantageOptions {
  /** `std` (default): (R - mean) / (std + epsilon); `none`: R - mean (Dr. GRPO). */
  readonly scale?: 'std' | 'none';
  /** Added to the standard deviation. Default 1e-4 (FACTS 2). */
  readonly epsilon?: number;
  /**
   * `sample` (default) divides by n - 1, as TRL does (`torch.std` is unbiased); `population`
   * divides by n.
   */
  readonly deviation?: 'sample' | 'population';
}

function checkGroups(count: number, groupSize: number) {
  if (!Number.isInteger(groupSize) || groupSize < 1)
    throw new RewardConfigurationError(`groupSize must be a positive integer, got ${groupSize}`);
  if (count % groupSize !== 0) {
    throw new RewardConfigurationError(
      `${count} rewards do not split into groups of ${groupSize}; pass the rewards of whole groups, group by group`,
    );
  }
}

function groupMoments(
  rewards: ArrayLike<number>,
  start: number,
  size: number,
  deviation: 'sample' | 'population',
) {
  let sum = 0;
  for (let index = start; index < start + size; index += 1) sum += rewards[index]!;
  const mean = sum / size;
  let squares = 0;
  for (let index = start; index < start + size; index += 1) squares += (rewards[index]! - mean) ** 2;
  const divisor = deviation === 'sample' ? size - 1 : size;
  return { mean, std: divisor > 0 ? Math.sqrt(squares / divisor) : 0 };
}

/**
 * GRPO advantages: rewards are laid out group by group (`groupSize` completions of one prompt
 * each); each is (R - group mean) / (group std + epsilon) (FACTS 2), or R - mean with
 * `scale: 'none'`.
 */
export function groupAdvantages(
  rewards: ArrayLike<number>,
  groupSize: number,
  options: AdvantageOptions = {},
): number[] {
  checkGroups(rewards.length, groupSize);
  const epsilon = options.epsilon ?? 1e-4;
  const advantages = new Array<number>(rewards.length);
  for (let start = 0; start < rewards.length; start += groupSize) {
    const { mean, std } = groupMoments(rewards, start, groupSize, options.deviation ?? 'sample');
    for (let index = start; index < start + groupSize; index += 1) {
      const centred = rewards[index]! - mean;
      advantages[index] = options.scale === 'none' ? centred : centred / (std + epsilon);
    }
  }
  return advantages;
}

/** Summary statistics of grouped rewards. */
export interface GroupStatistics {
  readonly groups: number;
  readonly mean: number;
  /** Standard deviation of all rewards (population). */
  readonly std: number;
  /** Mean of the per-group standard deviations (sample). */
  readonly meanGroupStd: number;
  /** Share of groups whose rewards are all equal: they give GRPO no learning signal. */
  readonly allEqualShare: number;
}

/** Mean, spread and the share of all-equal groups of grouped rewards. */
export function groupStatistics(rewards: ArrayLike<number>, groupSize: number): GroupStatistics {
  checkGroups(rewards.length, groupSize);
  const count = rewards.length;
  if (count === 0) return { groups: 0, mean: 0, std: 0, meanGroupStd: 0, allEqualShare: 0 };
  const overall = groupMoments(rewards, 0, count, 'population');
  let groupStdSum = 0;
  let allEqual = 0;
  for (let start = 0; start < count; start += groupSize) {
    groupStdSum += groupMoments(rewards, start, groupSize, 'sample').std;
    let equal = true;
    for (let index = start + 1; index < start + groupSize; index += 1)
      if (rewards[index] !== rewards[start]) equal = false;
    if (equal) allEqual += 1;
  }
  const groups = count / groupSize;
  return {
    groups,
    mean: overall.mean,
    std: overall.std,
    meanGroupStd: groupStdSum / groups,
    allEqualShare: allEqual / groups,
  };
}

/**
 * The AU-rarity sample weights of the reference trainer (FACTS 3): within each dataset, an
 * AU's weight is 1 / (count / total + 1e-6) where total counts every AU occurrence in the
 * dataset, normalised to sum 1 over the dataset's AUs; a sample's weight is the sum over its
 * AUs, min-max normalised within the dataset, times 10. When every sample of a dataset has
 * the same raw weight, all get 10.
 */
export function auRarityWeights(
  samples: readonly { readonly dataset?: string; readonly AUs?: readonly string[] }[],
): number[] {
  const byDataset = new Map<string, number[]>();
  samples.forEach((sample, index) => {
    const key = sample.dataset ?? '';
    const list = byDataset.get(key);
    if (list) list.push(index);
    else byDataset.set(key, [index]);
  });
  const weights = new Array<number>(samples.length).fill(0);
  for (const indices of byDataset.values()) {
    const counts = new Map<string, number>();
    let total = 0;
    for (const index of indices) {
      for (const au of new Set(samples[index]!.AUs ?? [])) {
        counts.set(au, (counts.get(au) ?? 0) + 1);
        total += 1;
      }
    }
    const raw = new Map<string, number>();
    let sum = 0;
    for (const [au, count] of counts) {
      const weight = 1 / (count / total + 1e-6);
      raw.set(au, weight);
      sum += weight;
    }
    const sampleRaw = indices.map((index) =>
      [...new Set(samples[index]!.AUs ?? [])].reduce((acc, au) => acc + raw.get(au)! / sum, 0),
    );
    const minimum = Math.min(...sampleRaw);
    const maximum = Math.max(...sampleRaw);
    indices.forEach((index, position) => {
      weights[index] =
        maximum === minimum ? 10 : ((sampleRaw[position]! - minimum) / (maximum - minimum)) * 10;
    });
  }
  return weights;
}
