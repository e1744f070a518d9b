import path from 'node:path';
import { withAtomicFile } from '@facial-r1/dataset';
import { type ColumnSource, parquetWriteFile } from 'hyparquet-writer';
import type { PreparedDataset, TrainingEngine } from './engine';
import { planEngineSchema } from './engine-versions';
import { rayClusterSteps } from './multi-node';
import { imageReference } from './image-bytes';
import { createLogParser } from './log-metrics';
import type { TrainingExample } from './training-example';

// Field names and shapes follow verl's own multimodal preprocessing
// (verl examples/data_preprocess/geo3k.py: data_source, prompt [{role, content}], images,
// ability, reward_model {style, ground_truth}, extra_info) and its loader
// (verl/utils/dataset/rl_dataset.py splits user content on "<image>";
// verl/utils/dataset/vision_utils.py `process_image` takes {"bytes": ...} or qwen-vl-utils'
// {"image": <path>}; see image-bytes.ts for why the path is plain, not a file:// URL).

const text = (name: string) => ({
  name,
  type: 'BYTE_ARRAY' as const,
  converted_type: 'UTF8' as const,
  repetition_type: 'OPTIONAL' as const,
});

function schema(embedImages: boolean) {
  return [
    { name: 'root', num_children: 6 },
    text('data_source'),
    {
      name: 'prompt',
      repetition_type: 'OPTIONAL' as const,
      converted_type: 'LIST' as const,
      num_children: 1,
    },
    { name: 'list', repetition_type: 'REPEATED' as const, num_children: 1 },
    { name: 'element', repetition_type: 'OPTIONAL' as const, num_children: 2 },
    text('role'),
    text('content'),
    {
      name: 'images',
      repetition_type: 'OPTIONAL' as const,
      converted_type: 'LIST' as const,
      num_children: 1,
    },
    { name: 'list', repetition_type: 'REPEATED' as const, num_children: 1 },
    { name: 'element', repetition_type: 'OPTIONAL' as const, num_children: 1 },
    embedImages
      ? { name: 'bytes', type: 'BYTE_ARRAY' as const, repetition_type: 'OPTIONAL' as const }
      : text('image'),
    text('ability'),
    { name: 'reward_model', repetition_type: 'OPTIONAL' as const, num_children: 2 },
    text('style'),
    text('ground_truth'),
    { name: 'extra_info', repetition_type: 'OPTIONAL' as const, num_children: 4 },
    text('split'),
    { name: 'index', type: 'INT64' as const, repetition_type: 'OPTIONAL' as const },
    text('id'),
    text('dataset'),
  ];
}

/** Writes one verl parquet file; returns its row count. */
export async function writeVerlParquet(
  examples: readonly TrainingExample[],
  file: string,
  options: { split: string; embedImages: boolean },
): Promise<number> {
  const images = await Promise.all(
    examples.map(async (example) => [await imageReference(example.sample.image, options.embedImages)]),
  );
  const columnData: ColumnSource[] = [
    { name: 'data_source', data: examples.map((example) => `facial-r1/${example.sample.dataset}`) },
    {
      name: 'prompt',
      data: examples.map((example) => [{ role: 'user', content: `<image>${example.promptText}` }]),
    },
    { name: 'images', data: images },
    { name: 'ability', data: examples.map(() => 'facial-emotion-analysis') },
    {
      name: 'reward_model',
      data: examples.map((example) => ({ style: 'rule', ground_truth: example.groundTruth })),
    },
    {
      name: 'extra_info',
      data: examples.map((example, index) => ({
        split: options.split,
        index: BigInt(index),
        id: example.sample.id,
        dataset: example.sample.dataset,
      })),
    },
  ];
  await withAtomicFile(file, (temporary) =>
    parquetWriteFile({ filename: temporary, columnData, schema: schema(options.embedImages) }),
  );
  return examples.length;
}

