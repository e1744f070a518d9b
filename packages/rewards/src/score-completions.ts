import { assess } from '@facial-r1/assessment';
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
}

/** Scores one item with a resolved preset. */
export function scoreWithPreset(item: RewardItem, preset: ResolvedPreset): RewardResult {
  const assessment = assess(item.completion, item.sample, preset.assessOptions);
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
  const preset = resolvePreset(options.preset);
  const results = new Array<RewardResult>(items.length);
  for (let index = 0; index < items.length; index += 1)
    results[index] = scoreWithPreset(items[index]!, preset);
  return results;
}
