import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { EngineCommand, EngineProgress, TrainingEngine } from '../engines/index';
import { EngineRunError } from '../errors';
import { shellCommand } from './dry-run-script';

/** What a finished (or stopped) engine run left behind; also written as `launch.json`. */
export interface LaunchRecord {
  readonly engine: string;
  readonly command: readonly string[];
  readonly startedAt: string;
  readonly finishedAt: string;
  /** Exit code, or null when the engine died from a signal. */
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** True when the run was stopped by the user (Ctrl-C / SIGTERM forwarded). */
  readonly interrupted: boolean;
  readonly lastProgress: EngineProgress | null;
  /** Checkpoint directories the engine reported, in order. */
  readonly checkpoints: readonly string[];
  readonly logFile: string;
}

/** Options of {@link launchEngine}. */
export interface LaunchOptions {
  /** Where `engine.log` and `launch.json` go. */
  readonly directory: string;
  /** Receives every parsed progress event. */
  readonly onProgress?: (progress: EngineProgress) => void;
  /** Receives every log line (already written to `engine.log`). */
  readonly onLine?: (line: string) => void;
  /** Stops the engine when aborted (Ctrl-C handling lives in the CLI). */
  readonly signal?: AbortSignal;
  /** Grace period between the forwarded SIGINT and SIGKILL. Default 30 s. */
  readonly killAfterMs?: number;
  /** Extra environment for the child. */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * Starts an engine as a child process in its own process group, streams its stdout/stderr
 * into `engine.log`, parses progress from each line, forwards an abort as SIGINT to the
 * whole group (what Ctrl-C in a terminal would do) and escalates to SIGKILL after a grace
 * period. Resolves with the {@link LaunchRecord} whatever the exit code; rejects only when
 * the process cannot be started.
 */
export async function launchEngine(
  engine: TrainingEngine,
  command: EngineCommand,
  options: LaunchOptions,
): Promise<LaunchRecord> {
  await mkdir(options.directory, { recursive: true });
  for (const [file, content] of Object.entries(command.files)) {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
  }
  const logFile = path.join(options.directory, 'engine.log');
  const log = createWriteStream(logFile, { flags: 'a' });
  const startedAt = new Date().toISOString();
  const child = spawn(command.command, [...command.args], {
    cwd: options.directory,
    env: { ...process.env, ...command.env, ...options.env, PYTHONUNBUFFERED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });

  let lastProgress: EngineProgress | null = null;
  const checkpoints: string[] = [];
  const handleLine = (line: string) => {
    log.write(`${line}\n`);
    options.onLine?.(line);
    const progress = engine.parseLogLine(line);
    if (!progress) return;
    if (progress.checkpoint && !checkpoints.includes(progress.checkpoint))
      checkpoints.push(progress.checkpoint);
    lastProgress = { ...lastProgress, ...progress };
    options.onProgress?.(lastProgress);
  };
  const streamsDone = [child.stdout, child.stderr].map(
    (stream) =>
      new Promise<void>((resolve) => {
        const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
        lines.on('line', handleLine);
        lines.on('close', resolve);
      }),
  );

  let interrupted = false;
  let killTimer: NodeJS.Timeout | undefined;
  const stop = () => {
    if (interrupted || child.exitCode !== null) return;
    interrupted = true;
    signalGroup(child.pid, 'SIGINT');
    killTimer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), options.killAfterMs ?? 30_000);
    killTimer.unref();
  };
  options.signal?.addEventListener('abort', stop, { once: true });
  if (options.signal?.aborted) stop();

  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
    (resolve, reject) => {
      child.once('error', (error) =>
        reject(
          new EngineRunError(
            `cannot start ${engine.id}: ${command.command} (${(error as NodeJS.ErrnoException).code ?? error.message}). ` +
              `Is the engine installed in this environment? Try --dry-run to print the command.`,
            { cause: error },
          ),
        ),
      );
      child.once('exit', (code, signal) => resolve({ code, signal }));
    },
  ).finally(() => {
    options.signal?.removeEventListener('abort', stop);
    if (killTimer) clearTimeout(killTimer);
  });
  await Promise.all(streamsDone);
  await new Promise<void>((resolve) => log.end(resolve));

  const record: LaunchRecord = {
    engine: engine.id,
    command: [command.command, ...command.args],
    startedAt,
    finishedAt: new Date().toISOString(),
    exitCode: exit.code,
    signal: exit.signal,
    interrupted,
    lastProgress,
    checkpoints,
    logFile,
  };
  await writeFile(path.join(options.directory, 'launch.json'), `${JSON.stringify(record, null, 2)}\n`);
  return record;
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals) {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

/** The command line of `command` with its environment, quoted for a POSIX shell. */
export function formatCommand(command: EngineCommand): string {
  return shellCommand([command.command, ...command.args], command.env);
}
