import { readFileSync } from 'node:fs';
import path from 'node:path';
import { toTrlConversationRecord } from '@facial-r1/synthesis';
import type { TrainingEngine } from './engine';
import { writeJsonlSplits } from './jsonl-file';
import { launcherPath } from './launcher-files';
import { withTqdmSteps } from './llama-factory-engine';
import { createLogParser } from './log-metrics';
import { toSftExamples } from './sft-examples';

/**
 * TRL: SFT (SFTTrainer, conversational vision JSONL) and GRPO (GRPOTrainer with the Facial-R1
 * reward bridge as a reward function). Started with `accelerate launch` on a small launcher
 * that reads a JSON config; the dataset columns follow TRL's conversational format
 * (`messages`/`prompt` with typed content parts) and the extra columns `labels`/`AUs` reach
 * reward functions as keyword arguments (trl/trainer/grpo_trainer.py passes every non-prompt
 * column to `reward_func(prompts=..., completions=..., **reward_kwargs)`).
 */
export const trlEngine: TrainingEngine = {
  id: 'trl',
  stages: ['sft', 'grpo'],

  async writeDataset(splits, directory, { stage }) {
    if (stage === 'sft') {
      return writeJsonlSplits(splits, directory, (example, _index, _split) => {
        const [sft] = toSftExamples([example]);
        return toTrlConversationRecord(sft!);
      });
    }
    return writeJsonlSplits(splits, directory, (example) => ({
      id: example.sample.id,
      prompt: [{ role: 'user', content: [{ type: 'image' }, { type: 'text', text: example.promptText }] }],
      image: example.sample.image,
      ground_truth: example.groundTruth,
      dataset: example.sample.dataset,
    }));
  },

  command({ plan, stage, stageDirectory, dataset, rewardBridge, modelPath }) {
    const outputDirectory = path.join(stageDirectory, 'checkpoints');
    const train = dataset.files.find((file) => file.endsWith('train.jsonl'));
    const test = dataset.files.find((file) => file.endsWith('test.jsonl'));
    const hyperparameters =
      stage === 'sft'
        ? {
            learning_rate: plan.stage1.learningRate,
            epochs: plan.stage1.epochs,
            max_length: plan.stage1.maxLength,
          }
        : {
            learning_rate: plan.stage2.learningRate,
            epochs: plan.stage2.epochs,
            group_size: plan.stage2.groupSize,
            temperature: plan.stage2.temperature,
            kl_beta: plan.stage2.klBeta,
            clip: plan.stage2.clip,
            max_completion_length: plan.stage2.maxCompletionLength,
          };
    const configFile = path.join(stageDirectory, `trl-${stage}.json`);
    const launcherFile = path.join(stageDirectory, 'trl_launcher.py');
    const config = {
      stage,
      model: modelPath,
      train_file: train,
      test_file: test,
      output_dir: outputDirectory,
      reward_bridge: rewardBridge,
      reward_function: 'facial_r1_reward',
      hyperparameters,
    };
    return {
      command: 'accelerate',
      args: [
        'launch',
        '--num_processes',
        String(plan.hardware.gpus * plan.hardware.nodes),
        '--num_machines',
        String(plan.hardware.nodes),
        launcherFile,
        configFile,
      ],
      env: {},
      files: {
        [configFile]: JSON.stringify(config, null, 2),
        [launcherFile]: readFileSync(launcherPath('trl_launcher.py'), 'utf8'),
      },
      outputDirectory,
    };
  },

  // GRPOTrainer logs `{'loss': 0.0, 'reward': 1.31, 'reward_std': 0.4, ..., 'epoch': 0.02}`.
  parseLogLine: withTqdmSteps(
    createLogParser({
      step: ['global_step'],
      reward: ['reward', 'rewards/facial_r1_reward/mean', 'rewards/facial_r1_reward'],
      loss: ['loss', 'train_loss'],
      checkpointPattern: /Saving model checkpoint to\s+(\S+)/,
    }),
  ),
};
