import { spawn } from 'node:child_process';
import { constants } from 'node:os';

/**
 * The size from which the serving process's glibc malloc maps memory of its own, freed
 * straight back to the system: Node reads sockets 64 KiB at a time.
 */
export const SERVER_MMAP_THRESHOLD = 65_536;

/**
 * The young generation's cap, in MiB, for the serving process: after a burst at the body limit
 * V8 kept its new space grown to the default 16 MiB semi-spaces (25-95 MiB more resident
 * memory than idle); at 2 MiB it came back within 10 MiB of idle. With the mmap threshold it
 * costs 6-11% of requests/s over HTTP (256- and 8192-item batches); scoring a batch takes
 * milliseconds where an RL step takes seconds.
 */
export const SERVER_SEMI_SPACE_MIB = 2;

/** Set in the relaunched process's environment; also how a caller tells it is that process. */
export const RELAUNCHED_ENV = 'FEA_SERVER_RELAUNCHED';
/** `FEA_SERVER_RELAUNCH=0` keeps a server in the process it was started in. */
export const RELAUNCH_OPT_OUT_ENV = 'FEA_SERVER_RELAUNCH';

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** A child's exit as a shell reports it: its code, or 128 + the number of the signal that ended it. */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  return code ?? 128 + (signal ? constants.signals[signal] : 0);
}

/** What {@link shouldRelaunchForServing} reads; the current process's by default. */
export interface ServingProcessFacts {
  readonly platform: NodeJS.Platform;
  readonly env: NodeJS.ProcessEnv;
  /** glibc's version at run time, or undefined on another C library (musl) or system. */
  readonly glibc: string | undefined;
}

function currentFacts(): ServingProcessFacts {
  const report =
    process.platform === 'linux'
      ? (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)
      : undefined;
  return { platform: process.platform, env: process.env, glibc: report?.header?.glibcVersionRuntime };
}

/**
 * Whether a long-running server should run in a child process whose glibc malloc maps every
 * allocation of 64 KiB or more on its own (and whose V8 young generation is capped, see
 * {@link SERVER_SEMI_SPACE_MIB}).
 *
 * Why: a request body arrives as 64 KiB socket reads that glibc serves from its main heap, and
 * after the request the heap cannot shrink past whatever small allocation was made above them.
 * A server that took one 64 MB request kept 30-130 MB it no longer used (measured: idle 100 MB,
 * 246 MB after a burst of requests at the body limit). glibc reads `MALLOC_MMAP_THRESHOLD_`
 * only when a process starts, so the only way to set it is a process started with it.
 * Not on other systems or C libraries, not when the user set the threshold, tunables or
 * `FEA_SERVER_RELAUNCH=0`, and never twice.
 */
export function shouldRelaunchForServing(facts: ServingProcessFacts = currentFacts()): boolean {
  const { env } = facts;
  return (
    facts.platform === 'linux' &&
    facts.glibc !== undefined &&
    env[RELAUNCHED_ENV] === undefined &&
    env[RELAUNCH_OPT_OUT_ENV] !== '0' &&
    env.MALLOC_MMAP_THRESHOLD_ === undefined &&
    !(env.GLIBC_TUNABLES ?? '').includes('malloc.mmap_threshold')
  );
}

/**
 * Runs this same command again in a child process with glibc's mmap threshold set and V8's
 * young generation capped (see {@link shouldRelaunchForServing}; a semi-space size given in
 * `NODE_OPTIONS` or on node's command line is kept) and resolves with the exit code to end
 * with, or resolves undefined at once when this process should serve itself. `argv` is the command line to run
 * again (`process.argv`'s shape: node, script, arguments).
 *
 * The parent only waits: SIGINT, SIGTERM and SIGHUP are passed on once (the child has its own
 * process group, so a terminal's Ctrl-C is not delivered twice), and the child's exit code is
 * the parent's (128 + the signal's number when a signal ended it). The child stops itself,
 * as on SIGTERM, when the parent goes away without passing anything on (killed with SIGKILL).
 *
 * @example
 * ```ts
 * const relaunched = await relaunchForServing();
 * if (relaunched !== undefined) process.exitCode = relaunched;
 * else await createRewardServer().listen();
 * ```
 */
export function relaunchForServing(argv: readonly string[] = process.argv): Promise<number | undefined> {
  if (process.env[RELAUNCHED_ENV] !== undefined) {
    watchParent();
    return Promise.resolve(undefined);
  }
  if (!shouldRelaunchForServing()) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const v8Flags = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((flag) =>
      flag.includes('semi-space-size'),
    )
      ? []
      : [`--max-semi-space-size=${SERVER_SEMI_SPACE_MIB}`];
    const child = spawn(process.execPath, [...v8Flags, ...process.execArgv, ...argv.slice(1)], {
      env: { ...process.env, MALLOC_MMAP_THRESHOLD_: String(SERVER_MMAP_THRESHOLD), [RELAUNCHED_ENV]: '1' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      detached: true,
    });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    for (const signal of FORWARDED) process.on(signal, forward);
    const done = () => {
      for (const signal of FORWARDED) process.off(signal, forward);
    };
    child.once('error', (error) => {
      done();
      reject(error);
    });
    child.once('exit', (code, signal) => {
      done();
      resolve(exitCodeOf(code, signal));
    });
  });
}

/** In the relaunched process: stop as on SIGTERM once the parent's IPC channel closes. */
function watchParent(): void {
  const channel = process.channel;
  if (!channel) return;
  channel.unref();
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
