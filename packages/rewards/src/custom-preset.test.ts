import { describe, expect, it } from 'vitest';
import { RewardConfigurationError } from './errors';
import { resolvePreset } from './presets';
import { scoreCompletions } from './score-completions';

// Reasoning for happiness (AU6 + AU12), answer anger, label anger: the misalignment `consistency` scores -1.
const misaligned = [
  {
    completion: '<think>Cheeks raised (AU6), lip corners pulled (AU12).</think><answer>anger</answer>',
    sample: { labels: ['anger'], AUs: ['AU6', 'AU12'] },
  },
];

describe('custom presets as the README writes them', () => {
  it('{ preset, weights } in the scoring options changes the weights instead of ignoring them', () => {
    const [base] = scoreCompletions(misaligned, { preset: 'aligned' });
    const [weighted] = scoreCompletions(misaligned, { preset: 'aligned', weights: { consistency: 2 } });
    expect(base!.terms.consistency).toBe(-1);
    expect(weighted!.total).toBeCloseTo(base!.total - 1.5, 12);
    const [nested] = scoreCompletions(misaligned, {
      preset: { preset: 'aligned', weights: { consistency: 2 } },
    });
    expect(nested!.total).toBeCloseTo(weighted!.total, 12);
  });

  it('a custom definition scores with its own weights and clamp', () => {
    const [custom] = scoreCompletions(misaligned, {
      preset: { terms: { au: 2, consistency: 1 }, mode: 'robust', clamp: [-5, 5] },
    });
    expect(custom!.total).toBeCloseTo(2 * custom!.terms.au! + custom!.terms.consistency!, 12);
  });

  it('refuses a misplaced or misspelt key by name instead of ignoring it', () => {
    expect(() =>
      scoreCompletions(misaligned, { preset: 'aligned', weight: { consistency: 2 } } as never),
    ).toThrow(/unknown scoring option "weight" \(did you mean "weights"\?\)/);
    expect(() => resolvePreset({ preset: 'aligned', terms: { consistency: 2 } } as never)).toThrow(
      RewardConfigurationError,
    );
    expect(() => resolvePreset({ terms: { au: 1 }, weights: { au: 2 } } as never)).toThrow(
      /unknown key "weights"/,
    );
    expect(() => resolvePreset('alinged')).toThrow(/did you mean "aligned"/);
  });
});
