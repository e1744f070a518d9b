import path from 'node:path';
import { writeLlamaFactoryDataset } from '@facial-r1/synthesis';
import { stringify } from 'yaml';
import { DEEPSPEED_CONFIG_FILE, deepSpeedZero3Config } from './deepspeed-config';
import type { TrainingEngine } from './engine';
import { planEngineSchema } from './engine-versions';
import { torchrunEnvironment } from './multi-node';
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
    const schema = planEngineSchema(plan, 'llamafactory');
    const trainInfo = dataset.files.find((file) =>
      file.endsWith(`${path.sep}train${path.sep}dataset_info.json`),
    );
    const outputDirectory = path.join(stageDirectory, 'checkpoints');
    // The ZeRO-3 config is written into the stage folder and named by its absolute path, like every
    // other path in the config, so it resolves whatever the working directory.
    const deepspeedFile = path.join(stageDirectory, DEEPSPEED_CONFIG_FILE);
    // Fields of LLaMA-Factory's hparams dataclasses (src/llamafactory/hparams/*_args.py), checked
    // against the plan's LLaMA-Factory version (engine-constraints.ts).
    const config = {
      model_name_or_path: modelPath,
      stage: 'sft',
      do_train: true,
      finetuning_type: 'full',
      freeze_vision_tower: true,
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
      deepspeed: deepspeedFile,
      logging_steps: 1,
      save_strategy: 'epoch',
      output_dir: outputDirectory,
      report_to: 'none',
    };
    const configFile = path.join(stageDirectory, 'llamafactory-sft.yaml');
    return {
      command: 'llamafactory-cli',
      args: ['train', configFile],
      // llamafactory-cli starts torchrun itself with FORCE_TORCHRUN (required with DeepSpeed, even on
      // one GPU: src/llamafactory/hparams/parser.py), reading NNODES / NODE_RANK / NPROC_PER_NODE /
      // MASTER_ADDR / MASTER_PORT (src/llamafactory/launcher.py).
      env: { FORCE_TORCHRUN: '1', ...torchrunEnvironment(plan) },
      files: {
        [configFile]: stringify(config),
        [deepspeedFile]: `${JSON.stringify(deepSpeedZero3Config(), null, 2)}\n`,
      },
      outputDirectory,
      engineVersion: schema.version,
      // The HF Trainer saves the final model (ZeRO-3 16-bit weights gathered) into output_dir.
      exportDirectory: outputDirectory,
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
