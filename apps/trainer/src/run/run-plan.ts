import { mkdir } from 'node:fs/promises';
import type { LoadedPlan } from '../plan/load-plan';
import { collectStep, synthesizeStep, teacherStep } from './data-steps';
import { prepareStep } from './prepare-step';
import type { DryRunCommand, RunOptions, RunResult, StepContext } from './run-types';
import { StateStore } from './state-store';
import { StepRunner, StopRequested } from './step-runner';
import { type StepSpec, stepTable } from './step-table';
import { trainStep } from './train-step';

export type { DryRunCommand, RunEvent, RunOptions, RunResult } from './run-types';
export { planSteps } from './step-table';

/** Runs one step of the table, by its kind. */
function runStep(context: StepContext, spec: StepSpec) {
  switch (spec.kind) {
    case 'collect':
      return collectStep(context, spec);
    case 'teacher':
      return teacherStep(context, spec);
    case 'prepare':
      return prepareStep(context, spec);
    case 'train':
      return trainStep(context, spec);
    case 'synthesize':
      return synthesizeStep(context, spec);
  }
}

/**
 * Runs a plan's three stages as a resumable state machine. Each step's inputs (its plan
 * section and the outputs of the steps it reads) are hashed; a step is skipped when the state
 * file has it done with the same inputs hash and its outputs are unchanged on disk, and redone
 * otherwise - so a rerun after an interruption continues where it stopped, and a changed plan
 * section redoes that step and everything downstream of it.
 */
export async function runPlan(loaded: LoadedPlan, options: RunOptions): Promise<RunResult> {
  await mkdir(loaded.workDir, { recursive: true });
  const store = await StateStore.open(loaded.workDir);
  const runner = new StepRunner(store, options, loaded.plan.baseModel);
  const dryRuns: DryRunCommand[] = [];
  const context: StepContext = { loaded, options, runner, dryRuns };
  const result = (stopped: boolean) => ({ steps: runner.visited, dryRuns, stateFile: store.file, stopped });
  try {
    for (const spec of stepTable(loaded)) await runStep(context, spec);
    return result(false);
  } catch (error) {
    if (error instanceof StopRequested) return result(true);
    throw error;
  }
}
