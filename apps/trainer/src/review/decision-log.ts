import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { createJsonlAppender, type JsonlAppender, readJsonl } from '@facial-r1/dataset';

/** A reviewer's verdict on a sample. */
export type Verdict = 'accept' | 'reject' | 'edit';

/** One line of a decisions JSONL. Lines are only ever appended; the state is a fold over them. */
export interface DecisionRecord {
  /** Unique per decision (`<client>:<n>`): a resent decision is recorded once. */
  readonly key: string;
  /** The sample's id. */
  readonly id: string;
  readonly decision: Verdict | 'undo';
  /** Why it was rejected (reject). */
  readonly reason?: string;
  /** The corrected `<think>...</think><answer>...</answer>` (edit). */
  readonly text?: string;
  /** Whether the edit passed the verifier when it was made, and the failed checks (edit). */
  readonly passed?: boolean;
  readonly failed?: readonly string[];
  /** The key of the decision this undo withdraws (undo). */
  readonly undoes?: string;
  readonly reviewer: string;
  /** The browser tab that sent it. */
  readonly client: string;
  /**
   * The key of the sample's decision the client was looking at (null: none). When it differs
   * from the current one, another tab decided in between: both stay in the log, the later wins,
   * and the client is told.
   */
  readonly base: string | null;
  /** ISO 8601 time the server recorded it. */
  readonly at: string;
}

/** The fold of a decisions log. */
export class DecisionState {
  /** Per sample, its standing decisions in log order (the last is current). */
  private readonly stacks = new Map<string, DecisionRecord[]>();
  /** Standing decisions of every sample, in log order (for undo). */
  private readonly standing: DecisionRecord[] = [];
  private readonly byKey = new Map<string, DecisionRecord>();
  /** Lines folded. */
  lines = 0;

  /** Folds one record; returns the record an undo withdrew. */
  apply(record: DecisionRecord): DecisionRecord | undefined {
    this.lines += 1;
    if (this.byKey.has(record.key)) return undefined;
    this.byKey.set(record.key, record);
    if (record.decision === 'undo') {
      const target = record.undoes ? this.byKey.get(record.undoes) : undefined;
      if (!target || target.decision === 'undo') return undefined;
      const stack = this.stacks.get(target.id);
      const at = stack?.indexOf(target) ?? -1;
      if (!stack || at < 0) return undefined;
      stack.splice(at, 1);
      this.standing.splice(this.standing.lastIndexOf(target), 1);
      return target;
    }
    const stack = this.stacks.get(record.id);
    if (stack) stack.push(record);
    else this.stacks.set(record.id, [record]);
    this.standing.push(record);
    return undefined;
  }

  /** The sample's current decision. */
  current(id: string): DecisionRecord | undefined {
    const stack = this.stacks.get(id);
    return stack?.[stack.length - 1];
  }

