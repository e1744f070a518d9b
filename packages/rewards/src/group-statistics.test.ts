import { describe, expect, it } from 'vitest';
import { auRarityWeights, groupAdvantages, groupStatistics } from './group-statistics';

describe('GRPO group statistics', () => {
  it('computes (R - mean) / (std + 1e-4) per group with the sample std, as TRL does', () => {
    // group [1, 2, 3]: mean 2, sample std 1
    const advantages = groupAdvantages([1, 2, 3, 5, 5, 5], 3);
    expect(advantages[0]).toBeCloseTo(-1 / 1.0001, 12);
    expect(advantages[1]).toBe(0);
    expect(advantages[2]).toBeCloseTo(1 / 1.0001, 12);
    expect(advantages.slice(3)).toEqual([0, 0, 0]);
  });

  it('supports the population std, no scaling and another epsilon', () => {
    // [0, 2]: mean 1, population std 1
    expect(groupAdvantages([0, 2], 2, { deviation: 'population', epsilon: 0 })).toEqual([-1, 1]);
    expect(groupAdvantages([0, 2], 2, { scale: 'none' })).toEqual([-1, 1]);
    expect(() => groupAdvantages([1, 2, 3], 2)).toThrow(/3 rewards do not split into groups of 2/);
  });

  it('reports mean, spread and the share of all-equal groups', () => {
    const stats = groupStatistics([1, 1, 0, 2, 3, 3], 2);
    expect(stats.groups).toBe(3);
    expect(stats.mean).toBeCloseTo(10 / 6, 12);
    expect(stats.allEqualShare).toBeCloseTo(2 / 3, 12);
    expect(stats.meanGroupStd).toBeCloseTo(Math.SQRT2 / 3, 12);
  });

  it('weights samples by AU rarity within each dataset (FACTS 3)', () => {
    // AU1 in 3 samples, AU9 in 1: total 4 occurrences. w(AU1) = 1/(3/4 + 1e-6), w(AU9) = 1/(1/4 + 1e-6), normalised.
    const weights = auRarityWeights([
      { dataset: 'a', AUs: ['AU1'] },
      { dataset: 'a', AUs: ['AU1'] },
      { dataset: 'a', AUs: ['AU1', 'AU9'] },
      { dataset: 'b', AUs: ['AU2'] },
    ]);
    expect(weights[0]).toBe(0);
    expect(weights[1]).toBe(0);
    expect(weights[2]).toBe(10);
    expect(weights[3]).toBe(10);
  });
});
