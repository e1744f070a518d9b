import type { AssessOptions } from '@facial-r1/assessment';
import { didYouMean } from '@facial-r1/facs';
import { RewardConfigurationError } from './errors';
import { REWARD_TERMS, type TermMode, type TermName, type TermOptions } from './terms/reward-terms';

/** A preset: weighted terms, a parsing mode and a clamp on the total. */
export interface PresetDefinition {
  /** Term name -> weight. */
  readonly terms: Readonly<Partial<Record<TermName, number>>>;
  /** Parsing mode for every term. Default `robust`. */
  readonly mode?: TermMode;
  /** The total is clamped to this range. Default [-10, 10] (FACTS 3). */
  readonly clamp?: readonly [number, number];
  /** Term options (F-beta's beta, length range, n of repeated n-grams). */
  readonly options?: Omit<TermOptions, 'mode'>;
}

/**
 * The built-in presets.
 * - `facial-r1`: the paper's reward, R_AU + R_acc + R_format with the reference parsing.
 * - `facial-r1-robust`: the same terms and weights with robust parsing.
 * - `aligned` (recommended): robust, plus consistency (answer agrees with the AUs' emotion),
 *   grounding (no invented AUs) and the hedging/negation penalties the prompt asks for.
 */
export const PRESETS = {
  'facial-r1': { terms: { au: 1, accuracy: 1, format: 1 }, mode: 'facial-r1', clamp: [-10, 10] },
  'facial-r1-robust': { terms: { au: 1, accuracy: 1, format: 1 }, mode: 'robust', clamp: [-10, 10] },
  aligned: {
    terms: { au: 1, accuracy: 1, format: 1, consistency: 0.5, grounding: 0.5, hedging: 0.25, negation: 0.25 },
    mode: 'robust',
    clamp: [-10, 10],
  },
} as const satisfies Record<string, PresetDefinition>;

/** The name of a built-in preset. */
export type PresetName = keyof typeof PRESETS;

/** A compiled preset: resolved terms in a fixed order. */
export interface ResolvedPreset {
  readonly name: string;
  readonly entries: readonly {
    readonly name: TermName;
    readonly weight: number;
    readonly term: (typeof REWARD_TERMS)[TermName];
  }[];
  readonly options: TermOptions;
  /** What each completion's Assessment is made with (the mode, the n of repeated n-grams). */
  readonly assessOptions: AssessOptions;
  readonly clamp: readonly [number, number];
}

/** A misspelt or misplaced key (`{ preset, terms }`) would be ignored silently: refuse it by name. */
function refuseUnknownKeys(value: object, keys: readonly string[], form: string): void {
  for (const key of Object.keys(value))
    if (!keys.includes(key))
      throw new RewardConfigurationError(
        `unknown key "${key}" in ${form}${didYouMean(key, keys)}; its keys are: ${keys.join(', ')}`,
      );
}

/**
 * Resolves a preset name, or a definition (optionally `{ preset, weights }` overriding a
 * built-in's weights), to its terms. Unknown names are {@link RewardConfigurationError}s
 * listing what exists.
 */
export function resolvePreset(
  preset:
    | PresetName
    | string
    | PresetDefinition
    | {
        readonly preset: PresetName;
        readonly weights: Readonly<Partial<Record<TermName, number>>>;
      } = 'facial-r1',
): ResolvedPreset {
  let name: string;
  let definition: PresetDefinition;
  if (typeof preset === 'string') {
    const found = Object.hasOwn(PRESETS, preset)
      ? (PRESETS as Record<string, PresetDefinition>)[preset]
      : undefined;
    if (!found)
      throw new RewardConfigurationError(
        `unknown reward preset "${preset}"${didYouMean(preset, Object.keys(PRESETS))}; known: ${Object.keys(PRESETS).join(', ')}`,
      );
    name = preset;
    definition = found;
  } else if ('preset' in preset) {
    refuseUnknownKeys(preset, ['preset', 'weights'], '{ preset, weights }');
    const base = resolvePreset(preset.preset);
    const basis = PRESETS[preset.preset] as PresetDefinition;
    name = `${base.name}*`;
    definition = { ...basis, terms: { ...basis.terms, ...preset.weights } };
  } else {
    refuseUnknownKeys(preset, ['terms', 'mode', 'clamp', 'options'], 'a preset definition');
    name = 'custom';
    definition = preset;
  }
  const entries = Object.entries(definition.terms).map(([termName, weight]) => {
    const term = (REWARD_TERMS as Record<string, (typeof REWARD_TERMS)[TermName]>)[termName];
    if (!term)
      throw new RewardConfigurationError(
        `unknown reward term "${termName}"${didYouMean(termName, Object.keys(REWARD_TERMS))}; known: ${Object.keys(REWARD_TERMS).join(', ')}`,
      );
    if (typeof weight !== 'number' || !Number.isFinite(weight)) {
      throw new RewardConfigurationError(
        `weight of term "${termName}" must be a finite number, got ${String(weight)}`,
      );
    }
    return { name: termName as TermName, weight, term };
  });
  const clamp = definition.clamp ?? [-10, 10];
  if (!(clamp[0] <= clamp[1]))
    throw new RewardConfigurationError(
      `clamp must be [low, high] with low <= high, got [${clamp.join(', ')}]`,
    );
  const options: TermOptions = { mode: definition.mode ?? 'robust', ...definition.options };
  return {
    name,
    entries,
    options,
    assessOptions: { mode: options.mode, repetitionN: options.repetitionN },
    clamp,
  };
}
