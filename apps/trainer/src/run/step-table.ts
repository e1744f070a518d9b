import path from 'node:path';
import type { Stage } from '../engines/index';
import type { LoadedPlan } from '../plan/load-plan';

/**
 * Where a step's starting model comes from: the checkpoint of the first step of `path` that has
 * a result, else the plan's `baseModel`; `step` likewise names the steps whose inputs hash stands
 * for that model (a retrained checkpoint keeps its path, so downstream steps hash the producer).
 */
export interface ModelSource {
  readonly path: readonly string[];
  readonly step: readonly string[];
}

/** One step of a plan, as data: what it is and which steps and files it reads. */
export type StepSpec =
  | { readonly kind: 'collect'; readonly name: string; readonly file: string }
  | {
      readonly kind: 'teacher';
      readonly name: string;
      readonly file: string;
      /** The collect step and its samples file. */
      readonly samples: { readonly step: string; readonly file: string };
    }
  | {
      readonly kind: 'prepare';
      readonly name: string;
      readonly stage: Stage;
      readonly engine: string;
      /** The step whose FEA JSONL this step converts, and that file. */
      readonly source: { readonly step: string; readonly file: string };
      /** Folder the engine's dataset is written to. */
      readonly directory: string;
    }
  | {
      readonly kind: 'train';
      readonly name: string;
      readonly stage: Stage;
      readonly engine: string;
      /** The prepare step whose dataset this step trains on. */
      readonly prepared: string;
      readonly model: ModelSource;
      /** Steps without whose result a dry run cannot start this one (after an untrained model). */
      readonly needs: readonly string[];
      /** Folder the engine runs in. */
      readonly directory: string;
    }
  | {
      readonly kind: 'synthesize';
      readonly name: string;
      readonly round: number;
      readonly file: string;
      /** The collect step and its samples file. */
      readonly samples: { readonly step: string; readonly file: string };
      /** The synthesized files of the earlier rounds. */
      readonly previousRounds: readonly string[];
      readonly model: ModelSource;
    };

/**
 * The steps of a plan in the order they run: the one list both {@link planSteps} and `runPlan`
 * iterate, so a step added here is shown, run and resumed alike.
 */
export function stepTable(loaded: LoadedPlan): StepSpec[] {
  const { plan, workDir } = loaded;
  const samplesFile = path.join(workDir, 'data', 'samples.jsonl');
  const teacherFile = path.join(workDir, 'stage1', 'teacher.jsonl');
  const collect = { step: 'collect', file: samplesFile };
  const dataDirectory = (name: string, stage: Stage) =>
    path.join(workDir, name.replace(/\/[^/]+$/, ''), `${stage}-data`);
  const trainDirectory = (name: string, stage: Stage) =>
    path.join(workDir, name.replace(/\/[^/]+$/, ''), stage);
  const prepare = (name: string, stage: Stage, engine: string, source: { step: string; file: string }) =>
    ({ kind: 'prepare', name, stage, engine, source, directory: dataDirectory(name, stage) }) as const;
  const train = (
    name: string,
    stage: Stage,
    engine: string,
    prepared: string,
    model: ModelSource,
    needs: readonly string[],
  ) =>
    ({
      kind: 'train',
      name,
      stage,
      engine,
      prepared,
      model,
      needs,
      directory: trainDirectory(name, stage),
    }) as const;

  const steps: StepSpec[] = [
    { kind: 'collect', name: 'collect', file: samplesFile },
    { kind: 'teacher', name: 'stage1/teacher', file: teacherFile, samples: collect },
    prepare('stage1/prepare', 'sft', plan.stage1.engine, { step: 'stage1/teacher', file: teacherFile }),
    train('stage1/train', 'sft', plan.stage1.engine, 'stage1/prepare', { path: [], step: [] }, [
      'stage1/prepare',
    ]),
    prepare('stage2/prepare', 'grpo', plan.stage2.engine, collect),
    train(
      'stage2/train',
      'grpo',
      plan.stage2.engine,
      'stage2/prepare',
      { path: ['stage1/train'], step: ['stage1/train'] },
      ['stage2/prepare'],
    ),
  ];
  let model: ModelSource = { path: ['stage2/train'], step: ['stage2/train'] };
  const previousRounds: string[] = [];
  for (let round = 1; round <= plan.stage3.rounds; round += 1) {
    const prefix = `stage3/round-${round}`;
    const roundFile = path.join(workDir, 'stage3', `round-${round}`, 'synthesized.jsonl');
    const roundModel: ModelSource = {
      path: [`${prefix}/sft-train`, ...model.path],
      step: [`${prefix}/sft-train`, ...model.step],
    };
    steps.push(
      {
        kind: 'synthesize',
        name: `${prefix}/synthesize`,
        round,
        file: roundFile,
        samples: collect,
        previousRounds: [...previousRounds],
        model,
      },
      prepare(`${prefix}/sft-prepare`, 'sft', plan.stage1.engine, {
        step: `${prefix}/synthesize`,
        file: roundFile,
      }),
      train(`${prefix}/sft-train`, 'sft', plan.stage1.engine, `${prefix}/sft-prepare`, model, [
        `${prefix}/synthesize`,
        `${prefix}/sft-prepare`,
      ]),
      prepare(`${prefix}/grpo-prepare`, 'grpo', plan.stage2.engine, collect),
      train(`${prefix}/grpo-train`, 'grpo', plan.stage2.engine, `${prefix}/grpo-prepare`, roundModel, [
        `${prefix}/sft-train`,
        `${prefix}/grpo-prepare`,
      ]),
    );
    previousRounds.push(roundFile);
    // The round's GRPO model, else its SFT model, else the model it started from; the hash
    // stands for the GRPO step, else the model the round started from.
    model = {
      path: [`${prefix}/grpo-train`, ...roundModel.path],
      step: [`${prefix}/grpo-train`, ...model.step],
    };
  }
  return steps;
}

/** The names of the steps a plan runs, in order. */
export function planSteps(loaded: LoadedPlan): string[] {
  return stepTable(loaded).map((step) => step.name);
}
