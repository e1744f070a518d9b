import type { EngineCommand, EngineStep } from './engine';

/** Quotes one word for a POSIX shell: bare when it is safe, else single-quoted. */
function quote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

/**
 * The shell lines of a command's `before` or `after` steps (Ray cluster start on each node,
 * the HF export of the final checkpoint), each under a `#` line saying what it does and where.
 */
export function engineStepLines(command: Pick<EngineCommand, 'steps'>, when: EngineStep['when']): string[] {
  return (command.steps ?? [])
    .filter((step) => step.when === when)
    .flatMap((step) => [`# ${step.description}`, step.command.map(quote).join(' ')]);
}
