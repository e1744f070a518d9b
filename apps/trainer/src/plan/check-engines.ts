import path from 'node:path';
import { PlanError } from '../errors';
import type { LaunchContext, Stage, TrainingEngine } from '../engines/engine';
import { checkEngineContract } from '../engines/engine-constraints';
import type { ContractViolation } from '../engines/engine-contract';
import { EngineVersionError, planEngineSchema } from '../engines/engine-versions';
import type { EngineId, Plan } from './plan-schema';

/** A command built for checking: the plan's values with placeholder paths under the work dir. */
function checkingContext(
  plan: Plan,
  stage: Stage,
  workDir: string,
  engine: TrainingEngine,
  trainRows = plan.stage2.batchSize,
): LaunchContext {
  const stageDirectory = path.join(workDir, stage === 'sft' ? 'stage1' : 'stage2', stage);
  const data = path.join(stageDirectory, 'data');
  const files =
    engine.id === 'verl'
      ? [path.join(data, 'train.parquet')]
      : engine.id === 'llamafactory'
        ? [path.join(data, 'train', 'dataset.json'), path.join(data, 'train', 'dataset_info.json')]
        : [path.join(data, 'train.jsonl')];
  return {
    plan,
    stage,
    stageDirectory,
    dataset: { files, rows: { train: trainRows } },
    rewardBridge: stage === 'grpo' ? path.join(data, `${engine.id}_reward.py`) : undefined,
    rewardUrl: `http://127.0.0.1:${plan.stage2.rewardPort}`,
    modelPath: plan.baseModel,
  };
}

/**
 * The contract violations of what `fea-train` would emit for one stage of `plan`: keys missing
 * from the engine's schema at the plan's version, and values the engine's own checks refuse.
 * With `trainRows` (the rows a prepare step is about to write) also what those rows cannot
 * train (verl and EasyR1 drop a partial batch: fewer rows than one batch train no step).
 * Throws {@link EngineVersionError} for a version that cannot train Facial-R1.
 */
export function engineViolations(
  plan: Plan,
  stage: Stage,
  engine: TrainingEngine,
  workDir = '/work',
  options: { readonly trainRows?: number } = {},
): readonly ContractViolation[] {
  const schema = planEngineSchema(plan, engine.id as EngineId);
  const command = engine.command(checkingContext(plan, stage, workDir, engine, options.trainRows));
  return checkEngineContract(engine.id as EngineId, stage, command, schema, options).violations;
}

/**
 * Checks the plan's SFT and GRPO engines at their versions; the first problem becomes a
 * {@link PlanError} naming the plan line of the field it comes from.
 */
export function checkPlanEngines(
  plan: Plan,
  engines: { readonly sft: TrainingEngine; readonly grpo: TrainingEngine },
  options: {
    readonly file: string;
    readonly workDir: string;
    readonly lineAt: (field: readonly string[]) => number | undefined;
  },
): void {
  if (plan.stage2.embedImages && engines.grpo.id !== 'verl') {
    throw new PlanError({
      file: options.file,
      field: 'stage2.embedImages',
      line: options.lineAt(['stage2', 'embedImages']),
      message: `only verl reads image bytes from its dataset; ${engines.grpo.id} opens images by path (see "What must be reachable where" in the fea-train README).`,
    });
  }
  for (const stage of ['sft', 'grpo'] as const) {
    const engine = engines[stage];
    const stageField = stage === 'sft' ? 'stage1' : 'stage2';
    const versionField = plan.engines[engine.id as EngineId]
      ? ['engines', engine.id]
      : [stageField, 'engine'];
    let violations: readonly ContractViolation[];
    try {
      violations = engineViolations(plan, stage, engine, options.workDir);
    } catch (error) {
      if (!(error instanceof EngineVersionError)) throw error;
      throw new PlanError({
        file: options.file,
        field: versionField.join('.'),
        line: options.lineAt(versionField),
        message: error.message,
      });
    }
    const first = violations[0];
    if (first) {
      const field = first.planField?.split('.') ?? versionField;
      const schema = planEngineSchema(plan, engine.id as EngineId);
      throw new PlanError({
        file: options.file,
        field: field.join('.'),
        line: options.lineAt(field),
        message:
          `${engine.id} ${schema.version} would refuse this plan (${first.source}): ${first.message}` +
          (violations.length > 1 ? ` (and ${violations.length - 1} more)` : ''),
      });
    }
  }
}
