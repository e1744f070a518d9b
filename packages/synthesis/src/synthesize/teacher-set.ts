import type { FeaSample } from '@facial-r1/dataset';
import type { FeaModel } from '@facial-r1/runtime';
import { stratifiedPick } from './stratified-pick';
import { type RoundManifest, type SynthesizeOptions, synthesize } from './synthesize';

/** Options of {@link buildTeacherSet}. */
export interface TeacherSetOptions extends Omit<SynthesizeOptions, 'round'> {
  /** How many samples to pick. Default 300 (FACTS 2). */
  readonly size?: number;
  /** Seed of the stratified pick. Default 0. */
  readonly pickSeed?: number;
}

/** The teacher set's manifest: the round manifest plus the pick. */
export interface TeacherSetManifest extends RoundManifest {
  readonly picked: number;
  readonly strata: Readonly<Record<string, number>>;
}

/**
 * Stage 1 (FACTS 2): picks a stratified set (dataset x emotion x AU coverage), asks the
 * teacher for ground-truth-hinted reasoning, verifies it, retries with feedback (default 5)
 * and keeps the best accepted response as each sample's `description` in `output` (FEA JSONL).
 * Export it for SFT tools with `writeLlamaFactoryDataset` / `writeTrlConversationJsonl`.
 */
export async function buildTeacherSet(
  samples: readonly FeaSample[],
  teacher: FeaModel,
  options: TeacherSetOptions,
): Promise<TeacherSetManifest> {
  const picked = stratifiedPick(samples, options.size ?? 300, options.pickSeed ?? 0);
  const strata: Record<string, number> = {};
  for (const sample of picked) {
    const key = `${sample.dataset}/${sample.labels[0] ?? 'au-only'}`;
    strata[key] = (strata[key] ?? 0) + 1;
  }
  const manifest = await synthesize(picked, teacher, { ...options, round: 'teacher' });
  return { ...manifest, picked: picked.length, strata };
}
