import { EMOTIONS, isFacsAu, normalizeEmotion } from '@facial-r1/facs';
import { z } from 'zod';
import { InvalidRecordError } from './errors';

/**
 * One FEA sample in the FEA-20K JSONL format (FACTS 5). Unknown fields are kept, so a file
 * read and written back is unchanged.
 */
export const feaSampleSchema = z
  .object({
    /** Stable id, unique within its dataset. */
    id: z.string().min(1),
    /** Source dataset (`rafdb`, `disfa`, ...). */
    dataset: z.string(),
    /** Image path, relative to an image root (or absolute). */
    image: z.string().min(1),
    /** The question; `<image>` placeholders are removed when prompts are built. */
    question: z.string().optional(),
    /** Active AUs as `AU<n>`, each a FACS-defined AU (`AU999`, `AU4.5` are refused). */
    AUs: z.array(
      z.string().refine((au) => /^AU\d+$/i.test(au.trim()) && isFacsAu(au), {
        message: 'expected a FACS Action Unit written "AU<n>" (AU1 ... AU46)',
      }),
    ),
    /**
     * Emotion labels; the first is used. Empty (or `[""]`) for AU-only datasets. Each must name
     * one of the canonical emotions (any case or synonym `normalizeEmotion` knows, `<answer>` tags
     * allowed).
     */
    labels: z.array(
      z.string().refine(
        (label) => {
          const bare = label.replace(/<\/?answer>/g, '').trim();
          // An empty label marks an AU-only sample (DISFA, BP4D rows of FEA-20K; FACTS 3).
          return bare === '' || normalizeEmotion(bare) !== null;
        },
        {
          message: `expected an emotion label (${EMOTIONS.join(', ')})`,
        },
      ),
    ),
    /** Target completion `<think>...</think><answer>...</answer>`. */
    description: z.string().optional(),
    /** Free-form metadata (subject, frame, source line, ...). */
    meta_info: z.record(z.string(), z.unknown()).optional(),
    /** `false` marks a sample to skip. */
    is_valid: z.boolean().optional(),
  })
  .passthrough();

/** An FEA sample. */
export type FeaSample = z.infer<typeof feaSampleSchema>;

function describeIssue(issue: z.core.$ZodIssue): { field: string | undefined; expected: string } {
  const field = issue.path.length ? issue.path.map(String).join('.') : undefined;
  return { field, expected: issue.message };
}

/** Validates one sample, throwing {@link InvalidRecordError} with `file`/`line` when given. */
export function parseFeaSample(value: unknown, where: { file?: string; line?: number } = {}): FeaSample {
  const result = safeParseFeaSample(value, where);
  if (!result.success) throw result.error;
  return result.value;
}

/** Validates one sample without throwing. */
export function safeParseFeaSample(
  value: unknown,
  where: { file?: string; line?: number } = {},
): { success: true; value: FeaSample } | { success: false; error: InvalidRecordError } {
  const result = feaSampleSchema.safeParse(value);
  if (result.success) return { success: true, value: result.data };
  const { field, expected } = describeIssue(result.error.issues[0]!);
  return {
    success: false,
    error: new InvalidRecordError(where.file ?? '<input>', where.line ?? 0, field, expected),
  };
}

export { describeIssue as describeSchemaIssue };
