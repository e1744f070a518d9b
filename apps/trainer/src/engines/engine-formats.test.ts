import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { FeaSample } from '@facial-r1/dataset';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePlan } from '../plan/load-plan';
import { getEngine, toTrainingExamples, type TrainingExample } from './index';

const python = (() => {
  try {
    execFileSync('python3', ['--version']);
    return true;
  } catch {
    console.warn('python3 not found: JSON/JSONL formats are checked with JSON.parse only');
    return false;
  }
})();

/** Reads a JSON or JSONL file with python3's json module and returns what Python saw. */
function readWithPython(file: string): unknown {
  const script = `
import json, sys
path = sys.argv[1]
with open(path, encoding="utf-8") as handle:
    if path.endswith(".jsonl"):
        rows = [json.loads(line) for line in handle if line.strip()]
    else:
        rows = json.load(handle)
print(json.dumps(rows))
`;
  return JSON.parse(execFileSync('python3', ['-c', script, file], { encoding: 'utf8' }));
}

async function readJson(file: string): Promise<unknown> {
  if (python) return readWithPython(file);
  const text = await readFile(file, 'utf8');
  return file.endsWith('.jsonl')
    ? text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line))
    : JSON.parse(text);
}

describe('engine dataset formats', () => {
  let directory: string;
  let train: TrainingExample[];
  let test: TrainingExample[];
  const plan = parsePlan(
    'name: t\nbaseModel: /models/qwen2.5-vl\ndatasets:\n  - jsonl: a.jsonl\nhardware:\n  gpus: 2\n',
    '/plans/p.yaml',
  ).plan;

  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'fea-engines-'));
    const samples: FeaSample[] = [];
    for (let index = 0; index < 5; index += 1) {
      const image = path.join(directory, `face-${index}.jpg`);
      await writeFile(image, Buffer.from([0xff, 0xd8, 0xff, index, 0xff, 0xd9]));
      samples.push({
        id: `s${index}`,
        dataset: index % 2 ? 'rafdb' : 'disfa',
        image,
        AUs: index % 2 ? ['AU6', 'AU12'] : ['AU1', 'AU2'],
        labels: index % 2 ? ['happiness'] : [],
        description: `<think>Cheeks raised (AU6) and lip corners pulled (AU12).</think><answer>happiness</answer>`,
      });
    }
    const examples = toTrainingExamples(samples);
    train = examples.slice(0, 4);
    test = examples.slice(4);
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  it('verl: parquet with nested prompt/images/reward_model/extra_info columns DuckDB reads', async () => {
    const engine = getEngine('verl', 'grpo');
    const prepared = await engine.writeDataset({ train, test }, path.join(directory, 'verl'), {
      stage: 'grpo',
    });
    expect(prepared.rows).toEqual({ train: 4, test: 1 });
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const file = prepared.files[0]!;
    const described = await connection.runAndReadAll(`describe select * from '${file}'`);
    const types = Object.fromEntries(
      described.getRowObjectsJson().map((row) => [row.column_name as string, row.column_type as string]),
    );
    expect(types).toEqual({
      data_source: 'VARCHAR',
      prompt: 'STRUCT("role" VARCHAR, "content" VARCHAR)[]',
      images: 'STRUCT(image VARCHAR)[]',
      ability: 'VARCHAR',
      reward_model: 'STRUCT(style VARCHAR, ground_truth VARCHAR)',
      extra_info: 'STRUCT(split VARCHAR, "index" BIGINT, id VARCHAR, dataset VARCHAR)',
    });
    const rows = (
      await connection.runAndReadAll(`select * from '${file}' order by extra_info.index`)
    ).getRowObjectsJson();
    expect(rows).toHaveLength(4);
    const first = rows[0] as Record<string, any>;
    expect(first.data_source).toBe('facial-r1/disfa');
    expect(first.prompt[0].role).toBe('user');
    expect(first.prompt[0].content.startsWith('<image>')).toBe(true);
    expect(first.prompt[0].content).toContain('<think>');
    expect(first.images[0].image).toBe(train[0]!.sample.image);
    expect(JSON.parse(first.reward_model.ground_truth)).toEqual({ labels: [], AUs: ['AU1', 'AU2'] });
    expect(first.extra_info).toMatchObject({ split: 'train', index: '0', id: 's0', dataset: 'disfa' });

    const embedded = await engine.writeDataset({ train }, path.join(directory, 'verl-bytes'), {
      stage: 'grpo',
      embedImages: true,
    });
    const bytes = (
      await connection.runAndReadAll(
        `select octet_length(images[1].bytes) as size from '${embedded.files[0]}' limit 1`,
      )
    ).getRowObjectsJson();
    expect(Number(bytes[0]!.size)).toBe(6);
  });

  it('TRL: conversational SFT JSONL and GRPO JSONL with a ground_truth column', async () => {
    const engine = getEngine('trl', 'sft');
    const sft = await engine.writeDataset({ train }, path.join(directory, 'trl-sft'), { stage: 'sft' });
    const [row] = (await readJson(sft.files[0]!)) as any[];
    expect(row.messages[0]).toEqual({
      role: 'user',
      content: [{ type: 'image' }, { type: 'text', text: train[0]!.promptText }],
    });
    expect(row.messages[1].content[0].text).toBe(train[0]!.sample.description);
    expect(row.images).toEqual([train[0]!.sample.image]);

    const grpo = await getEngine('trl', 'grpo').writeDataset({ train }, path.join(directory, 'trl-grpo'), {
      stage: 'grpo',
    });
    const rows = (await readJson(grpo.files[0]!)) as any[];
    expect(rows[1]).toMatchObject({
      image: train[1]!.sample.image,
    });
    expect(JSON.parse(rows[1].ground_truth)).toEqual({ labels: ['happiness'], AUs: ['AU6', 'AU12'] });
    expect(rows[1].prompt[0].content[0]).toEqual({ type: 'image' });
  });

  it('OpenRLHF: prompt messages and the sample as a JSON label', async () => {
    const prepared = await getEngine('openrlhf', 'grpo').writeDataset(
      { train },
      path.join(directory, 'openrlhf'),
      { stage: 'grpo' },
    );
    const rows = (await readJson(prepared.files[0]!)) as any[];
    expect(rows[1].prompt[0].role).toBe('user');
    expect(JSON.parse(rows[1].label)).toEqual({ labels: ['happiness'], AUs: ['AU6', 'AU12'] });
  });

  it('EasyR1: problem/answer/images rows', async () => {
    const prepared = await getEngine('easyr1', 'grpo').writeDataset(
      { train },
      path.join(directory, 'easyr1'),
      { stage: 'grpo' },
    );
    const rows = (await readJson(prepared.files[0]!)) as any[];
    expect(rows[0].problem.startsWith('<image>')).toBe(true);
    expect(JSON.parse(rows[0].answer)).toEqual({ labels: [], AUs: ['AU1', 'AU2'] });
    expect(rows[0].images).toEqual([train[0]!.sample.image]);
  });

  it('LLaMA-Factory: ShareGPT JSON plus a dataset_info.json that registers it', async () => {
    const prepared = await getEngine('llamafactory', 'sft').writeDataset(
      { train },
      path.join(directory, 'lf'),
      { stage: 'sft' },
    );
    const data = prepared.files.find((file) => file.endsWith('facial_r1_train.json'))!;
    const info = (await readJson(prepared.files.find((file) => file.endsWith('dataset_info.json'))!)) as any;
    expect(info.facial_r1_train).toMatchObject({ file_name: 'facial_r1_train.json', formatting: 'sharegpt' });
    const rows = (await readJson(data)) as any[];
    expect(rows[0].messages.map((message: any) => message.role)).toEqual(['user', 'assistant']);
    expect(rows[0].messages[0].content.startsWith('<image>')).toBe(true);
    expect(rows[0].images).toEqual([train[0]!.sample.image]);
  });

  it('SFT refuses samples without a description, naming the sample', async () => {
    const [bare] = toTrainingExamples([{ ...train[0]!.sample, description: undefined }]);
    await expect(
      getEngine('llamafactory', 'sft').writeDataset({ train: [bare!] }, path.join(directory, 'bare'), {
        stage: 'sft',
      }),
    ).rejects.toThrow(/sample "s0" \(disfa\) has no "description"/);
  });

  it('builds command lines with the plan hyperparameters', () => {
    const context = {
      plan,
      stage: 'grpo' as const,
      stageDirectory: '/runs/stage2/grpo',
      dataset: { files: ['/runs/stage2/grpo-data/train.parquet'], rows: { train: 4 } },
      rewardBridge: '/runs/stage2/grpo-data/verl_reward.py',
      rewardUrl: 'http://127.0.0.1:8765',
      modelPath: '/ckpt/sft',
    };
    const verl = getEngine('verl', 'grpo').command(context);
    expect(verl.args).toEqual(
      expect.arrayContaining([
        'algorithm.adv_estimator=grpo',
        'actor_rollout_ref.rollout.n=8',
        'actor_rollout_ref.actor.kl_loss_coef=0.04',
        'actor_rollout_ref.actor.clip_ratio=0.2',
        'actor_rollout_ref.model.path=/ckpt/sft',
        'custom_reward_function.path=/runs/stage2/grpo-data/verl_reward.py',
        'trainer.n_gpus_per_node=2',
      ]),
    );
    const openrlhf = getEngine('openrlhf', 'grpo').command({
      ...context,
      dataset: { files: ['/d/train.jsonl'], rows: {} },
    });
    expect(openrlhf.args.join(' ')).toContain('--reward.remote_url http://127.0.0.1:8765/openrlhf');
    expect(() => getEngine('verl', 'sft')).toThrow(/does not run stage "sft"; use one of: trl, llamafactory/);
    expect(() => getEngine('deepspeed', 'sft')).toThrow(/unknown engine "deepspeed"/);
    expect(() => getEngine('verll', 'grpo')).toThrow(/unknown engine "verll" \(did you mean "verl"\?\)/);
  });

  it('parses progress from each engine log shape', () => {
    expect(
      getEngine('verl', 'grpo').parseLogLine('step:7 - critic/score/mean:1.25 - actor/pg_loss:-0.01'),
    ).toEqual({
      step: 7,
      reward: 1.25,
      loss: -0.01,
    });
    expect(getEngine('trl', 'grpo').parseLogLine("{'loss': 0.0123, 'reward': 2.5, 'epoch': 0.1}")).toEqual({
      reward: 2.5,
      loss: 0.0123,
    });
    expect(getEngine('llamafactory', 'sft').parseLogLine(' 45%|####      | 9/20 [00:10<00:12]')).toEqual({
      step: 9,
      totalSteps: 20,
    });
    expect(
      getEngine('llamafactory', 'sft').parseLogLine('Saving model checkpoint to /out/checkpoint-20'),
    ).toEqual({
      checkpoint: '/out/checkpoint-20',
    });
    expect(getEngine('verl', 'grpo').parseLogLine('loading model shards')).toBeNull();
  });
});
