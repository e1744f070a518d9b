import { engineStepLines } from '../engines/engine-steps';
import type { DryRunCommand } from '../run/run-plan';

/** Quotes one word for a POSIX shell: bare when it is safe, else single-quoted. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

/** `NAME=value ... program args...`, every word quoted for a POSIX shell. */
export function shellCommand(command: readonly string[], env: Readonly<Record<string, string>> = {}): string {
  const assignments = Object.entries(env).map(([key, value]) => `${key}=${shellQuote(value)}`);
  return [...assignments, ...command.map(shellQuote)].join(' ');
}

/**
 * The shell lines of one dry-run training step, to paste as they are: comments, the reward
 * server to start first (GRPO: `fea-train serve-rewards` on the plan with the host, port and
 * token the engine expects), the engine's `before` steps (Ray cluster start on multi-node plans),
 * `cd` into the engine's working directory, the engine's command with its environment
 * (FORCE_TORCHRUN, NNODES, FEA_REWARD_URL, FEA_REWARD_TOKEN), then its `after` steps (the
 * export of the final checkpoint as an HF folder, where the engine does not write one itself).
 */
export function dryRunScript(dry: DryRunCommand, planFile: string): string {
  const lines = [`# ${dry.step}: ${dry.engine} ${dry.stage}, not started (dry run)`];
  if (dry.files.length) lines.push(`# files it reads, written now: ${dry.files.join(', ')}`);
  const server = dry.rewardServer;
  const env = { ...dry.env };
  if (server) {
    lines.push(
      `# The reward server must run while ${dry.engine} trains; workers reach it at ${server.url}.`,
      '# Start it first (here in the background; stop it with `kill %1` when training ends):',
    );
    if (server.token) {
      lines.push(`export FEA_REWARD_TOKEN=${shellQuote(server.token)}`);
      delete env.FEA_REWARD_TOKEN;
    }
    lines.push(
      `${shellCommand(['fea-train', 'serve-rewards', planFile, '--host', server.host, '--port', String(server.port || 8765)])} &`,
    );
  } else {
    lines.push('# No reward server needed (SFT).');
  }
  lines.push(
    ...engineStepLines(dry, 'before'),
    `cd ${shellQuote(dry.directory)}`,
    shellCommand(dry.command, env),
    ...engineStepLines(dry, 'after'),
  );
  if (dry.exportDirectory) lines.push(`# the trained model (HF folder): ${dry.exportDirectory}`);
  return lines.join('\n');
}
