import path from 'node:path';
import type { TrainingEngine } from './engine';
import { writeJsonlSplits } from './jsonl-file';
import { withTqdmSteps } from './llama-factory-engine';
import { createLogParser } from './log-metrics';

/**
 * OpenRLHF: GRPO (`--advantage_estimator group_norm`) through `openrlhf.cli.train_ppo_ray`, with
 * rewards from the Facial-R1 reward server's `/openrlhf` endpoint. Each JSONL row has `prompt`
 * (chat messages, rendered with `--apply_chat_template`) and `label` (the sample as a JSON
 * string, which the server decodes); OpenRLHF forwards `label` as `labels` in its remote
 * reward request (openrlhf/utils/remote_rm_utils.py). `images` is kept for the multimodal
 * forks (OpenRLHF-M / LMM-R1) that read an image column; stock OpenRLHF trains text-only.
 * Flags are those of OpenRLHF 0.8 (`--remote_rm_url`); newer releases renamed it
 * `--reward.remote_url`.
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
    const outputDirectory = path.join(stageDirectory, 'checkpoints');
    const train = dataset.files.find((file) => file.endsWith('train.jsonl')) ?? '';
    const args = [
      '-m',
      'openrlhf.cli.train_ppo_ray',
      '--pretrain',
      modelPath,
      '--remote_rm_url',
      // OpenRLHF posts without headers: the token can only ride in the URL.
      `${rewardUrl ?? 'http://127.0.0.1:8765'}/openrlhf${rewardToken ? `?token=${encodeURIComponent(rewardToken)}` : ''}`,
      '--prompt_data',
      train,
      '--input_key',
      'prompt',
      '--label_key',
      'label',
      '--apply_chat_template',
      '--advantage_estimator',
      'group_norm',
      '--n_samples_per_prompt',
      String(stage2.groupSize),
      '--temperature',
      String(stage2.temperature),
      '--init_kl_coef',
      String(stage2.klBeta),
      '--eps_clip',
      String(stage2.clip),
      '--actor_learning_rate',
      String(stage2.learningRate),
      '--max_epochs',
      '1',
      '--num_episodes',
      String(stage2.epochs),
      '--prompt_max_len',
      String(stage2.maxPromptLength),
      '--generate_max_len',
      String(stage2.maxCompletionLength),
      '--rollout_batch_size',
      String(stage2.batchSize),
      '--actor_num_nodes',
      String(plan.hardware.nodes),
      '--actor_num_gpus_per_node',
      String(plan.hardware.gpus),
      '--vllm_num_engines',
      String(plan.hardware.gpus),
      '--colocate_all_models',
      '--bf16',
      '--save_path',
      outputDirectory,
    ];
    return { command: 'python3', args, env: {}, files: {}, outputDirectory };
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
