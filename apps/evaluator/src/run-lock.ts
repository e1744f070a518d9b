import { open, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FeaError } from '@facial-r1/facs';

/** What a lock file holds. */
interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly started: string;
}

/** Another process holds the run directory. */
export class RunLockedError extends FeaError {
  constructor(
    readonly directory: string,
    readonly owner: LockOwner | undefined,
  ) {
    super(
      'evaluator/run-locked',
      `${directory} is in use by another fea-eval run${owner ? ` (pid ${owner.pid} on ${owner.host}, since ${owner.started})` : ''}; wait for it to finish or pass another --out. If no run is using it, delete ${path.join(directory, '.lock')}.`,
    );
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Takes `<directory>/.lock` (created exclusively, holding pid, host and start time) so two runs
 * never append to one predictions file. A lock left by a process that is gone (same host, pid
 * not running) is stale and taken over; a live one, or one from another host (which cannot be
 * checked), is a {@link RunLockedError}. Returns the release function.
 */
export async function lockRunDirectory(
  directory: string,
  options: { readonly onStale?: (owner: LockOwner) => void } = {},
): Promise<() => Promise<void>> {
  const file = path.join(directory, '.lock');
  const me: LockOwner = { pid: process.pid, host: os.hostname(), started: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(`${JSON.stringify(me)}\n`);
      await handle.close();
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        await rm(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let owner: LockOwner | undefined;
    try {
      owner = JSON.parse(await readFile(file, 'utf8')) as LockOwner;
    } catch {
      owner = undefined; // being written right now, or damaged: treat as held
    }
    const stale =
      owner !== undefined && owner.host === me.host && Number.isInteger(owner.pid) && !alive(owner.pid);
    if (!stale || attempt > 0) throw new RunLockedError(directory, owner);
    options.onStale?.(owner!);
    await rm(file, { force: true });
  }
  throw new RunLockedError(directory, undefined);
}
