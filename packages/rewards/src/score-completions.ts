import { type Assessment, assess } from '@facial-r1/assessment';
import { didYouMean } from '@facial-r1/facs';
import { RewardConfigurationError } from './errors';
import { type PresetDefinition, type PresetName, type ResolvedPreset, resolvePreset } from './presets';
import type { RewardSample } from './reward-sample';
import type { TermName } from './terms/reward-terms';

/** One completion to score with its sample. */
export interface RewardItem {
  readonly completion: string;
  readonly sample: RewardSample;
}

/** The reward of one completion. */
export interface RewardResult {
  /** Weighted sum of the terms, clamped. */
  readonly total: number;
  /** Each term's unweighted value. */
  readonly terms: Readonly<Record<string, number>>;
  /** Why terms scored below their maximum, by term name. */
  readonly reasons: Readonly<Record<string, string>>;
}

/** Options of {@link scoreCompletions}. */
export interface ScoreOptions {
  /** A built-in preset name, a definition, or `{ preset, weights }`. Default `facial-r1`. */
  readonly preset?:
    | PresetName
    | string
    | PresetDefinition
    | { readonly preset: PresetName; readonly weights: Readonly<Partial<Record<TermName, number>>> };
  /**
   * Weights that replace the preset's (terms not named keep theirs; a term the preset lacks is
   * added): `{ preset: 'aligned', weights: { consistency: 1 } }`.
   */
  readonly weights?: Readonly<Partial<Record<TermName, number>>>;
}

const SCORE_OPTION_KEYS = ['preset', 'weights'];

/** The preset `options` ask for, weights applied; unknown option keys are refused, never ignored. */
export function presetOfOptions(options: ScoreOptions): ResolvedPreset {
  for (const key of Object.keys(options))
    if (!SCORE_OPTION_KEYS.includes(key))
      throw new RewardConfigurationError(
        `unknown scoring option "${key}"${didYouMean(key, SCORE_OPTION_KEYS)}; options are: ${SCORE_OPTION_KEYS.join(', ')}`,
      );
  if (!options.weights) return resolvePreset(options.preset);
  const preset = options.preset ?? 'facial-r1';
  if (typeof preset === 'string')
    return resolvePreset({ preset: preset as PresetName, weights: options.weights });
  if ('preset' in preset)
    return resolvePreset({ preset: preset.preset, weights: { ...preset.weights, ...options.weights } });
  return resolvePreset({ ...preset, terms: { ...preset.terms, ...options.weights } });
}

/** Scores one item with a resolved preset. */
export function scoreWithPreset(item: RewardItem, preset: ResolvedPreset): RewardResult {
  return scoreAssessment(assess(item.completion, item.sample, preset.assessOptions), preset);
}

/**
 * Whether an existing Assessment can be scored with a preset as it is: made in the preset's
 * mode with its n of repeated n-grams (`preset.assessOptions`).
 */
export function fitsPreset(assessment: Assessment, preset: ResolvedPreset): boolean {
  const { mode = 'robust', repetitionN = 3 } = preset.assessOptions;
  return assessment.mode === mode && assessment.length.n === repetitionN;
}

/**
 * Scores an Assessment already made (by the verifier, or stored with a prediction) with a
 * resolved preset: the weighted terms over it, clamped. It must fit the preset
 * ({@link fitsPreset}); nothing is parsed again.
 */
export function scoreAssessment(assessment: Assessment, preset: ResolvedPreset): RewardResult {
  const terms: Record<string, number> = {};
  const reasons: Record<string, string> = {};
  let total = 0;
  for (const entry of preset.entries) {
    const result = entry.term(assessment, preset.options);
    terms[entry.name] = result.value;
    if (result.reason !== undefined) reasons[entry.name] = result.reason;
    total += entry.weight * result.value;
  }
  const [low, high] = preset.clamp;
  return { total: Math.min(high, Math.max(low, total)), terms, reasons };
}

/**
 * Scores completions against their samples with a preset (default `facial-r1`, the paper's
 * reward): one Assessment per completion, in the preset's mode, weighted by the terms; only
 * the sections the terms read are computed. Pure and synchronous: safe inside a training loop.
 */
export function scoreCompletions(items: readonly RewardItem[], options: ScoreOptions = {}): RewardResult[] {
  const preset = presetOfOptions(options);
  const results = new Array<RewardResult>(items.length);
  for (let index = 0; index < items.length; index += 1)
    results[index] = scoreWithPreset(items[index]!, preset);
  return results;
}
