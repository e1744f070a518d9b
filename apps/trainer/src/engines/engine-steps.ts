import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { EngineRunError } from '../errors';
import type { EngineCommand, EngineStep } from './engine';

/** Quotes one word for a POSIX shell: bare when it is safe, else single-quoted. */
function quote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

/**
 * The shell lines of a command's `before` or `after` steps (Ray cluster start on each node,
 * the HF export of the final checkpoint), each under a `#` line saying what it does and where.
 * A step that runs on other machines ({@link EngineStep.elsewhere}) is printed commented out,
 * so the lines paste into the shell of the machine that starts the engine as they are.
 */
export function engineStepLines(command: Pick<EngineCommand, 'steps'>, when: EngineStep['when']): string[] {
  return (command.steps ?? [])
    .filter((step) => step.when === when)
    .flatMap((step) => {
      const line = step.command.map(quote).join(' ');
      return [`# ${step.description}`, step.elsewhere ? `#   ${line}` : line];
    });
}

/**
 * Runs a command's `after` steps (the HF export) one by one in `directory`, appending their
 * output to `logFile`, through the same `launcher` prefix as the engine (`srun`, `conda run`).
 * Rejects with an {@link EngineRunError} naming the step when one fails or is aborted. `before`
 * steps start a cluster across nodes and are only printed, never run here.
 */
export async function runAfterSteps(
  command: Pick<EngineCommand, 'steps'>,
  options: {
    readonly directory: string;
    readonly logFile: string;
    readonly launcher?: readonly string[];
    readonly env?: Readonly<Record<string, string>>;
    readonly signal?: AbortSignal;
  },
): Promise<void> {
  for (const step of (command.steps ?? []).filter((candidate) => candidate.when === 'after')) {
    const [program, ...args] = [...(options.launcher ?? []), ...step.command];
    const log = createWriteStream(options.logFile, { flags: 'a' });
    log.write(`# ${step.description}\n`);
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(program!, args, {
        cwd: options.directory,
        env: { ...process.env, ...options.env },
        stdio: ['ignore', 'pipe', 'pipe'],
        signal: options.signal,
      });
      child.stdout.pipe(log, { end: false });
      child.stderr.pipe(log, { end: false });
      child.once('error', (error) =>
        reject(
          new EngineRunError(`${step.description}: cannot run ${program} (${error.message})`, {
            cause: error,
          }),
        ),
      );
      child.once('close', resolve);
    }).finally(() => new Promise<void>((resolve) => log.end(resolve)));
    if (code !== 0)
      throw new EngineRunError(
        `${step.description} exited with ${code}; see ${options.logFile}. Rerun to retry.`,
      );
  }
}
