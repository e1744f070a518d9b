// Starts the reward server the way a user does, `fea-rewards serve` (this package's bin, from
// source), for tests and benches that watch it from outside: its URL, the launcher's pid and
// the pid of the process that serves (a child of the launcher on glibc Linux, where the bin
// relaunches itself; the launcher itself elsewhere or with FEA_SERVER_RELAUNCH=0).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { exitCodeOf } from '../serving-process';

export const BIN = fileURLToPath(new URL('../../bin.ts', import.meta.url));

export interface StartedServer {
  readonly url: string;
  readonly launcher: ChildProcess;
  /** The pid of the process that serves. */
  readonly serverPid: number;
  /** Resolves with the launcher's exit code (128 + n for signal n) once it ends. */
  readonly exited: Promise<number>;
  /** Everything the launcher (and so the server) printed on stdout so far. */
  readonly output: string[];
}

/** The pids of a process's children (Linux). */
export function childPids(pid: number): number[] {
  const file = `/proc/${pid}/task/${pid}/children`;
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}

/** `fea-rewards serve --port 0 ...args`; resolves once it prints its URL. */
export async function startServerBin(
  args: readonly string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<StartedServer> {
  const launcher = spawn(
    process.execPath,
    ['--conditions=@facial-r1/source', '--import', 'tsx', BIN, 'serve', '--port', '0', ...args],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } },
  );
  const exited = new Promise<number>((resolve) =>
    launcher.once('exit', (code, signal) => resolve(exitCodeOf(code, signal))),
  );
  const output: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    void exited.then((code) => reject(new Error(`fea-rewards serve exited with ${code} before listening`)));
    createInterface({ input: launcher.stdout! }).on('line', (line) => {
      output.push(line);
      const found = / on (http:\/\/\S+)/.exec(line);
      if (found) resolve(found[1]!);
    });
  });
  const children = childPids(launcher.pid!);
  return { url, launcher, serverPid: children[0] ?? launcher.pid!, exited, output };
}
