import { fileURLToPath } from 'node:url';

const FILES = { verl: 'verl_reward.py', trl: 'trl_reward.py', easyr1: 'easyr1_reward.py' } as const;
/** The HTTP client every bridge loads from its own folder. */
const CLIENT = '_facial_r1_client.py';

// From src/ (tests, tsx) and from dist/ (published) the bridges folder is one level up.
const shipped = (file: string) => fileURLToPath(new URL(`../bridges/${file}`, import.meta.url));

/**
 * The absolute path of a Python reward bridge shipped with this package (stdlib only: urllib
 * + json), to hand to an engine: verl `custom_reward_function.path`, TRL `reward_funcs`,
 * EasyR1 `worker.reward.reward_function`. The bridge loads `_facial_r1_client.py` from its
 * own folder: copy every file of {@link bridgeFiles}, not this one alone.
 */
export function bridgePath(engine: keyof typeof FILES): string {
  return shipped(FILES[engine]);
}

/**
 * Every file a bridge needs, bridge first: copy them all into one folder (what `fea-train
 * prepare` does) and point the engine at the copied bridge.
 */
export function bridgeFiles(engine: keyof typeof FILES): readonly string[] {
  return [shipped(FILES[engine]), shipped(CLIENT)];
}
