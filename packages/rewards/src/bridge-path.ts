import { fileURLToPath } from 'node:url';

const FILES = { verl: 'verl_reward.py', trl: 'trl_reward.py', easyr1: 'easyr1_reward.py' } as const;

/**
 * The absolute path of a Python reward bridge shipped with this package (stdlib only: urllib
 * + json), to hand to an engine: verl `custom_reward_function.path`, TRL `reward_funcs`,
 * EasyR1 `worker.reward.reward_function`.
 */
export function bridgePath(engine: keyof typeof FILES): string {
  const file = FILES[engine];
  // From src/ (tests, tsx) and from dist/ (published) the bridges folder is one level up.
  return fileURLToPath(new URL(`../bridges/${file}`, import.meta.url));
}
