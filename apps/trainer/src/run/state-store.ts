import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '@facial-r1/dataset';

/** One finished step as recorded in the state file. */
export interface StepRecord {
  /** Hash of everything the step read: its plan section and upstream outputs. */
  readonly inputsHash: string;
  /** Output files (absolute) and their content hashes. */
  readonly outputs: Readonly<Record<string, string>>;
  /** Step-specific values later steps read (checkpoint path, counts). */
  readonly values: Readonly<Record<string, unknown>>;
  readonly finishedAt: string;
}

/** The `state.json` of a run directory. */
export interface RunState {
  readonly version: 1;
  readonly steps: Record<string, StepRecord>;
}

/** Stable JSON hash of any value (object keys sorted). */
export function hashValue(value: unknown): string {
  return createHash('sha256').update(stableStringify(value)).digest('hex');
}

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${stableStringify(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** SHA-256 of a file's bytes, or of a directory's listing and files (recursively). */
export async function hashPath(target: string): Promise<string | null> {
  const info = await stat(target).catch(() => null);
  if (!info) return null;
  if (info.isFile()) {
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(target)) hash.update(chunk as Buffer);
    return hash.digest('hex');
  }
  const { readdir } = await import('node:fs/promises');
  const entries = (await readdir(target)).sort();
  const parts: string[] = [];
  for (const entry of entries) parts.push(`${entry}:${await hashPath(path.join(target, entry))}`);
  return hashValue(parts);
}

/** Reads and atomically rewrites `state.json`. */
export class StateStore {
  private state: RunState = { version: 1, steps: {} };

  private constructor(readonly file: string) {}

  /** Opens the state file of `directory` (an empty state when there is none). */
  static async open(directory: string): Promise<StateStore> {
    const store = new StateStore(path.join(directory, 'state.json'));
    const text = await readFile(store.file, 'utf8').catch(() => null);
    if (text) store.state = JSON.parse(text) as RunState;
    return store;
  }

  get snapshot(): RunState {
    return this.state;
  }

  /** The record of `step` when it is done with the same inputs and its outputs are unchanged. */
  async upToDate(step: string, inputsHash: string): Promise<StepRecord | null> {
    const record = this.state.steps[step];
    if (!record || record.inputsHash !== inputsHash) return null;
    for (const [file, expected] of Object.entries(record.outputs)) {
      if ((await hashPath(file)) !== expected) return null;
    }
    return record;
  }

  /** Records `step` as done (written before returning, atomically). */
  async complete(
    step: string,
    inputsHash: string,
    outputs: readonly string[],
    values: Record<string, unknown> = {},
  ): Promise<StepRecord> {
    const hashes: Record<string, string> = {};
    for (const file of outputs) hashes[file] = (await hashPath(file)) ?? 'missing';
    const record: StepRecord = { inputsHash, outputs: hashes, values, finishedAt: new Date().toISOString() };
    this.state = { ...this.state, steps: { ...this.state.steps, [step]: record } };
    await writeFileAtomic(this.file, `${JSON.stringify(this.state, null, 2)}\n`);
    return record;
  }
}
