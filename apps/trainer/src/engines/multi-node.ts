import type { Plan } from '../plan/plan-schema';
import type { EngineStep } from './engine';

/** Ray's default GCS port on the head node. */
export const RAY_PORT = 6379;

/**
 * The Ray cluster a multi-node verl / EasyR1 / OpenRLHF run needs: `ray start --head` on node 0,
 * `ray start --address` on the others, then the engine command on node 0 only. Empty for one node
 * (the engine starts a local Ray itself).
 */
export function rayClusterSteps(plan: Plan): EngineStep[] {
  const { nodes, gpus, masterAddress } = plan.hardware;
  if (nodes <= 1) return [];
  return [
    {
      when: 'before',
      description: `on node 0 (${masterAddress}): start the Ray head`,
      command: ['ray', 'start', '--head', `--port=${RAY_PORT}`, `--num-gpus=${gpus}`],
    },
    {
      when: 'before',
      description: `on each of the other ${nodes - 1} node(s): join the Ray cluster, then run the command on node 0 only`,
      command: ['ray', 'start', `--address=${masterAddress}:${RAY_PORT}`, `--num-gpus=${gpus}`],
      elsewhere: true,
    },
  ];
}

/**
 * torchrun-style rank and world settings for one node (LLaMA-Factory reads them from the
 * environment: NNODES, NODE_RANK, NPROC_PER_NODE, MASTER_ADDR, MASTER_PORT).
 */
export function torchrunEnvironment(plan: Plan): Record<string, string> {
  const { nodes, gpus, nodeRank, masterAddress, masterPort } = plan.hardware;
  if (nodes <= 1) return { NNODES: '1', NPROC_PER_NODE: String(gpus) };
  return {
    NNODES: String(nodes),
    NPROC_PER_NODE: String(gpus),
    NODE_RANK: String(nodeRank),
    MASTER_ADDR: masterAddress ?? '',
    MASTER_PORT: String(masterPort),
  };
}
