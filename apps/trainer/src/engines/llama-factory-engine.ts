import path from 'node:path';
import { writeLlamaFactoryDataset } from '@facial-r1/synthesis';
import { stringify } from 'yaml';
import type { TrainingEngine } from './engine';
import { createLogParser } from './log-metrics';
import { toSftExamples } from './sft-examples';

/** LLaMA-Factory: full-parameter SFT through `llamafactory-cli train <config.yaml>`. */
export const llamaFactoryEngine: TrainingEngine = {
  id: 'llamafactory',
  stages: ['sft'],

  async writeDataset(splits, directory) {
    const files: string[] = [];
    const rows: Record<string, number> = {};
    for (const [split, examples] of Object.entries(splits)) {
      if (!examples) continue;
      // One dataset_info.json per folder: each split gets its own folder.
      const written = await writeLlamaFactoryDataset(toSftExamples(examples), path.join(directory, split), {
        name: `facial_r1_${split}`,
      });
      files.push(written.dataFile, written.infoFile);
      rows[split] = examples.length;
    }
    return { files, rows };
  },

  command({ plan, stageDirectory, dataset, modelPath }) {
    const stage1 = plan.stage1;
    const trainInfo = dataset.files.find((file) =>
      file.endsWith(`${path.sep}train${path.sep}dataset_info.json`),
    );
    const outputDirectory = path.join(stageDirectory, 'checkpoints');
    // Keys of LLaMA-Factory's training arguments (examples/train_full/qwen2_5vl_full_sft.yaml).
    const config = {
      model_name_or_path: modelPath,
      stage: 'sft',
      do_train: true,
      finetuning_type: 'full',
      dataset: 'facial_r1_train',
      dataset_dir: trainInfo ? path.dirname(trainInfo) : path.join(stageDirectory, 'data', 'train'),
      template: 'qwen2_vl',
      cutoff_len: stage1.maxLength,
      packing: stage1.packing,
      learning_rate: stage1.learningRate,
      num_train_epochs: stage1.epochs,
      per_device_train_batch_size: 1,
      gradient_accumulation_steps: 2,
      lr_scheduler_type: 'cosine',
      warmup_ratio: 0.1,
      bf16: true,
      deepspeed: 'examples/deepspeed/ds_z3_config.json',
      logging_steps: 1,
      save_strategy: 'epoch',
      output_dir: outputDirectory,
      report_to: 'none',
    };
    const configFile = path.join(stageDirectory, 'llamafactory-sft.yaml');
    return {
      command: 'llamafactory-cli',
      args: ['train', configFile],
      env: { FORCE_TORCHRUN: plan.hardware.gpus > 1 ? '1' : '0', NNODES: String(plan.hardware.nodes) },
      files: { [configFile]: stringify(config) },
      outputDirectory,
    };
  },

  // HF Trainer logs `{'loss': 0.91, 'learning_rate': 4e-06, 'epoch': 0.5}` and tqdm `12/400 [..]`.
  parseLogLine: withTqdmSteps(
    createLogParser({
      step: ['global_step', 'step'],
      loss: ['loss', 'train_loss'],
      checkpointPattern: /Saving model checkpoint to\s+(\S+)/,
    }),
  ),
};

/** Adds `current/total` step counts from tqdm bars to a parser's result. */
export function withTqdmSteps(parse: TrainingEngine['parseLogLine']): TrainingEngine['parseLogLine'] {
  return (line) => {
    const parsed = parse(line);
    const bar = /(?:^|\s|\|)(\d+)\/(\d+)\s*\[/.exec(line);
    if (!bar) return parsed;
    return {
      ...parsed,
      step: parsed?.step ?? Number(bar[1]),
      totalSteps: parsed?.totalSteps ?? Number(bar[2]),
    };
  };
}
