import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
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
}

/**
 * Reads a plan file (YAML or JSON; JSON is YAML), validates it and fills in the paper's
 * defaults. Errors are {@link PlanError}s naming the file, the line and the field.
 */
export async function loadPlan(file: string): Promise<LoadedPlan> {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (cause) {
    throw new PlanError({ file: absolute, message: 'cannot read the plan file; check the path.', cause });
  }
  return parsePlan(text, absolute);
}

/** Parses and validates plan text; `file` is used in error messages and to resolve relative paths. */
export function parsePlan(text: string, file: string): LoadedPlan {
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
  const result = planSchema.safeParse(document.toJS());
  if (!result.success) {
    throw issueToError(result.error.issues[0]!, file, (fieldPath) =>
      lineOf(document, lineCounter, fieldPath),
    );
  }
  const directory = path.dirname(file);
  const resolve = (relative: string) => path.resolve(directory, relative);
  const workDir = resolve(result.data.workDir);
  // What fea-train would emit for the plan's engines must pass their contracts at their versions.
  checkPlanEngines(
    result.data,
    { sft: getEngine(result.data.stage1.engine, 'sft'), grpo: getEngine(result.data.stage2.engine, 'grpo') },
    { file, workDir, lineAt: (fieldPath) => lineOf(document, lineCounter, fieldPath) },
  );
  return { plan: result.data, file, workDir, resolve };
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
    message = 'expected { benchmark, root, split?, fold?, subjects?, limit? } or { jsonl, images?, limit? }';
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
