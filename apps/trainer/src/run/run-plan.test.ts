import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFixtureDataset } from '@facial-r1/benchmarks/testing';
import { type OpenAICompatibleServer, serveOpenAICompatible } from '@facial-r1/runtime/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InstructionFollowingModel } from '../__fixtures__/instruction-following-model';
import { createPlanModelResolver } from '../models';
import { loadPlan } from '../plan/load-plan';
import { planSteps, runPlan } from './run-plan';
import { StateStore } from './state-store';

const standIn = fileURLToPath(new URL('../__fixtures__/stand-in-engine.mjs', import.meta.url));

describe('fea-train run: a resumable state machine', () => {
  let directory: string;
  let server: OpenAICompatibleServer;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'fea-run-'));
    await writeFixtureDataset('fea20k', path.join(directory, 'fea20k'));
    server = await serveOpenAICompatible(new InstructionFollowingModel());
  });
  afterAll(async () => {
    await server.close();
    await rm(directory, { recursive: true, force: true });
  });

  async function writePlan(name: string, extra = '') {
    const file = path.join(directory, `${name}.yaml`);
    await writeFile(
      file,
      `name: ${name}
baseModel: /models/qwen2.5-vl-7b
workDir: runs/${name}
datasets:
  - benchmark: fea20k
    root: fea20k
    split: train
stage1:
  data: fea20k/train.jsonl
  engine: llamafactory
  launcher: ["${process.execPath}", "${standIn}"]
stage2:
  engine: verl
  rewardPort: 0
  batchSize: 4
  miniBatchSize: 4
  launcher: ["${process.execPath}", "${standIn}"]
stage3:
  rounds: 1
  model: openai:${server.url}#instruction-follower
${extra}`,
    );
    return loadPlan(file);
  }

  const relativeOutputs = async (workDir: string) => {
    const state = (await StateStore.open(workDir)).snapshot;
    return Object.fromEntries(
      Object.entries(state.steps).map(([step, record]) => [
        step,
        Object.fromEntries(
          Object.entries(record.outputs)
            .filter(([file]) => !file.endsWith('launch.json'))
            .map(([file, hash]) => [path.relative(workDir, file), hash]),
        ),
      ]),
    );
  };

  it('runs every stage through the engines, the reward server and a synthesis round', async () => {
    const loaded = await writePlan('full');
    const events: string[] = [];
    const result = await runPlan(loaded, {
      resolveModel: createPlanModelResolver(),
      onEvent: (event) => event.type === 'step-finished' && events.push(event.step),
    });
    expect(result.stopped).toBe(false);
    expect(events).toEqual(planSteps(loaded));
    const state = (await StateStore.open(loaded.workDir)).snapshot;
    // LLaMA-Factory writes its HF folder itself (output_dir). verl's FSDP checkpoints are merged
    // into an HF folder after training (the stand-in plays the merger through the same launcher):
    // that folder, not the shards, is what stage 3 and the next SFT round load.
    expect(state.steps['stage1/train']!.values.checkpoint).toBe(
      path.join(loaded.workDir, 'stage1/sft/checkpoints'),
    );
    const hf = path.join(loaded.workDir, 'stage2/grpo/hf');
    expect(state.steps['stage2/train']!.values).toMatchObject({
      checkpoint: hf,
      checkpoints: [path.join(loaded.workDir, 'stage2/grpo/checkpoints/global_step_3')],
    });
    // 8 rows in batches of 4: the last step is 2, and that is the checkpoint merged.
    expect(JSON.parse(await readFile(path.join(hf, 'config.json'), 'utf8'))).toEqual({
      merged_from: '../checkpoints/global_step_2/actor',
    });
    expect(Object.keys(state.steps['stage2/train']!.outputs)).toContain(path.join(hf, 'config.json'));
    expect(state.steps['stage3/round-1/sft-train']!.inputsHash).toBeDefined();
    expect(state.steps['stage3/round-1/grpo-train']!.values.checkpoint).toBe(
      path.join(loaded.workDir, 'stage3/round-1/grpo/hf'),
    );
    const synthesized = (
      await readFile(path.join(loaded.workDir, 'stage3/round-1/synthesized.jsonl'), 'utf8')
    )
      .trim()
      .split('\n');
    // 8 samples, two of each AU prototype: identical reasoning is de-duplicated to 4.
    expect(synthesized).toHaveLength(4);
    const launch = JSON.parse(await readFile(path.join(loaded.workDir, 'stage2/grpo/launch.json'), 'utf8'));
    expect(launch).toMatchObject({ exitCode: 0, lastProgress: { step: 3, reward: 0.3 } });
    expect(launch.command).toContain('verl.trainer.main_ppo');
    const log = await readFile(path.join(loaded.workDir, 'stage2/grpo/engine.log'), 'utf8');
    expect(log).toMatch(/reward url: http:\/\/127\.0\.0\.1:\d+/);
    expect(log).toContain("# merge the final FSDP checkpoint into an HF folder (verl's model merger)");
    expect(log).toContain(`stand-in merger: wrote ${hf}`);

    // A rerun does nothing.
    const again = await runPlan(loaded, { resolveModel: createPlanModelResolver() });
    expect(again.steps.every((step) => step.skipped)).toBe(true);
  });

  it('a dry run records no training and stops before what needs a trained model; a real run after it trains', async () => {
    const loaded = await writePlan('dry');
    const events: string[] = [];
    const dry = await runPlan(loaded, {
      resolveModel: createPlanModelResolver(),
      dryRun: true,
      onEvent: (event) => event.type === 'step-dry' && events.push(`${event.step}: ${event.reason}`),
    });
    expect(dry.dryRuns.map((item) => item.step)).toEqual(['stage1/train', 'stage2/train']);
    expect(events[0]).toBe('stage1/train: dry run: the engine was not started');
    expect(events).toContain(
      'stage3/round-1/synthesize: needs what stage1/train trains, and a dry run starts no engine',
    );
    const grpo = dry.dryRuns[1]!;
    expect(grpo.env.FEA_REWARD_URL).toBe('http://127.0.0.1:8765');
    expect(grpo.rewardServer).toMatchObject({ host: '127.0.0.1', loopback: true, preset: 'facial-r1' });
    expect(grpo.files.map((file) => path.basename(file))).toEqual(['facial_r1_reward.json']);
    // The HF export goes through the plan's launcher, like the engine; one node starts no Ray.
    expect(grpo.steps.map((item) => item.when)).toEqual(['after']);
    expect(grpo.steps[0]!.command.slice(0, 5)).toEqual([
      process.execPath,
      standIn,
      'python3',
      '-m',
      'verl.model_merger',
    ]);
    expect(grpo.exportDirectory).toBe(path.join(loaded.workDir, 'stage2/grpo/hf'));
    expect(dry.dryRuns[0]!.steps).toEqual([]);
    const state = (await StateStore.open(loaded.workDir)).snapshot;
    const dataSteps = [
      'collect',
      'stage1/teacher',
      'stage1/prepare',
      'stage2/prepare',
      'stage3/round-1/grpo-prepare',
    ];
    expect(Object.keys(state.steps)).toEqual(dataSteps);

    const real = await runPlan(loaded, { resolveModel: createPlanModelResolver() });
    expect(real.steps.filter((step) => !step.skipped).map((step) => step.step)).toEqual(
      planSteps(loaded).filter((step) => !dataSteps.includes(step)),
    );
    expect(real.dryRuns).toEqual([]);
  });

  it('planSteps names exactly the steps runPlan visits, in order (two stage-3 rounds, dry run)', async () => {
    const loaded = await writePlan('two-rounds');
    const twoRounds = { ...loaded, plan: { ...loaded.plan, stage3: { ...loaded.plan.stage3, rounds: 2 } } };
    const steps = planSteps(twoRounds);
    expect(steps).toHaveLength(6 + 2 * 5);
    expect(steps.slice(-5)).toEqual([
      'stage3/round-2/synthesize',
      'stage3/round-2/sft-prepare',
      'stage3/round-2/sft-train',
      'stage3/round-2/grpo-prepare',
      'stage3/round-2/grpo-train',
    ]);
    const dry = await runPlan(twoRounds, { resolveModel: createPlanModelResolver(), dryRun: true });
    expect(dry.steps.map((item) => item.step)).toEqual(steps);
  });

  it('a state file whose recorded values have the wrong shape is an error naming the step', async () => {
    const loaded = await writePlan('old-state');
    await runPlan(loaded, { resolveModel: createPlanModelResolver(), stopAfter: 'stage2/prepare' });
    const file = path.join(loaded.workDir, 'state.json');
    const state = JSON.parse(await readFile(file, 'utf8'));
    state.steps['stage1/train'].values = { checkpoints: 3 };
    await writeFile(file, JSON.stringify(state));
    await expect(runPlan(loaded, { resolveModel: createPlanModelResolver() })).rejects.toThrow(
      /state\.json: step "stage1\/train" has recorded values this version cannot read \(values\.checkpoint: .*\)/,
    );
  });

  it('a dry run writes every file the printed command names (TRL config and launcher)', async () => {
    const loaded = await writePlan('dry-trl');
    const trl = {
      ...loaded,
      plan: { ...loaded.plan, stage1: { ...loaded.plan.stage1, engine: 'trl' as const } },
    };
    const { dryRuns } = await runPlan(trl, {
      resolveModel: createPlanModelResolver(),
      dryRun: true,
      only: ['collect', 'stage1/teacher', 'stage1/prepare', 'stage1/train'],
    });
    const [dry] = dryRuns;
    expect(dry!.files.map((file) => path.basename(file)).sort()).toEqual([
      'ds_z3_config.json',
      'trl-sft.json',
      'trl_launcher.py',
    ]);
    // Each file is named by the command, or by a file the command names (the DeepSpeed json by the config).
    const texts = await Promise.all(dry!.files.map((file) => readFile(file, 'utf8')));
    for (const file of dry!.files)
      expect(dry!.command.includes(file) || texts.some((text) => text.includes(file)), file).toBe(true);
    const config = JSON.parse(
      await readFile(dry!.files.find((file) => file.endsWith('trl-sft.json'))!, 'utf8'),
    );
    await readFile(config.train_file);
    expect(dry!.env).toEqual({});
  });

  it('multi-node: the reward server listens on every interface with a token the bridges find', async () => {
    const loaded = await writePlan(
      'nodes',
      'hardware:\n  gpus: 1\n  nodes: 2\n  masterAddress: node0.cluster.test\n',
    );
    const patched = {
      ...loaded,
      plan: { ...loaded.plan, stage2: { ...loaded.plan.stage2, engine: 'verl' as const } },
    };
    await runPlan(patched, { resolveModel: createPlanModelResolver(), stopAfter: 'stage2/train' });
    const settings = JSON.parse(
      await readFile(path.join(loaded.workDir, 'stage2/grpo-data/facial_r1_reward.json'), 'utf8'),
    );
    expect(settings.url).toMatch(new RegExp(`^http://${os.hostname()}:\\d+$`));
    expect(settings.token).toMatch(/^[0-9a-f]{48}$/);
    const log = await readFile(path.join(loaded.workDir, 'stage2/grpo/engine.log'), 'utf8');
    expect(log).toContain(`reward url: ${settings.url}`);
  });

  it('names the plan line of a value that turns out bad', async () => {
    const loaded = await writePlan('badline');
    const broken = {
      ...loaded,
      plan: { ...loaded.plan, stage1: { ...loaded.plan.stage1, data: 'missing.jsonl' } },
    };
    await expect(runPlan(broken, { resolveModel: createPlanModelResolver() })).rejects.toThrow(
      /badline\.yaml:9: field "stage1\.data": cannot read .*missing\.jsonl/,
    );
    const missingRoot = {
      ...loaded,
      plan: { ...loaded.plan, datasets: [{ benchmark: 'fea20k', root: 'nowhere', split: 'train' }] },
    };
    await expect(runPlan(missingRoot, { resolveModel: createPlanModelResolver() })).rejects.toThrow(
      /badline\.yaml:6: field "datasets\.0\.root":/,
    );
    const teacher = {
      ...loaded,
      plan: { ...loaded.plan, stage1: { ...loaded.plan.stage1, data: undefined, teacher: 'nosuch:model' } },
    };
    await expect(runPlan(teacher, { resolveModel: createPlanModelResolver() })).rejects.toThrow(
      /badline\.yaml:8: field "stage1\.teacher":/,
    );
  });

  it('interrupted after each step and resumed, it reaches the same final state', async () => {
    const reference = await writePlan('reference');
    await runPlan(reference, { resolveModel: createPlanModelResolver() });
    const loaded = await writePlan('interrupted');
    const steps = planSteps(loaded);
    for (const [index, step] of steps.entries()) {
      const result = await runPlan(loaded, { resolveModel: createPlanModelResolver(), stopAfter: step });
      expect(result.stopped).toBe(true);
      expect(result.steps.filter((item) => !item.skipped).map((item) => item.step)).toEqual([step]);
      expect(result.steps.filter((item) => item.skipped)).toHaveLength(index);
    }
    const final = await runPlan(loaded, { resolveModel: createPlanModelResolver() });
    expect(final.steps.every((step) => step.skipped)).toBe(true);
    expect(await relativeOutputs(loaded.workDir)).toEqual(await relativeOutputs(reference.workDir));
  });

  it('redoes a changed section and what depends on it, and reports engine failures', async () => {
    const loaded = await writePlan('changed');
    await runPlan(loaded, { resolveModel: createPlanModelResolver() });
    const changed = await writePlan('changed', '');
    const patched = { ...changed, plan: { ...changed.plan, stage2: { ...changed.plan.stage2, clip: 0.3 } } };
    const result = await runPlan(patched, { resolveModel: createPlanModelResolver() });
    expect(result.steps.filter((step) => !step.skipped).map((step) => step.step)).toEqual([
      'stage2/train',
      'stage3/round-1/synthesize',
      'stage3/round-1/sft-train',
      'stage3/round-1/grpo-train',
    ]);

    const failing = await writePlan('failing');
    process.env.STAND_IN_EXIT = '2';
    try {
      await expect(runPlan(failing, { resolveModel: createPlanModelResolver() })).rejects.toThrow(
        /llamafactory exited with 2; see .*engine\.log\. Rerun to resume from this step\./,
      );
    } finally {
      delete process.env.STAND_IN_EXIT;
    }
    const state = (await StateStore.open(failing.workDir)).snapshot;
    expect(Object.keys(state.steps)).toEqual(['collect', 'stage1/teacher', 'stage1/prepare']);
  });

  it('a failed HF export fails the training step: never recorded as done, and a rerun retries it', async () => {
    const loaded = await writePlan('export-fails');
    process.env.STAND_IN_MERGE_EXIT = '4';
    try {
      await expect(runPlan(loaded, { resolveModel: createPlanModelResolver() })).rejects.toThrow(
        /merge the final FSDP checkpoint into an HF folder \(verl's model merger\) exited with 4; see .*engine\.log\. Rerun to retry\./,
      );
    } finally {
      delete process.env.STAND_IN_MERGE_EXIT;
    }
    const state = (await StateStore.open(loaded.workDir)).snapshot;
    expect(state.steps['stage1/train']).toBeDefined();
    expect(state.steps['stage2/train']).toBeUndefined();
    const rerun = await runPlan(loaded, {
      resolveModel: createPlanModelResolver(),
      stopAfter: 'stage2/train',
    });
    expect(rerun.steps.filter((item) => !item.skipped).map((item) => item.step)).toEqual(['stage2/train']);
    await readFile(path.join(loaded.workDir, 'stage2/grpo/hf/config.json'));
  });

  it('prepare refuses a set smaller than one batch (verl, EasyR1 drop partial batches), naming the plan line', async () => {
    const loaded = await writePlan('too-few');
    const big = {
      ...loaded,
      plan: { ...loaded.plan, stage2: { ...loaded.plan.stage2, batchSize: 16, miniBatchSize: 16 } },
    };
    await expect(
      runPlan(big, { resolveModel: createPlanModelResolver(), only: ['collect', 'stage2/prepare'] }),
    ).rejects.toThrow(
      /too-few\.yaml:\d+: field "stage2\.batchSize": stage2\/prepare: 8 training rows are fewer than one batch of 16: verl would train no step .*at most 8/,
    );
    const easyr1 = {
      ...big,
      plan: { ...big.plan, stage2: { ...big.plan.stage2, engine: 'easyr1' as const } },
    };
    await expect(
      runPlan(easyr1, { resolveModel: createPlanModelResolver(), only: ['collect', 'stage2/prepare'] }),
    ).rejects.toThrow(
      /field "stage2\.batchSize": .*8 training rows are fewer than one rollout batch of 16: EasyR1/,
    );
    const state = (await StateStore.open(loaded.workDir)).snapshot;
    expect(Object.keys(state.steps)).toEqual(['collect']);
  });
});
