import path from 'node:path';
import type { TrainingEngine } from './engine';
import { planEngineSchema } from './engine-versions';
import { rayClusterSteps } from './multi-node';
import { writeJsonlSplits } from './jsonl-file';
import { createLogParser } from './log-metrics';

/**
 * Runs EasyR1's `scripts/model_merger.py` from any folder. The merger is not part of the
 * installed package: it sits in the checkout beside EasyR1's `verl` package (an editable install,
 * `pip install -e`, as EasyR1 documents), so it is found from `verl.__file__`; a missing one
 * exits with a message saying so. Its own flags follow (`sys.argv[1:]`).
 */
export const EASYR1_MERGER = [
  'import os, runpy, sys, verl',
  's = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(verl.__file__))), "scripts", "model_merger.py")',
  'os.path.isfile(s) or sys.exit("EasyR1 model merger not found at " + s + ": install EasyR1 from its checkout (pip install -e)")',
  'sys.argv[0] = s',
  'runpy.run_path(s, run_name="__main__")',
].join('; ');

/**
 * EasyR1 (a verl fork for vision-language RL): GRPO through `verl.trainer.main` with OmegaConf
 * overrides. Rows are `{ problem, answer, images }` (EasyR1's `data.prompt_key`,
 * `data.answer_key`, `data.image_key`; `<image>` marks the image in `problem`), and
 * `answer` carries the sample as JSON for the reward bridge
 * (`worker.reward.reward_function=<bridge>.py:compute_score`).
 */
export const easyR1Engine: TrainingEngine = {
  id: 'easyr1',
  stages: ['grpo'],

  async writeDataset(splits, directory) {
    return writeJsonlSplits(splits, directory, (example) => ({
      id: example.sample.id,
      problem: `<image>${example.promptText}`,
      answer: example.groundTruth,
      images: [example.sample.image],
    }));
  },

  command({ plan, stageDirectory, dataset, rewardBridge, modelPath }) {
    const stage2 = plan.stage2;
    const schema = planEngineSchema(plan, 'easyr1');
    const outputDirectory = path.join(stageDirectory, 'checkpoints');
    const train = dataset.files.find((file) => file.endsWith('train.jsonl')) ?? '';
    const test = dataset.files.find((file) => file.endsWith('test.jsonl')) ?? train;
    // OmegaConf overrides of EasyR1's PPOConfig dataclasses (verl/trainer/config.py,
    // verl/workers/*/config.py), checked against the plan's EasyR1 version (engine-constraints.ts).
    const overrides: Record<string, string | number | boolean> = {
      'data.train_files': train,
      'data.val_files': test,
      'data.prompt_key': 'problem',
      'data.answer_key': 'answer',
      'data.image_key': 'images',
      'data.max_prompt_length': stage2.maxPromptLength,
      'data.max_response_length': stage2.maxCompletionLength,
      'data.rollout_batch_size': stage2.batchSize,
      'algorithm.adv_estimator': 'grpo',
      // The paper's KL: a loss term with beta 0.04 (PPOConfig.post_init copies these to the actor);
      // beta 0 drops the reference model altogether.
      'algorithm.disable_kl': stage2.klBeta === 0,
      'algorithm.use_kl_loss': stage2.klBeta > 0,
      'algorithm.kl_penalty': 'low_var_kl',
      'algorithm.kl_coef': stage2.klBeta,
      'worker.actor.global_batch_size': stage2.miniBatchSize,
      'worker.actor.micro_batch_size_per_device_for_update': stage2.microBatchSizePerGpu,
      'worker.actor.micro_batch_size_per_device_for_experience': stage2.microBatchSizePerGpu,
      'worker.actor.model.model_path': modelPath,
      'worker.actor.optim.lr': stage2.learningRate,
      'worker.actor.clip_ratio_low': stage2.clip,
      'worker.actor.clip_ratio_high': stage2.clip,
      'worker.rollout.n': stage2.groupSize,
      'worker.rollout.temperature': stage2.temperature,
      // verl/workers/reward/config.py: `file.py:function`.
      'worker.reward.reward_function': `${rewardBridge ?? 'easyr1_reward.py'}:compute_score`,
      'trainer.total_epochs': stage2.epochs,
      'trainer.n_gpus_per_node': plan.hardware.gpus,
      'trainer.nnodes': plan.hardware.nodes,
      'trainer.project_name': 'facial-r1',
      'trainer.experiment_name': plan.name,
      'trainer.save_freq': stage2.saveSteps,
      'trainer.save_checkpoint_path': outputDirectory,
      'trainer.logger': "['console']",
    };
    const stepsPerEpoch = Math.max(
      1,
      Math.floor((dataset.rows.train ?? stage2.batchSize) / stage2.batchSize),
    );
    const finalStep = Math.max(1, Math.floor(stepsPerEpoch * stage2.epochs));
    const actor = path.join(outputDirectory, `global_step_${finalStep}`, 'actor');
    return {
      command: 'python3',
      args: [
        '-m',
        'verl.trainer.main',
        ...Object.entries(overrides).map(([key, value]) => `${key}=${value}`),
      ],
      env: {},
      files: {},
      outputDirectory,
      engineVersion: schema.version,
      // EasyR1's merger writes `<actor>/huggingface`.
      exportDirectory: path.join(actor, 'huggingface'),
      steps: [
        ...rayClusterSteps(plan),
        {
          when: 'after',
          description: "merge the final FSDP checkpoint into an HF folder (EasyR1's model merger)",
          command: ['python3', '-c', EASYR1_MERGER, '--local_dir', actor],
          schema: 'model_merger',
        },
      ],
    };
  },

  parseLogLine: createLogParser({
    step: ['step', 'global_step'],
    reward: ['reward/overall', 'critic/score/mean', 'reward_score'],
    loss: ['actor/pg_loss'],
    checkpointPattern: /(?:saving|saved)\s+(?:checkpoint\s+)?(?:to\s+)?(\S+global_step_\d+)/i,
  }),
};
