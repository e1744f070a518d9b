import { execFileSync, spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { writeFixtureDataset } from '@facial-r1/benchmarks/testing';
import type { FeaSample } from '@facial-r1/dataset';
import {
  createRewardServer,
  extractResponse,
  type RewardServer,
  resolvePreset,
  scoreWithPreset,
} from '@facial-r1/rewards';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlanModelResolver } from '../models';
import { parsePlan } from '../plan/load-plan';
import { writeRewardSettings } from '../run/reward-endpoint';
import { runPlan } from '../run/run-plan';
import { runAfterSteps } from './engine-steps';
import { ENGINES } from './index';

// The artefact users receive is the prepared folder, loaded by an engine somewhere else. Here
// it is prepared, copied to another folder (a space and non-ASCII letters in every path), the
// original deleted, and then loaded by stand-ins that do what each engine does
// (src/__fixtures__/engine-stand-ins), against a live reward server on 127.0.0.1.

const hasPython = (() => {
  try {
    execFileSync('python3', ['--version']);
    return true;
  } catch {
    console.warn('python3 not found: the engine loading tests are skipped');
    return false;
  }
})();

const standIn = (name: string) =>
  fileURLToPath(new URL(`../__fixtures__/engine-stand-ins/${name}_stand_in.py`, import.meta.url));

interface ImageCheck {
  readonly ref: string;
  readonly path: string | null;
  readonly exists: boolean;
}

/** Runs a stand-in with `job` on stdin in `cwd`, without FEA_REWARD_* in its environment. */
function runStandIn<T>(name: string, job: unknown, cwd: string): Promise<T> {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('FEA_REWARD')),
  );
  return new Promise((resolve, reject) => {
    const child = spawn('python3', [standIn(name)], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve(JSON.parse(stdout) as T);
      else reject(new Error(`${name} stand-in exited with ${code}:\n${stderr}`));
    });
    child.stdin.end(JSON.stringify(job));
  });
}

/** Four completions per sample: right, wrong, unformatted, and formatted with stray whitespace. */
function completionsFor(sample: FeaSample): string[] {
  const aus = sample.AUs.map((au) => `a movement (${au})`).join(', ');
  return [
    `<think>I see ${aus || 'a still face'}.</think><answer>${sample.labels[0] ?? 'neutral'}</answer>`,
    '<think>Brows lowered (AU4) and lips pressed (AU24).</think><answer>anger</answer>',
    sample.labels[0] ?? 'neutral',
    ' <think>Lip corners pulled (AU12).</think>\n<answer>happiness</answer>\n',
  ];
}

const preset = resolvePreset('facial-r1');
const expectedScore = (completion: string, sample: FeaSample) =>
  scoreWithPreset({ completion, sample }, preset).total;

const expectAllResolve = (images: readonly ImageCheck[], count: number) => {
  expect(images).toHaveLength(count);
  for (const image of images) {
    expect(image, `image ${image.ref}`).toMatchObject({ exists: true });
    // qwen-vl-utils strips file:// without decoding: a percent-encoded path is a missing file.
    expect(image.ref).not.toMatch(/%[0-9A-Fa-f]{2}/);
  }
};