/** verl (Ray): GRPO through `verl.trainer.main_ppo` with a custom reward function file. */
export const verlEngine: TrainingEngine = {
  id: 'verl',
  stages: ['grpo'],

  async writeDataset(splits, directory, options): Promise<PreparedDataset> {
    const embedImages = options.embedImages ?? false;
    const files: string[] = [];
    const rows: Record<string, number> = {};
    for (const [split, examples] of Object.entries(splits)) {
      if (!examples) continue;
      const file = path.join(directory, `${split}.parquet`);
      rows[split] = await writeVerlParquet(examples, file, { split, embedImages });
      files.push(file);
    }
    return { files, rows };
  },

  command({ plan, stageDirectory, dataset, rewardBridge, modelPath }) {
    const stage2 = plan.stage2;
    const schema = planEngineSchema(plan, 'verl');
    const train = dataset.files.find((file) => file.endsWith('train.parquet'));
    const test = dataset.files.find((file) => file.endsWith('test.parquet')) ?? train;
    const outputDirectory = path.join(stageDirectory, 'checkpoints');
    const exportDirectory = path.join(stageDirectory, 'hf');
    const klLoss = stage2.klBeta > 0;
    // Hydra overrides of verl's ppo_trainer config (verl/trainer/config/ppo_trainer.yaml); every
    // key is checked against the extracted config of the plan's verl version (engine-constraints.ts).
    const overrides: Record<string, string | number | boolean> = {
      'algorithm.adv_estimator': 'grpo',
      // The paper's KL is a loss term (beta 0.04, or 0 = no reference model), never a reward penalty.
      'algorithm.use_kl_in_reward': false,
      'data.train_files': train ?? '',
      'data.val_files': test ?? '',
      'data.image_key': 'images',
      'data.prompt_key': 'prompt',
      'data.train_batch_size': stage2.batchSize,
      'data.max_prompt_length': stage2.maxPromptLength,
      'data.max_response_length': stage2.maxCompletionLength,
      'actor_rollout_ref.model.path': modelPath,
      'actor_rollout_ref.actor.optim.lr': stage2.learningRate,
      'actor_rollout_ref.actor.ppo_mini_batch_size': stage2.miniBatchSize,
      'actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu': stage2.microBatchSizePerGpu,
      'actor_rollout_ref.actor.use_kl_loss': klLoss,
      'actor_rollout_ref.actor.kl_loss_coef': stage2.klBeta,
      'actor_rollout_ref.actor.kl_loss_type': 'low_var_kl',
      // verl reads clip_ratio_low/high when set (both default 0.2), clip_ratio otherwise.
      'actor_rollout_ref.actor.clip_ratio': stage2.clip,
      'actor_rollout_ref.actor.clip_ratio_low': stage2.clip,
      'actor_rollout_ref.actor.clip_ratio_high': stage2.clip,
      'actor_rollout_ref.rollout.name': 'vllm',
      // verl's default is 2; one GPU per node cannot hold a 2-way vLLM engine.
      'actor_rollout_ref.rollout.tensor_model_parallel_size': plan.hardware.gpus >= 2 ? 2 : 1,
      'actor_rollout_ref.rollout.n': stage2.groupSize,
      'actor_rollout_ref.rollout.temperature': stage2.temperature,
      'actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu': stage2.microBatchSizePerGpu,
      ...(klLoss
        ? { 'actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu': stage2.microBatchSizePerGpu }
        : {}),
      'custom_reward_function.path': rewardBridge ?? '',
      'custom_reward_function.name': 'compute_score',
      'trainer.n_gpus_per_node': plan.hardware.gpus,
      'trainer.nnodes': plan.hardware.nodes,
      'trainer.total_epochs': stage2.epochs,
      'trainer.save_freq': stage2.saveSteps,
      'trainer.project_name': 'facial-r1',
      'trainer.experiment_name': plan.name,
      'trainer.default_local_dir': outputDirectory,
      'trainer.logger': "['console']",
    };
    // verl's train loader drops the last partial batch (verl/trainer/ppo/ray_trainer.py), and it
    // always saves the last step when save_freq > 0: that checkpoint is the one exported.
    const stepsPerEpoch = Math.max(
      1,
      Math.floor((dataset.rows.train ?? stage2.batchSize) / stage2.batchSize),
    );
    const finalStep = Math.max(1, Math.floor(stepsPerEpoch * stage2.epochs));
    return {
      command: 'python3',
      args: [
        '-m',
        'verl.trainer.main_ppo',
        ...Object.entries(overrides).map(([key, value]) => `${key}=${value}`),
      ],
      env: {},
      files: {},
      outputDirectory,
      engineVersion: schema.version,
      exportDirectory,
      steps: [
        ...rayClusterSteps(plan),
        {
          when: 'after',
          description: "merge the final FSDP checkpoint into an HF folder (verl's model merger)",
          schema: 'model_merger',
          command: [
            'python3',
            '-m',
            'verl.model_merger',
            'merge',
            '--backend',
            'fsdp',
            '--local_dir',
            path.join(outputDirectory, `global_step_${finalStep}`, 'actor'),
            '--target_dir',
            exportDirectory,
          ],
        },
      ],
    };
  },

  // verl's console logger prints `step:12 - critic/score/mean:0.41 - ...`.
  parseLogLine: createLogParser({
    step: ['step', 'training/global_step'],
    totalSteps: ['training/total_steps'],
    reward: ['critic/score/mean', 'critic/rewards/mean'],
    loss: ['actor/pg_loss'],
    checkpointPattern: /(?:saving|saved)\s+(?:checkpoint\s+)?(?:to\s+)?([^\s]+global_step_\d+)/i,
  }),
};
