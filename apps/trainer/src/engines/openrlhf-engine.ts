import path from 'node:path';
import type { TrainingEngine } from './engine';
import { planEngineSchema } from './engine-versions';
import { rayClusterSteps } from './multi-node';
import { writeJsonlSplits } from './jsonl-file';
import { withTqdmSteps } from './llama-factory-engine';
import { createLogParser } from './log-metrics';

/**
 * OpenRLHF: GRPO (`--algo.advantage.estimator group_norm`) through `openrlhf.cli.train_ppo_ray`, with
 * rewards from the Facial-R1 reward server's `/openrlhf` endpoint. Each JSONL row has `prompt`
 * (chat messages, rendered with `--apply_chat_template`) and `label` (the sample as a JSON
 * string, which the server decodes); OpenRLHF forwards `label` as `labels` in its remote
 * reward request (openrlhf/utils/remote_rm_utils.py). `images` is the image column OpenRLHF
 * reads from 0.10.0 on (`--data.image_key`, `--data.max_images_per_prompt`); flags are the dotted
 * names of 0.10.2 and later (older releases are refused by the plan check).
 */
export const openRlhfEngine: TrainingEngine = {
  id: 'openrlhf',
  stages: ['grpo'],

  async writeDataset(splits, directory) {
    return writeJsonlSplits(splits, directory, (example) => ({
      id: example.sample.id,
      prompt: [{ role: 'user', content: `<image>${example.promptText}` }],
      label: example.groundTruth,
      images: [example.sample.image],
    }));
  },

  command({ plan, stageDirectory, dataset, rewardUrl, rewardToken, modelPath }) {
    const stage2 = plan.stage2;
    const schema = planEngineSchema(plan, 'openrlhf');
    const { nodes, gpus } = plan.hardware;
    const outputDirectory = path.join(stageDirectory, 'checkpoints');
    const exportDirectory = path.join(stageDirectory, 'hf');
    const train = dataset.files.find((file) => file.endsWith('train.jsonl')) ?? '';
    const klLoss = stage2.klBeta > 0;
    // The dotted flags of OpenRLHF 0.10.2+ (openrlhf/cli/train_ppo_ray.py), checked against the
    // plan's version (engine-constraints.ts). All models share the GPUs (--train.colocate_all), so
    // vLLM runs one engine per GPU over every node: actor nodes x GPUs = engines x TP (1).
    const flags: Array<[string, string | number | null]> = [
      ['--actor.model_name_or_path', modelPath],
      // OpenRLHF posts without headers: the token can only ride in the URL.
      [
        '--reward.remote_url',
        `${rewardUrl ?? `http://127.0.0.1:${stage2.rewardPort}`}/openrlhf${rewardToken ? `?token=${encodeURIComponent(rewardToken)}` : ''}`,
      ],
      ['--data.prompt_dataset', train],
      ['--data.input_key', 'prompt'],
      ['--data.label_key', 'label'],
      ['--data.apply_chat_template', null],
      ['--data.image_key', 'images'],
      ['--data.max_images_per_prompt', 1],
      ['--data.max_len', stage2.maxPromptLength + stage2.maxCompletionLength],
      ['--rollout.max_new_tokens', stage2.maxCompletionLength],
      ['--algo.advantage.estimator', 'group_norm'],
      ['--rollout.n_samples_per_prompt', stage2.groupSize],
      ['--rollout.temperature', stage2.temperature],
      ['--rollout.batch_size', stage2.batchSize],
      ['--rollout.micro_batch_size', stage2.microBatchSizePerGpu],
      ['--train.batch_size', stage2.miniBatchSize * stage2.groupSize],
      ['--train.micro_batch_size', stage2.microBatchSizePerGpu],
      ...(klLoss ? ([['--algo.kl.use_loss', null]] as Array<[string, null]>) : []),
      ['--algo.kl.init_coef', stage2.klBeta],
      ['--algo.kl.estimator', klLoss ? 'k3' : 'k1'],
      ['--actor.eps_clip', stage2.clip],
      ['--actor.adam.lr', stage2.learningRate],
      ['--train.max_epochs', 1],
      ['--train.num_episodes', Math.max(1, Math.round(stage2.epochs))],
      ['--actor.num_nodes', nodes],
      ['--actor.num_gpus_per_node', gpus],
      ['--ref.num_nodes', nodes],
      ['--ref.num_gpus_per_node', gpus],
      ['--vllm.num_engines', nodes * gpus],
      ['--vllm.tensor_parallel_size', 1],
      ['--train.colocate_all', null],
      ['--vllm.enable_sleep', null],
      ['--ds.enable_sleep', null],
      ['--ds.zero_stage', 3],
      ['--ds.param_dtype', 'bf16'],
      ['--actor.gradient_checkpointing_enable', null],
      ['--ckpt.save_steps', stage2.saveSteps],
      ['--ckpt.path', outputDirectory],
      ['--ckpt.save_hf', null],
      ['--ckpt.output_dir', exportDirectory],
    ];
    const args = [
      '-m',
      'openrlhf.cli.train_ppo_ray',
      ...flags.flatMap(([flag, value]) => (value === null ? [flag] : [flag, String(value)])),
    ];
    return {
      command: 'python3',
      args,
      env: {},
      files: {},
      outputDirectory,
      engineVersion: schema.version,
      // OpenRLHF saves the final actor as an HF model in --ckpt.output_dir.
      exportDirectory,
      steps: rayClusterSteps(plan),
    };
  },

  parseLogLine: withTqdmSteps(
    createLogParser({
      step: ['global_step'],
      reward: ['reward', 'rewards'],
      loss: ['policy_loss', 'actor_loss'],
      checkpointPattern: /Saving (?:model )?(?:checkpoint )?to\s+(\S+)/i,
    }),
  ),
};