describe.skipIf(!hasPython)(
  'prepared folders load in each engine (stand-ins, copied folder, live server)',
  () => {
    let root: string;
    let server: RewardServer;
    let url: string;
    const token = 'loading-test-token';
    const samplesById = new Map<string, FeaSample>();

    beforeAll(async () => {
      root = await mkdtemp(path.join(os.tmpdir(), 'fea-load-'));
      await writeFixtureDataset('fea20k', path.join(root, 'données faces', 'set 1'), { perClass: 1 });
      server = createRewardServer({ preset: 'facial-r1', token });
      ({ url } = await server.listen());
    });
    afterAll(async () => {
      await server?.close();
      await rm(root, { recursive: true, force: true });
    });

    /** Prepares `stage` with `engine`, copies the folder elsewhere, deletes the original. */
    async function prepareAndCopy(
      engine: string,
      stage: 'sft' | 'grpo',
      options: { readonly name?: string; readonly stage2?: string } = {},
    ): Promise<string> {
      const name = options.name ?? `${engine}-${stage}`;
      const planText = `name: load-${name}
baseModel: /models/qwen2.5-vl
workDir: runs/${name}
datasets:
  - benchmark: fea20k
    root: données faces/set 1
    split: train
stage1:
  data: données faces/set 1/train.jsonl
  engine: ${stage === 'sft' ? engine : 'llamafactory'}
stage2:
  engine: ${stage === 'grpo' ? engine : 'verl'}
  # 4 rows: verl and EasyR1 refuse a set smaller than one batch at prepare.
  batchSize: 4
  miniBatchSize: 4
${options.stage2 ?? ''}`;
      const loaded = parsePlan(planText, path.join(root, 'plan.yaml'));
      const last = stage === 'sft' ? 'stage1/prepare' : 'stage2/prepare';
      await runPlan(loaded, {
        resolveModel: createPlanModelResolver(),
        only: stage === 'sft' ? ['collect', 'stage1/teacher', 'stage1/prepare'] : ['collect', last],
        stopAfter: last,
      });
      const samples = (await readFile(path.join(loaded.workDir, 'data', 'samples.jsonl'), 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as FeaSample);
      for (const sample of samples) samplesById.set(sample.id, sample);
      const prepared = path.join(loaded.workDir, stage === 'sft' ? 'stage1' : 'stage2', `${stage}-data`);
      const copy = path.join(root, 'copié ailleurs', name.replace('-', ' '));
      await cp(prepared, copy, { recursive: true });
      await rm(prepared, { recursive: true, force: true });
      return copy;
    }

    const readJsonl = async (file: string) =>
      (await readFile(file, 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, any>);

    it('verl: bridge by path + name, keyword calls of the naive and batch managers, qwen-vl-utils images', async () => {
      const folder = await prepareAndCopy('verl', 'grpo');
      await writeRewardSettings(folder, { url, token });
      const instance = await DuckDBInstance.create(':memory:');
      const connection = await instance.connect();
      const parquet = path.join(folder, 'train.parquet').replaceAll("'", "''");
      const rows = (
        await connection.runAndReadAll(`select * from '${parquet}'`)
      ).getRowObjectsJson() as Record<string, any>[];
      connection.closeSync();
      const samples = rows.map((row) => samplesById.get(row.extra_info.id)!);
      const completions = samples.map(completionsFor);
      const result = await runStandIn<{
        naive: number[][];
        batch: number[];
        extra_lengths: Record<string, number>;
        images: ImageCheck[];
      }>('verl', { bridge: path.join(folder, 'verl_reward.py'), rows, completions }, folder);
      const expected = completions.map((texts, index) =>
        texts.map((text) => expectedScore(text, samples[index]!)),
      );
      expect(result.naive).toEqual(expected);
      expect(result.batch).toEqual(expected.flat());
      expect(new Set(Object.values(result.extra_lengths))).toEqual(new Set([expected.flat().length]));
      expect(Object.keys(result.extra_lengths)).toContain('score');
      expectAllResolve(result.images, rows.length);
    });

    it('verl with stage2.embedImages: the images travel inside the parquet, the dataset folder gone', async () => {
      const folder = await prepareAndCopy('verl', 'grpo', {
        name: 'verl-embedded',
        stage2: '  embedImages: true\n',
      });
      await writeRewardSettings(folder, { url, token });
      const instance = await DuckDBInstance.create(':memory:');
      const connection = await instance.connect();
      const parquet = path.join(folder, 'train.parquet').replaceAll("'", "''");
      // The stand-in gets the bytes base64-encoded (JSON has no bytes); verl gets them raw.
      const rows = (
        await connection.runAndReadAll(
          `select * replace (list_transform(images, x -> {'bytes': to_base64(x.bytes)}) as images) from '${parquet}'`,
        )
      ).getRowObjectsJson() as Record<string, any>[];
      connection.closeSync();
      const samples = rows.map((row) => samplesById.get(row.extra_info.id)!);
      for (const [index, row] of rows.entries())
        expect(Buffer.from(row.images[0].bytes, 'base64').equals(await readFile(samples[index]!.image))).toBe(
          true,
        );
      const dataset = path.join(root, 'données faces');
      await rename(dataset, `${dataset} (unreachable)`);
      try {
        const completions = samples.map(completionsFor);
        const result = await runStandIn<{ naive: number[][]; images: (ImageCheck & { format: string })[] }>(
          'verl',
          { bridge: path.join(folder, 'verl_reward.py'), rows, completions },
          folder,
        );
        expect(result.naive).toEqual(
          completions.map((texts, index) => texts.map((text) => expectedScore(text, samples[index]!))),
        );
        expect(result.images).toHaveLength(rows.length);
        for (const image of result.images) expect(image).toMatchObject({ exists: true, path: null });
        expect(new Set(result.images.map((image) => image.format)).size).toBe(1);
      } finally {
        await rename(`${dataset} (unreachable)`, dataset);
      }
    });

    it("TRL: GRPOTrainer's reward call (message completions, completion_ids, columns, trainer_state)", async () => {
      const folder = await prepareAndCopy('trl', 'grpo');
      await writeRewardSettings(folder, { url, token });
      const rows = await readJsonl(path.join(folder, 'train.jsonl'));
      const samples = rows.map((row) => samplesById.get(row.id)!);
      const completions = samples.map(completionsFor);
      const result = await runStandIn<{
        rewards: number[];
        metrics: Record<string, number>;
        images: ImageCheck[];
        placeholders: number[];
        columns: string[];
      }>(
        'trl',
        {
          stage: 'grpo',
          bridge: path.join(folder, 'trl_reward.py'),
          function: 'facial_r1_reward',
          data: path.join(folder, 'train.jsonl'),
          completions,
        },
        folder,
      );
      const expected = completions.flatMap((texts, index) =>
        texts.map((text) => expectedScore(text, samples[index]!)),
      );
      expect(result.rewards).toEqual(expected);
      expect(result.columns).toEqual(expect.arrayContaining(['ground_truth', 'image', 'id']));
      expect(Object.keys(result.metrics)).toEqual(
        expect.arrayContaining(['facial_r1/au', 'facial_r1/format']),
      );
      expect(result.placeholders.every((count) => count === 1)).toBe(true);
      expectAllResolve(result.images, rows.length);
    });

    it('EasyR1: file.py:fn, REWARD_TYPE batch, {response, response_length, ground_truth} dicts -> overall', async () => {
      const folder = await prepareAndCopy('easyr1', 'grpo');
      await writeRewardSettings(folder, { url, token });
      const rows = await readJsonl(path.join(folder, 'train.jsonl'));
      const samples = rows.map((row) => samplesById.get(row.id)!);
      const completions = samples.map(completionsFor);
      const result = await runStandIn<{
        reward_type: string;
        overall: number[];
        metric_lengths: Record<string, number>;
        images: ImageCheck[];
      }>(
        'easyr1',
        {
          reward_function: `${path.join(folder, 'easyr1_reward.py')}:compute_score`,
          answer_key: 'answer',
          image_key: 'images',
          rows,
          completions,
        },
        folder,
      );
      expect(result.reward_type).toBe('batch');
      const expected = completions.flatMap((texts, index) =>
        texts.map((text) => expectedScore(text, samples[index]!)),
      );
      expect(result.overall).toEqual(expected);
      expect(new Set(Object.values(result.metric_lengths))).toEqual(new Set([expected.length]));
      expectAllResolve(result.images, rows.length);
    });

    it('OpenRLHF: remote RM POSTs, batched (0.8.x) and per sample (agent executor), with the token in the URL', async () => {
      const folder = await prepareAndCopy('openrlhf', 'grpo');
      const rows = await readJsonl(path.join(folder, 'train.jsonl'));
      const samples = rows.map((row) => samplesById.get(row.id)!);
      const completions = samples.map(completionsFor);
      const result = await runStandIn<{
        batched: number[];
        single: number[];
        problems: string[];
        images: ImageCheck[];
      }>(
        'openrlhf',
        {
          url: `${url}/openrlhf?token=${token}`,
          input_key: 'prompt',
          label_key: 'label',
          rows,
          completions,
        },
        folder,
      );
      expect(result.problems).toEqual([]);
      // The server reads the response out of OpenRLHF's query (prompt + response, special tokens).
      const expected = completions.flatMap((texts, index) =>
        texts.map((text) => expectedScore(extractResponse(`${text}<|im_end|>`), samples[index]!)),
      );
      expect(result.batched).toEqual(expected);
      expect(result.single).toEqual(expected);
      expectAllResolve(result.images, rows.length);
    });

    it('a bridge without its client beside it fails at import, naming the missing file', async () => {
      const folder = path.join(root, 'copié ailleurs', 'verl grpo');
      const lonely = path.join(root, 'seul é');
      await cp(path.join(folder, 'verl_reward.py'), path.join(lonely, 'verl_reward.py'));
      await expect(
        runStandIn(
          'verl',
          { bridge: path.join(lonely, 'verl_reward.py'), rows: [], completions: [] },
          lonely,
        ),
      ).rejects.toThrow(/_facial_r1_client\.py is missing: copy it beside/);
    });

    it('SFT: LLaMA-Factory finds every image through media_dir (= dataset_dir), one per <image>', async () => {
      const folder = await prepareAndCopy('llamafactory', 'sft');
      const result = await runStandIn<{ images: ImageCheck[]; mismatched: number[]; rows: number }>(
        'llamafactory',
        { dataset_dir: path.join(folder, 'train'), dataset: 'facial_r1_train' },
        os.tmpdir(),
      );
      expect(result.rows).toBeGreaterThan(0);
      expect(result.mismatched).toEqual([]);
      expectAllResolve(result.images, result.rows);
    });

    it('SFT: TRL finds every image from its working directory, one per image part', async () => {
      const folder = await prepareAndCopy('trl', 'sft');
      const result = await runStandIn<{ images: ImageCheck[]; mismatched: number[] }>(
        'trl',
        { stage: 'sft', data: path.join(folder, 'train.jsonl') },
        folder,
      );
      expect(result.mismatched).toEqual([]);
      expectAllResolve(result.images, (await readJsonl(path.join(folder, 'train.jsonl'))).length);
    });
  },
);

describe.skipIf(!hasPython)("EasyR1's HF export runs from any folder", () => {
  /** An EasyR1 checkout stand-in: its `verl` package and `scripts/model_merger.py` beside it. */
  async function checkout(root: string, withMerger: boolean) {
    await mkdir(path.join(root, 'verl'), { recursive: true });
    await writeFile(path.join(root, 'verl', '__init__.py'), '');
    if (!withMerger) return;
    await mkdir(path.join(root, 'scripts'), { recursive: true });
    // Parses its flags as EasyR1's merger does and writes `<local_dir>/huggingface`.
    await writeFile(
      path.join(root, 'scripts', 'model_merger.py'),
      [
        'import argparse, json, os',
        'if __name__ == "__main__":',
        '    parser = argparse.ArgumentParser()',
        '    parser.add_argument("--local_dir", required=True, type=str)',
        '    parser.add_argument("--hf_upload_path", default=False, type=str)',
        '    args = parser.parse_args()',
        '    hf = os.path.join(os.path.abspath(args.local_dir), "huggingface")',
        '    os.makedirs(hf, exist_ok=True)',
        '    json.dump({"architectures": ["Qwen2_5_VLForConditionalGeneration"]}, open(os.path.join(hf, "config.json"), "w"))',
        '',
      ].join('\n'),
    );
  }

  it('finds scripts/model_merger.py beside an editable install, and says so when it is missing', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'fea-easyr1 é-'));
    try {
      const plan = parsePlan(
        'name: e\nbaseModel: /m\ndatasets:\n  - { benchmark: fea20k, root: data, split: train }\nstage2:\n  engine: easyr1\n  batchSize: 8\n  miniBatchSize: 8\n',
        path.join(root, 'plan.yaml'),
      ).plan;
      const stageDirectory = path.join(root, 'runs', 'stage 2', 'grpo');
      const command = ENGINES.easyr1.command({
        plan,
        stage: 'grpo',
        stageDirectory,
        dataset: { files: [path.join(root, 'train.jsonl')], rows: { train: 8 } },
        modelPath: '/m',
      });
      const actor = path.join(stageDirectory, 'checkpoints', 'global_step_1', 'actor');
      await mkdir(actor, { recursive: true });
      await checkout(path.join(root, 'EasyR1'), true);
      const logFile = path.join(root, 'engine.log');
      // The step runs in the stage folder, far from the checkout; PYTHONPATH plays `pip install -e`.
      await runAfterSteps(command, {
        directory: stageDirectory,
        logFile,
        env: { PYTHONPATH: path.join(root, 'EasyR1') },
      });
      expect(command.exportDirectory).toBe(path.join(actor, 'huggingface'));
      await readFile(path.join(command.exportDirectory!, 'config.json'));

      await checkout(path.join(root, 'installed'), false);
      await expect(
        runAfterSteps(command, {
          directory: stageDirectory,
          logFile,
          env: { PYTHONPATH: path.join(root, 'installed') },
        }),
      ).rejects.toThrow(/EasyR1's model merger\) exited with 1/);
      expect(await readFile(logFile, 'utf8')).toMatch(
        /EasyR1 model merger not found at .*installed.*scripts.*model_merger\.py: install EasyR1 from its checkout \(pip install -e\)/,
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