  /** The most recent standing decision (what `u` withdraws). */
  latest(): DecisionRecord | undefined {
    return this.standing[this.standing.length - 1];
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  /** The record with this key, if any. */
  get(key: string): DecisionRecord | undefined {
    return this.byKey.get(key);
  }

  /** True when the decision with this key is recorded and not withdrawn. */
  isStanding(key: string): boolean {
    const record = this.byKey.get(key);
    return record !== undefined && (this.stacks.get(record.id)?.includes(record) ?? false);
  }

  /** Every sample with a current decision. */
  decided(): Map<string, DecisionRecord> {
    const result = new Map<string, DecisionRecord>();
    for (const [id, stack] of this.stacks) if (stack.length) result.set(id, stack[stack.length - 1]!);
    return result;
  }
}

/** Reads a decisions file into its fold. */
export async function readDecisions(file: string): Promise<DecisionState> {
  const state = new DecisionState();
  try {
    for await (const record of readJsonl<DecisionRecord>(file)) state.apply(record);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return state;
}

/** What recording a decision did. */
export interface DecisionOutcome {
  readonly record: DecisionRecord;
  /** The decision it replaced when the client had not seen it (another tab decided in between). */
  readonly conflict?: DecisionRecord;
  /** True when this key was already recorded (a resend): nothing was written. */
  readonly duplicate?: boolean;
}

/**
 * A reviewer's decisions JSONL, opened for appending with `@facial-r1/dataset`'s crash-safe
 * appender (a torn last line from a crash is cut off on open; each line is fsynced before the
 * call resolves). Decisions are recorded one at a time, in arrival order, so the state in
 * memory is always the fold of the file: a restarted server resumes exactly.
 */
export class DecisionLog {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly file: string,
    readonly reviewer: string,
    readonly state: DecisionState,
    private readonly appender: JsonlAppender<DecisionRecord>,
  ) {}

  static async open(file: string, reviewer: string): Promise<DecisionLog> {
    // The appender repairs a torn tail first; then the whole file is folded.
    const appender = await createJsonlAppender<DecisionRecord>(file, { key: (record) => record.key });
    return new DecisionLog(file, reviewer, await readDecisions(file), appender);
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Records a decision (accept, reject, edit) on a sample. */
  decide(input: Omit<DecisionRecord, 'reviewer' | 'at' | 'undoes'>): Promise<DecisionOutcome> {
    return this.serial(async () => {
      const previous = this.state.get(input.key);
      if (previous) return { record: previous, duplicate: true };
      const current = this.state.current(input.id);
      const record: DecisionRecord = { ...input, reviewer: this.reviewer, at: new Date().toISOString() };
      await this.appender.append(record);
      this.state.apply(record);
      const conflict = current && current.key !== input.base ? current : undefined;
      return conflict ? { record, conflict } : { record };
    });
  }

  /** Withdraws the most recent standing decision (or the one named by `undoes`). */
  undo(input: {
    key: string;
    client: string;
    undoes?: string;
  }): Promise<{ undone?: DecisionRecord; record?: DecisionRecord }> {
    return this.serial(async () => {
      if (this.state.has(input.key)) return {};
      const target = input.undoes
        ? this.state.isStanding(input.undoes)
          ? this.state.get(input.undoes)
          : undefined
        : this.state.latest();
      if (!target) return {};
      const record: DecisionRecord = {
        key: input.key,
        id: target.id,
        decision: 'undo',
        undoes: target.key,
        reviewer: this.reviewer,
        client: input.client,
        base: target.key,
        at: new Date().toISOString(),
      };
      await this.appender.append(record);
      const undone = this.state.apply(record);
      return { undone, record };
    });
  }

  async close(): Promise<void> {
    await this.queue;
    await this.appender.close();
  }
}

/** The decisions file of `reviewer` for a dataset file: `<name>.decisions.<reviewer>.jsonl` beside it. */
export function decisionsPath(datasetFile: string, reviewer: string): string {
  const base = path.basename(datasetFile).replace(/\.jsonl$/, '');
  return path.join(path.dirname(datasetFile), `${base}.decisions.${reviewer}.jsonl`);
}

/** Every reviewer's decisions file beside a dataset file, by reviewer name. */
export async function findDecisionFiles(datasetFile: string): Promise<Map<string, string>> {
  const base = path.basename(datasetFile).replace(/\.jsonl$/, '');
  const prefix = `${base}.decisions.`;
  const found = new Map<string, string>();
  const names = await readdir(path.dirname(datasetFile)).catch(() => [] as string[]);
  for (const name of names.sort()) {
    if (!name.startsWith(prefix) || !name.endsWith('.jsonl')) continue;
    const reviewer = name.slice(prefix.length, -'.jsonl'.length);
    if (/^[A-Za-z0-9._-]+$/.test(reviewer)) found.set(reviewer, path.join(path.dirname(datasetFile), name));
  }
  return found;
}

/** A reviewer name safe in a file name. */
export function reviewerName(name: string): string {
  const cleaned = name
    .trim()
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[.-]+/, '');
  return cleaned || 'reviewer';
}

/**
 * Cohen's kappa of two raters over the items both rated: (p_o - p_e) / (1 - p_e), with p_e
 * from each rater's marginal frequencies. 1 when they agree on everything and chance
 * agreement is also 1 (both used one category); NaN with no common items.
 */
export function cohensKappa(first: ReadonlyMap<string, string>, second: ReadonlyMap<string, string>) {
  const pairs: [string, string][] = [];
  for (const [id, verdict] of first) {
    const other = second.get(id);
    if (other !== undefined) pairs.push([verdict, other]);
  }
  const n = pairs.length;
  if (n === 0) return { kappa: Number.NaN, n: 0, agreement: Number.NaN };
  const firstCounts = new Map<string, number>();
  const secondCounts = new Map<string, number>();
  let agree = 0;
  for (const [a, b] of pairs) {
    if (a === b) agree += 1;
    firstCounts.set(a, (firstCounts.get(a) ?? 0) + 1);
    secondCounts.set(b, (secondCounts.get(b) ?? 0) + 1);
  }
  const observed = agree / n;
  let expected = 0;
  for (const [category, count] of firstCounts)
    expected += (count / n) * ((secondCounts.get(category) ?? 0) / n);
  const kappa = expected === 1 ? 1 : (observed - expected) / (1 - expected);
  return { kappa, n, agreement: observed };
}

/** Kappa between every pair of reviewers with a decisions file beside `datasetFile`. */
export async function reviewerAgreement(
  datasetFile: string,
  cache: Map<string, { stamp: string; verdicts: Map<string, string> }> = new Map(),
) {
  const files = await findDecisionFiles(datasetFile);
  const verdicts: [string, Map<string, string>][] = [];
  for (const [reviewer, file] of files) {
    const info = await stat(file).catch(() => undefined);
    if (!info) continue;
    const stamp = `${info.size}:${info.mtimeMs}`;
    let entry = cache.get(file);
    if (entry?.stamp !== stamp) {
      const state = await readDecisions(file);
      entry = { stamp, verdicts: new Map([...state.decided()].map(([id, record]) => [id, record.decision])) };
      cache.set(file, entry);
    }
    verdicts.push([reviewer, entry.verdicts]);
  }
  const pairs: { reviewers: [string, string]; kappa: number | null; agreement: number | null; n: number }[] =
    [];
  for (let i = 0; i < verdicts.length; i += 1)
    for (let j = i + 1; j < verdicts.length; j += 1) {
      const result = cohensKappa(verdicts[i]![1], verdicts[j]![1]);
      pairs.push({
        reviewers: [verdicts[i]![0], verdicts[j]![0]],
        kappa: Number.isNaN(result.kappa) ? null : result.kappa,
        agreement: Number.isNaN(result.agreement) ? null : result.agreement,
        n: result.n,
      });
    }
  return pairs;
}
