import { EngineRunError } from '../errors';
import type { RunEvent, RunOptions, RunResult } from './run-types';
import { hashValue, type StateStore, type StepRecord } from './state-store';
import type { ModelSource } from './step-table';
import { type StepValues, trainValues } from './step-values';

/** Thrown after the step `stopAfter` names; `runPlan` turns it into a stopped result. */
export class StopRequested extends Error {}

/** What a step's work did: files to record and values for later steps. */
export interface StepDone {
  readonly outputs: readonly string[];
  readonly values: StepValues;
}

/** What a dry run leaves unrecorded: the step's would-be values, and why it did not run. */
export interface DryOutcome {
  readonly dry: true;
  readonly reason: string;
  readonly values?: StepValues;
}

/**
 * The resumable-step protocol of a run: skips a step done with the same inputs, records what
 * one finishes, keeps each step's result for later steps, and knows what a dry run cannot start.
 */
export class StepRunner {
  /** Steps visited in order (see {@link RunResult.steps}). */
  readonly visited: { step: string; skipped: boolean; dry?: boolean }[] = [];
  // Each step's result by name: what later steps read (null: not run, and nothing recorded).
  private readonly results = new Map<string, StepRecord | null>();
  // Set once a dry run has not trained a model: every later step that needs it is not run.
  private untrained: string | undefined;

  constructor(
    private readonly store: StateStore,
    private readonly options: Pick<RunOptions, 'only' | 'signal' | 'dryRun' | 'stopAfter' | 'onEvent'>,
    private readonly baseModel: string,
  ) {}

  get stateFile(): string {
    return this.store.file;
  }

  emit(event: RunEvent): void {
    this.options.onEvent?.(event);
  }

  /** The result of an earlier step: its record, or null when it has none. */
  result(name: string): StepRecord | null {
    return this.results.get(name) ?? null;
  }

  /** A dry run did not train `name`: steps that need a trained model after it are not run. */
  markUntrained(name: string): void {
    this.untrained ??= name;
  }

  /** Dry run: the step whose untrained model blocks a step needing all of `needs` (or any model). */
  blockedBy(needs?: readonly string[]): string | undefined {
    if (needs?.every((name) => this.results.get(name))) return undefined;
    return this.untrained;
  }

  /** The checkpoint and inputs hash of a step's starting model (see {@link ModelSource}). */
  model(source: ModelSource): { modelPath: string; modelStep: string | undefined } {
    const pathStep = source.path.find((name) => this.results.get(name));
    const hashStep = source.step.map((name) => this.results.get(name)).find((record) => record);
    return {
      modelPath: pathStep
        ? trainValues(pathStep, this.results.get(pathStep)!, this.store.file).checkpoint
        : this.baseModel,
      modelStep: hashStep?.inputsHash,
    };
  }

  /**
   * Runs step `name` unless it is up to date (or not among `only`), and keeps its result.
   * `dryBlocked`: in a dry run the step is not run, as it needs what that step did not train.
   */
  async run(
    name: string,
    inputs: unknown,
    work: () => Promise<StepDone | DryOutcome>,
    dryBlocked?: string,
  ): Promise<StepRecord | null> {
    const { record, ran } = await this.visit(name, inputs, work, dryBlocked);
    this.results.set(name, record);
    if (ran && this.options.stopAfter === name) throw new StopRequested();
    return record;
  }

  /** `ran`: the step was skipped as done, run, or run dry (what `stopAfter` stops after). */
  private async visit(
    name: string,
    inputs: unknown,
    work: () => Promise<StepDone | DryOutcome>,
    dryBlocked: string | undefined,
  ): Promise<{ record: StepRecord | null; ran: boolean }> {
    const { options, store } = this;
    if (options.only && !options.only.includes(name))
      return { record: store.snapshot.steps[name] ?? null, ran: false };
    if (options.signal?.aborted)
      throw new EngineRunError('run interrupted; rerun the same command to resume.');
    const inputsHash = hashValue(inputs);
    if (await store.upToDate(name, inputsHash)) {
      this.visited.push({ step: name, skipped: true });
      this.emit({ type: 'step-skipped', step: name });
      return { record: store.snapshot.steps[name] ?? null, ran: true };
    }
    if (options.dryRun && dryBlocked) {
      this.visited.push({ step: name, skipped: false, dry: true });
      this.emit({
        type: 'step-dry',
        step: name,
        reason: `needs what ${dryBlocked} trains, and a dry run starts no engine`,
      });
      return { record: null, ran: false };
    }
    this.emit({ type: 'step-started', step: name });
    const result = await work();
    if ('dry' in result) {
      this.visited.push({ step: name, skipped: false, dry: true });
      this.emit({ type: 'step-dry', step: name, reason: result.reason });
      const values = result.values ?? {};
      return { record: { inputsHash, outputs: {}, values, finishedAt: '' }, ran: true };
    }
    const record = await store.complete(name, inputsHash, result.outputs, result.values);
    this.visited.push({ step: name, skipped: false });
    this.emit({ type: 'step-finished', step: name, record });
    return { record: store.snapshot.steps[name] ?? null, ran: true };
  }
}
