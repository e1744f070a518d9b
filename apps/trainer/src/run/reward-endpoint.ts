import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '@facial-r1/dataset';
import type { Plan } from '../plan/plan-schema';

/** Where the reward server of a GRPO stage listens, how workers reach it, and its token. */
export interface RewardEndpoint {
  /** Address to bind. */
  readonly host: string;
  /** Port to bind (0: any free one; only for a server started in-process). */
  readonly port: number;
  /** True when the server binds loopback only (one node). */
  readonly loopback: boolean;
  /** The URL engine workers use (`FEA_REWARD_URL`). */
  readonly url: string;
  /** Bearer token (`FEA_REWARD_TOKEN`); always set off loopback. */
  readonly token?: string;
}

/** The file beside the bridges that tells engine workers where the reward server is. */
export const REWARD_SETTINGS_FILE = 'facial_r1_reward.json';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/**
 * The reward endpoint of a plan (stage2 `rewardHost`, `rewardPort`, `rewardUrl`): loopback on
 * one node, every interface when `hardware.nodes` > 1; off loopback a token is required, taken
 * from `FEA_REWARD_TOKEN` or generated. `port` overrides the plan's (the port actually bound).
 */
export function rewardEndpoint(
  plan: Plan,
  options: { readonly port?: number; readonly env?: NodeJS.ProcessEnv } = {},
): RewardEndpoint {
  const env = options.env ?? process.env;
  const host = plan.stage2.rewardHost ?? (plan.hardware.nodes > 1 ? '0.0.0.0' : '127.0.0.1');
  const loopback = LOOPBACK.test(host);
  const port = options.port ?? plan.stage2.rewardPort;
  const shownPort = port || 8765;
  const reachable = loopback ? (host.includes(':') ? `[${host}]` : host) : os.hostname();
  const url = (plan.stage2.rewardUrl ?? `http://${reachable}:${shownPort}`).replace(/\/+$/, '');
  const token = env.FEA_REWARD_TOKEN || (loopback ? undefined : randomBytes(24).toString('hex'));
  return { host, port, loopback, url, token };
}

/**
 * Writes `facial_r1_reward.json` (`{ url, token? }`) beside the bridges in
 * `directory`, readable by its owner only: bridges read it when the environment does not name
 * the server (Ray or accelerate workers on other nodes do not inherit it).
 */
export async function writeRewardSettings(
  directory: string,
  endpoint: Pick<RewardEndpoint, 'url' | 'token'>,
): Promise<string> {
  const file = path.join(directory, REWARD_SETTINGS_FILE);
  const settings = { url: endpoint.url, ...(endpoint.token ? { token: endpoint.token } : {}) };
  await writeFileAtomic(file, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
  return file;
}
