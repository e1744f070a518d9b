import { readFileSync } from 'node:fs';
import path from 'node:path';
import { toTrlConversationRecord } from '@facial-r1/synthesis';
import { DEEPSPEED_CONFIG_FILE, deepSpeedZero3Config } from './deepspeed-config';
import type { TrainingEngine } from './engine';
import { hasKey, planEngineSchema } from './engine-versions';
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
    const schema = planEngineSchema(plan, 'trl');
    const outputDirectory = path.join(stageDirectory, 'checkpoints');
    const train = dataset.files.find((file) => file.endsWith('train.jsonl'));
    const test = dataset.files.find((file) => file.endsWith('test.jsonl'));
    const { nodes, gpus, nodeRank, masterAddress, masterPort } = plan.hardware;
    const processes = nodes * gpus;
    const deepspeedFile = path.join(stageDirectory, DEEPSPEED_CONFIG_FILE);
    const common = {
      output_dir: outputDirectory,
      bf16: true,
      logging_steps: 1,
      report_to: 'none',
      gradient_checkpointing: true,
      deepspeed: deepspeedFile,
    };
    let trainerArgs: Record<string, unknown>;
    if (stage === 'sft') {
      const stage1 = plan.stage1;
      trainerArgs = {
        ...common,
        learning_rate: stage1.learningRate,
        num_train_epochs: stage1.epochs,
        max_length: stage1.maxLength,
        per_device_train_batch_size: 1,
        gradient_accumulation_steps: 2,
        save_strategy: 'epoch',
        // TRL refuses packing for vision-language models (trl/trainer/sft_trainer.py); the loss
        // covers only the assistant turn: the launcher splits `messages` into prompt/completion.
        packing: false,
        completion_only_loss: true,
      };
    } else {
      const stage2 = plan.stage2;
      const micro = stage2.microBatchSizePerGpu;
      const completions = stage2.batchSize * stage2.groupSize;
      // One optimizer step per generation batch of `batchSize` prompts x `groupSize` completions.
      const accumulation = Math.max(1, Math.floor(completions / (micro * processes)));
      trainerArgs = {
        ...common,
        learning_rate: stage2.learningRate,
        num_train_epochs: stage2.epochs,
        num_generations: stage2.groupSize,
        temperature: stage2.temperature,
        beta: stage2.klBeta,
        epsilon: stage2.clip,
        loss_type: 'grpo',
        max_completion_length: stage2.maxCompletionLength,
        // Removed in TRL 0.28 (a TypeError from then on): only where this version has it.
        ...(hasKey(schema, 'GRPOConfig', 'max_prompt_length')
          ? { max_prompt_length: stage2.maxPromptLength }
          : {}),
        per_device_train_batch_size: micro,
        gradient_accumulation_steps: accumulation,
        use_vllm: true,
        vllm_mode: 'colocate',
        save_strategy: 'steps',
        save_steps: stage2.saveSteps,
      };
    }
    const configFile = path.join(stageDirectory, `trl-${stage}.json`);
    const launcherFile = path.join(stageDirectory, 'trl_launcher.py');
    const config = {
      stage,
      model: modelPath,
      train_file: train,
      test_file: test,
      reward_bridge: rewardBridge,
      reward_function: 'facial_r1_reward',
      trainer_args: trainerArgs,
    };
    const rank =
      nodes > 1
        ? [
            '--machine_rank',
            String(nodeRank),
            '--main_process_ip',
            masterAddress ?? '',
            '--main_process_port',
            String(masterPort),
          ]
        : [];
    return {
      command: 'accelerate',
      args: [
        'launch',
        '--num_processes',
        String(processes),
        '--num_machines',
        String(nodes),
        ...rank,
        launcherFile,
        configFile,
      ],
      env: {},
      files: {
        [configFile]: `${JSON.stringify(config, null, 2)}\n`,
        [launcherFile]: readFileSync(launcherPath('trl_launcher.py'), 'utf8'),
        [deepspeedFile]: `${JSON.stringify(deepSpeedZero3Config(), null, 2)}\n`,
      },
      outputDirectory,
      engineVersion: schema.version,
      // The launcher saves the final model (ZeRO-3 weights gathered) into output_dir.
      exportDirectory: outputDirectory,
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
