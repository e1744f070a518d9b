import { open } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument, visit } from 'yaml';
import type { z } from 'zod';
import { PlanError } from '../errors';
import { getEngine } from '../engines/index';
import { checkPlanEngines } from './check-engines';
import { type Plan, planSchema } from './plan-schema';

/** A validated plan plus where it came from. */
export interface LoadedPlan {
  /** The validated plan with defaults filled in. */
  readonly plan: Plan;
  /** Absolute path of the plan file. */
  readonly file: string;
  /** Absolute work directory (the plan's `workDir` resolved against the plan file's folder). */
  readonly workDir: string;
  /** Resolves a path written in the plan against the plan file's folder. */
  resolve(relative: string): string;
  /**
   * A {@link PlanError} for a plan value that turned out bad after validation (a file that
   * does not exist, a model id nothing resolves): names the file, the value's line and field.
   */
  errorAt(fieldPath: readonly (string | number)[], message: string, cause?: unknown): PlanError;
}

/** The largest plan file read: a plan names data and settings, it does not hold data. */
export const MAX_PLAN_BYTES = 1024 * 1024;

/** At most this many YAML alias expansions (a "billion laughs" document expands exponentially). */
export const MAX_PLAN_ALIASES = 100;

/** Options of {@link loadPlan} and {@link parsePlan}. */
export interface LoadPlanOptions {
  /**
   * Accept a `workDir` that is absolute or leads out of the plan file's folder (by `..`). Off by
   * default: a plan must not make the trainer write anywhere else on the machine
   * (`fea-train --allow-outside-plan-dir`).
   */
  readonly allowOutsidePlanDir?: boolean;
}

/**
 * Reads a plan file (YAML or JSON; JSON is YAML), validates it and fills in the paper's
 * defaults. Errors are {@link PlanError}s naming the file, the line and the field. A file over
 * {@link MAX_PLAN_BYTES}, a document with more than {@link MAX_PLAN_ALIASES} alias expansions and
 * a `workDir` outside the plan's folder (unless allowed) are refused.
 */
export async function loadPlan(file: string, options: LoadPlanOptions = {}): Promise<LoadedPlan> {
  const absolute = path.resolve(file);
  let text: string;
  try {
    const handle = await open(absolute, 'r');
    try {
      const info = await handle.stat();
      if (!info.isFile())
        throw new PlanError({ file: absolute, message: 'not a regular file; pass the plan file.' });
      if (info.size > MAX_PLAN_BYTES)
        throw new PlanError({
          file: absolute,
          message: `the plan file is ${(info.size / 1024 / 1024).toFixed(1)} MiB; plans are at most ${MAX_PLAN_BYTES / 1024 / 1024} MiB (a plan names datasets by path, it does not hold them).`,
        });
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (cause) {
    if (cause instanceof PlanError) throw cause;
    throw new PlanError({ file: absolute, message: 'cannot read the plan file; check the path.', cause });
  }
  return parsePlan(text, absolute, options);
}

/** Parses and validates plan text; `file` is used in error messages and to resolve relative paths. */
export function parsePlan(text: string, file: string, options: LoadPlanOptions = {}): LoadedPlan {
  if (text.length > MAX_PLAN_BYTES)
    throw new PlanError({
      file,
      message: `the plan is ${text.length} characters; plans are at most ${MAX_PLAN_BYTES} (a plan names datasets by path, it does not hold them).`,
    });
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  const syntaxError = document.errors[0];
  if (syntaxError) {
    const line = lineCounter.linePos(syntaxError.pos[0]).line;
    throw new PlanError({
      file,
      line,
      message: `not valid YAML/JSON: ${syntaxError.message.split('\n')[0]}`,
    });
  }
  let aliases = 0;
  let firstAlias: number | undefined;
  visit(document, {
    Alias(_, node) {
      aliases += 1;
      firstAlias ??= node.range?.[0];
    },
  });
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: MAX_PLAN_ALIASES });
  } catch (cause) {
    throw new PlanError({
      file,
      line: firstAlias === undefined ? undefined : lineCounter.linePos(firstAlias).line,
      message: `the YAML aliases (${aliases} in the file) expand to more than ${MAX_PLAN_ALIASES} copies; write the values out instead of nesting aliases.`,
      cause,
    });
  }
  const result = planSchema.safeParse(value);
  if (!result.success) {
    throw issueToError(result.error.issues[0]!, file, (fieldPath) =>
      lineOf(document, lineCounter, fieldPath),
    );
  }
  const directory = path.dirname(file);
  const resolve = (relative: string) => path.resolve(directory, relative);
  const workDir = resolve(result.data.workDir);
  const relative = path.relative(directory, workDir);
  if (
    options.allowOutsidePlanDir !== true &&
    (relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative))
  )
    throw new PlanError({
      file,
      field: 'workDir',
      line: lineOf(document, lineCounter, ['workDir']),
      message: `"${result.data.workDir}" is outside the plan's folder ${directory}; use a path under it, or allow it explicitly (fea-train --allow-outside-plan-dir, loadPlan(file, { allowOutsidePlanDir: true })).`,
    });
  // What fea-train would emit for the plan's engines must pass their contracts at their versions.
  checkPlanEngines(
    result.data,
    { sft: getEngine(result.data.stage1.engine, 'sft'), grpo: getEngine(result.data.stage2.engine, 'grpo') },
    { file, workDir, lineAt: (fieldPath) => lineOf(document, lineCounter, fieldPath) },
  );
  const errorAt = (fieldPath: readonly (string | number)[], message: string, cause?: unknown) =>
    new PlanError({
      file,
      field: fieldPath.map(String).join('.'),
      line: lineOf(document, lineCounter, fieldPath),
      message,
      cause,
    });
  return { plan: result.data, file, workDir, resolve, errorAt };
}

function issueToError(
  issue: z.core.$ZodIssue,
  file: string,
  lineAt: (fieldPath: readonly PropertyKey[]) => number | undefined,
): PlanError {
  const fieldPath = issue.path;
  const field = fieldPath.map(String).join('.') || undefined;
  let message = issue.message;
  if (issue.code === 'unrecognized_keys')
    message = `unknown field(s) ${issue.keys.map((key) => `"${key}"`).join(', ')}`;
  if (issue.code === 'invalid_union' && fieldPath[0] === 'datasets') {
    message =
      'expected { benchmark, root, split?, fold?, subjects?, limit?, imagesOutsideRoot? } or { jsonl, images?, limit?, imagesOutsideRoot? }';
  }
  return new PlanError({ file, field, line: lineAt(fieldPath), message });
}

/** The 1-based line of the deepest node that exists along `fieldPath`. */
function lineOf(
  document: ReturnType<typeof parseDocument>,
  lineCounter: LineCounter,
  fieldPath: readonly PropertyKey[],
): number | undefined {
  let node: unknown = document.contents;
  let offset: number | undefined = (node as { range?: [number] } | null)?.range?.[0];
  for (const key of fieldPath) {
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => String((item.key as { value?: unknown })?.value) === String(key),
      );
      if (!pair) break;
      offset = (pair.key as { range?: [number] }).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number') {
      node = node.items[key];
      offset = (node as { range?: [number] } | undefined)?.range?.[0] ?? offset;
    } else break;
  }
  return offset === undefined ? undefined : lineCounter.linePos(offset).line;
}
