// `fea-eval` run from source as its own process, as the tests that check the CLI need it.
import { type ExecFileOptions, execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** node's arguments that run this app's bin from source: `[...CLI_NODE_ARGS, 'run', ...]`. */
export const CLI_NODE_ARGS: readonly string[] = [
  '--conditions=@facial-r1/source',
  '--import',
  createRequire(import.meta.url).resolve('tsx'),
  fileURLToPath(new URL('../bin.ts', import.meta.url)),
];

/** What {@link runCli} resolves with, whatever the exit code. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `fea-eval ...args` and resolves with its exit code and output (never rejects on a non-zero exit). */
export function runCli(args: readonly string[], options: ExecFileOptions = {}): Promise<CliResult> {
  return promisify(execFile)(process.execPath, [...CLI_NODE_ARGS, ...args], {
    encoding: 'utf8',
    ...options,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout: String(stdout), stderr: String(stderr) }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  );
}
