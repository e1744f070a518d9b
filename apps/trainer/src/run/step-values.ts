import { z } from 'zod';
import { PipelineError } from '../errors';
import type { StepRecord } from './state-store';

/** `collect`: how many samples the datasets yielded. */
export type CollectValues = { readonly count: number };

/** `stage1/teacher`: the set came from `stage1.data`, or the teacher model's run manifest. */
export type TeacherValues = { readonly source: 'file' } | { readonly manifest: unknown };

/** A stage-3 synthesis round: the synthesis run's manifest. */
export type SynthesizeValues = { readonly manifest: unknown };

const prepareValuesSchema = z.object({
  /** Dataset files the engine reads (absolute, or relative to `directory`). */
  files: z.array(z.string()),
  /** Rows per split. */
  rows: z.record(z.string(), z.number()),
  /** The folder the dataset was written to. */
  directory: z.string(),
});

/** A prepare step: the engine dataset it wrote. */
export type PrepareValues = z.infer<typeof prepareValuesSchema>;

const trainValuesSchema = z.object({
  /** The model later steps load: the HF export folder, else the last checkpoint. */
  checkpoint: z.string(),
  /** Every checkpoint the engine reported (absent in a dry run). */
  checkpoints: z.array(z.string()).optional(),
  /** The HF folder the engine's after steps write, when it has one. */
  exportDirectory: z.string().optional(),
});

/** A training step: the model it left behind. */
export type TrainValues = z.infer<typeof trainValuesSchema>;

/** What a step of any kind records for later steps. */
export type StepValues = CollectValues | TeacherValues | PrepareValues | TrainValues | SynthesizeValues;

function readValues<T>(schema: z.ZodType<T>, step: string, record: StepRecord, stateFile: string): T {
  const parsed = schema.safeParse(record.values);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues
    .map((issue) => `${['values', ...issue.path].join('.')}: ${issue.message}`)
    .join('; ');
  throw new PipelineError(
    `${stateFile}: step "${step}" has recorded values this version cannot read (${problems}). ` +
      `Remove "${step}" from its "steps" to redo that step.`,
  );
}

/**
 * The values of a prepare step as the state file holds them; a wrong shape (a file from another
 * version, an edited file) is a {@link PipelineError} naming the state file and the step.
 */
export function prepareValues(step: string, record: StepRecord, stateFile: string): PrepareValues {
  return readValues(prepareValuesSchema, step, record, stateFile);
}

/** The values of a training step as the state file holds them (see {@link prepareValues}). */
export function trainValues(step: string, record: StepRecord, stateFile: string): TrainValues {
  return readValues(trainValuesSchema, step, record, stateFile);
}
