import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FeaSample } from '@facial-r1/dataset';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlanError } from '../errors';
import { parsePlan } from '../plan/load-plan';
import type { EngineId } from '../plan/plan-schema';
import type { EngineCommand, Stage } from './engine';
import { EASYR1_MERGER } from './easyr1-engine';
import { checkEngineContract } from './engine-constraints';
import { engineStepLines, runAfterSteps } from './engine-steps';
import { effectiveValue } from './engine-contract';
import {
  DEFAULT_ENGINE_VERSIONS,
  ENGINE_SCHEMAS,
  type EngineSchema,
  resolveEngineSchema,
} from './engine-versions';
import { ENGINES, type TrainingExample, toTrainingExamples } from './index';

// Every engine x version row of the extracted contract data (src/engines/schemas/*.json) is
// checked with what fea-train emits for a representative plan: SFT and GRPO on face images,
// on one node and on two.

const HARDWARE = {
  'one node': 'hardware: { gpus: 8, nodes: 1 }',
  'two nodes': 'hardware: { gpus: 8, nodes: 2, masterAddress: 10.0.0.1, nodeRank: 1 }',
} as const;

function planFor(engine: EngineId, version: string, stage: Stage, hardware: string, extra = '') {
  const engineLine =
    stage === 'sft' ? `stage1: { engine: ${engine} }` : `stage2: { engine: ${engine}${extra} }`;
  return parsePlan(
    `name: contract\nbaseModel: /models/Qwen2.5-VL-7B-Instruct\nworkDir: runs/contract\n` +
      `datasets:\n  - jsonl: data.jsonl\n${engineLine}\n${hardware}\nengines: { ${engine}: "${version}" }\n`,
    '/plans/plan.yaml',
  ).plan;
}

describe('engine contracts', () => {
  let directory: string;
  let train: TrainingExample[];
  let test: TrainingExample[];

  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'fea-contracts-'));
    const samples: FeaSample[] = [];
    for (let index = 0; index < 6; index += 1) {
      const image = path.join(directory, `face ${index} é.jpg`);
      await writeFile(image, Buffer.from([0xff, 0xd8, 0xff, index, 0xff, 0xd9]));
      samples.push({
        id: `s${index}`,
        dataset: 'rafdb',
        image,
        AUs: ['AU6', 'AU12'],
        labels: ['happiness'],
        description:
          '<think>Cheeks raised (AU6) and lip corners pulled (AU12).</think><answer>happiness</answer>',
      });
    }
    const examples = toTrainingExamples(samples);
    train = examples.slice(0, 5);
    test = examples.slice(5);
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  async function emit(schema: EngineSchema, stage: Stage, hardware: string, extra = '') {
    const engine = ENGINES[schema.engine];
    const plan = planFor(schema.engine, schema.version, stage, hardware, extra);
    const stageDirectory = await mkdtemp(path.join(directory, `${schema.engine}-${stage}-`));
    const dataset = await engine.writeDataset({ train, test }, path.join(stageDirectory, 'data'), { stage });
    const command = engine.command({
      plan,
      stage,
      stageDirectory,
      dataset,
      rewardBridge: stage === 'grpo' ? path.join(stageDirectory, `${schema.engine}_reward.py`) : undefined,
      rewardUrl: 'http://10.0.0.1:8765',
      modelPath: '/models/Qwen2.5-VL-7B-Instruct',
    });
    return { plan, command, stageDirectory, ...checkEngineContract(schema.engine, stage, command, schema) };
  }

  for (const schema of ENGINE_SCHEMAS) {
    describe(`${schema.engine} ${schema.version} (${schema.ref ?? 'HEAD'} ${schema.commit.slice(0, 12)})`, () => {
      for (const stage of ENGINES[schema.engine].stages) {
        for (const [label, hardware] of Object.entries(HARDWARE)) {
          it(`${stage} with images, ${label}: every key exists there and passes the engine's checks`, async () => {
            const { command, emitted, violations } = await emit(schema, stage, hardware);
            expect(violations).toEqual([]);
            expect(command.engineVersion).toBe(schema.version);
            expect(Object.keys(emitted.values).length).toBeGreaterThan(10);
            const value = (key: string) => effectiveValue(schema, emitted, key);
            // The image column is wired into each engine.
            const images: Record<EngineId, () => void> = {
              verl: () => expect(value('data.image_key')).toBe('images'),
              easyr1: () => expect(value('data.image_key')).toBe('images'),
              openrlhf: () => {
                expect(value('--data.image_key')).toBe('images');
                expect(value('--data.max_images_per_prompt')).toBe(1);
              },
              // The TRL launcher casts the dataset's image column; SFT rows carry `images`.
              trl: () => expect(command.files[command.args.at(-1)!]).toContain('"train_file"'),
              llamafactory: () => expect(value('template')).toBe('qwen2_vl'),
            };
            images[schema.engine]();
          });
        }
      }
    });
  }

  it('the paper settings land in each engine’s own terms (KL loss 0.04, group 8, temperature 1.0, clip 0.2, lr, checkpoints)', async () => {
    const expected: Record<Exclude<EngineId, 'llamafactory'>, Record<string, unknown>> = {
      verl: {
        'actor_rollout_ref.actor.use_kl_loss': true,
        'actor_rollout_ref.actor.kl_loss_coef': 0.04,
        'algorithm.use_kl_in_reward': false,
        'actor_rollout_ref.rollout.n': 8,
        'actor_rollout_ref.rollout.temperature': 1,
        'actor_rollout_ref.actor.clip_ratio_low': 0.2,
        'actor_rollout_ref.actor.clip_ratio_high': 0.2,
        'actor_rollout_ref.actor.optim.lr': 1e-6,
        'trainer.save_freq': 50,
      },
      easyr1: {
        'algorithm.use_kl_loss': true,
        'algorithm.kl_coef': 0.04,
        'algorithm.disable_kl': false,
        'worker.rollout.n': 8,
        'worker.rollout.temperature': 1,
        'worker.actor.clip_ratio_low': 0.2,
        'worker.actor.clip_ratio_high': 0.2,
        'worker.actor.optim.lr': 1e-6,
        'trainer.save_freq': 50,
      },
      openrlhf: {
        '--algo.kl.use_loss': true,
        '--algo.kl.init_coef': 0.04,
        '--rollout.n_samples_per_prompt': 8,
        '--rollout.temperature': 1,
        '--actor.eps_clip': 0.2,
        '--actor.adam.lr': 1e-6,
        '--ckpt.save_steps': 50,
      },
      trl: {
        beta: 0.04,
        num_generations: 8,
        temperature: 1,
        epsilon: 0.2,
        learning_rate: 1e-6,
        save_steps: 50,
      },
    };
    for (const [engine, settings] of Object.entries(expected)) {
      const schema = resolveEngineSchema(engine as EngineId);
      const { emitted } = await emit(schema, 'grpo', HARDWARE['one node']);
      for (const [key, value] of Object.entries(settings))
        expect([engine, key, effectiveValue(schema, emitted, key)]).toEqual([engine, key, value]);
    }
    // klBeta 0 (the paper's later runs): no KL term and no reference model.
    const verl = await emit(resolveEngineSchema('verl'), 'grpo', HARDWARE['one node'], ', klBeta: 0');
    expect(verl.violations).toEqual([]);
    expect(verl.emitted.values['actor_rollout_ref.actor.use_kl_loss']).toBe(false);
    expect(verl.emitted.values).not.toHaveProperty('actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu');
    const easyr1 = await emit(resolveEngineSchema('easyr1'), 'grpo', HARDWARE['one node'], ', klBeta: 0');
    expect(easyr1.emitted.values['algorithm.disable_kl']).toBe(true);
  });

  it('the final checkpoint becomes an HF folder: verl and EasyR1 merge it, the others save one', async () => {
    const verl = await emit(resolveEngineSchema('verl'), 'grpo', HARDWARE['one node']);
    const merge = verl.command.steps?.find((step) => step.when === 'after');
    // 5 training rows, batch 64: verl's loader drops the partial batch but always runs >= 1 step here.
    expect(merge?.command).toEqual([
      'python3',
      '-m',
      'verl.model_merger',
      'merge',
      '--backend',
      'fsdp',
      '--local_dir',
      path.join(verl.command.outputDirectory, 'global_step_1', 'actor'),
      '--target_dir',
      verl.command.exportDirectory,
    ]);
    const easyr1 = await emit(resolveEngineSchema('easyr1'), 'grpo', HARDWARE['one node']);
    expect(easyr1.command.steps?.at(-1)?.command).toEqual([
      'python3',
      '-c',
      EASYR1_MERGER,
      '--local_dir',
      path.join(easyr1.command.outputDirectory, 'global_step_1', 'actor'),
    ]);
    expect(easyr1.command.exportDirectory).toMatch(/global_step_1[/\\]actor[/\\]huggingface$/);
    const openrlhf = await emit(resolveEngineSchema('openrlhf'), 'grpo', HARDWARE['one node']);
    expect(openrlhf.emitted.values['--ckpt.save_hf']).toBe(true);
    expect(openrlhf.emitted.values['--ckpt.output_dir']).toBe(openrlhf.command.exportDirectory);
  });

  it('TRL and LLaMA-Factory get a DeepSpeed ZeRO-3 json written into the prepared folder', async () => {
    for (const [engine, stage] of [
      ['trl', 'sft'],
      ['trl', 'grpo'],
      ['llamafactory', 'sft'],
    ] as const) {
      const { command, emitted, stageDirectory } = await emit(
        resolveEngineSchema(engine),
        stage,
        HARDWARE['one node'],
      );
      const deepspeed = emitted.values.deepspeed as string;
      expect(path.dirname(deepspeed)).toBe(stageDirectory);
      const config = JSON.parse(command.files[deepspeed]!);
      expect(config.zero_optimization.stage).toBe(3);
      expect(config.zero_optimization.stage3_gather_16bit_weights_on_model_save).toBe(true);
    }
  });

  it('TRL: max_prompt_length only where the version has it; SFT loss on the assistant turn only, no VLM packing', async () => {
    const old = await emit(resolveEngineSchema('trl', '0.27.2'), 'grpo', HARDWARE['one node']);
    expect(old.emitted.values.max_prompt_length).toBe(2048);
    const current = await emit(resolveEngineSchema('trl', '1.9.0'), 'grpo', HARDWARE['one node']);
    expect(current.emitted.values).not.toHaveProperty('max_prompt_length');
    // The same key on 1.9.0 is caught by the contract (GRPOConfig(max_prompt_length=...) raises TypeError).
    const injected = injectTrlArg(current.command, 'max_prompt_length', 2048);
    expect(
      checkEngineContract('trl', 'grpo', injected, resolveEngineSchema('trl', '1.9.0')).violations,
    ).toEqual([expect.objectContaining({ key: 'max_prompt_length', source: 'schema' })]);
    const sft = await emit(resolveEngineSchema('trl'), 'sft', HARDWARE['one node']);
    expect(sft.emitted.values).toMatchObject({ completion_only_loss: true, packing: false });
    // generation batch = per-device 2 x 8 processes x accumulation = 64 prompts x 8 completions.
    expect(
      (current.emitted.values.per_device_train_batch_size as number) *
        8 *
        (current.emitted.values.gradient_accumulation_steps as number),
    ).toBe(64 * 8);
  });

  it('multi-node launch commands carry rank and world settings from the plan', async () => {
    const two = HARDWARE['two nodes'];
    const trl = await emit(resolveEngineSchema('trl'), 'grpo', two);
    const args = trl.command.args.join(' ');
    // accelerate launch flags exist in accelerate's own parser (the row's accelerate wheel).
    expect(resolveEngineSchema('trl').schemas.accelerate_launch).toHaveProperty('--main_process_ip');
    expect(
      checkEngineContract(
        'trl',
        'grpo',
        { ...trl.command, args: ['launch', '--num_nodes', '2', ...trl.command.args.slice(1)] },
        resolveEngineSchema('trl'),
      ).violations.map((item) => item.key),
    ).toEqual(['--num_nodes']);
    expect(args).toContain(
      '--num_processes 16 --num_machines 2 --machine_rank 1 --main_process_ip 10.0.0.1 --main_process_port 29500',
    );
    const llamafactory = await emit(resolveEngineSchema('llamafactory'), 'sft', two);
    expect(llamafactory.command.env).toMatchObject({
      FORCE_TORCHRUN: '1',
      NNODES: '2',
      NODE_RANK: '1',
      NPROC_PER_NODE: '8',
      MASTER_ADDR: '10.0.0.1',
      MASTER_PORT: '29500',
    });
    for (const engine of ['verl', 'easyr1', 'openrlhf'] as const) {
      const { command } = await emit(resolveEngineSchema(engine), 'grpo', two);
      const before = command.steps
        ?.filter((step) => step.when === 'before')
        .map((step) => step.command.join(' '));
      expect(before).toEqual([
        'ray start --head --port=6379 --num-gpus=8',
        'ray start --address=10.0.0.1:6379 --num-gpus=8',
      ]);
    }
    const openrlhf = await emit(resolveEngineSchema('openrlhf'), 'grpo', two);
    // One vLLM engine per GPU over all nodes (actor nodes x GPUs = engines x TP with colocation).
    expect(openrlhf.emitted.values['--vllm.num_engines']).toBe(16);
    const verl = await emit(resolveEngineSchema('verl'), 'grpo', two);
    expect(verl.emitted.values).toMatchObject({ 'trainer.nnodes': 2, 'trainer.n_gpus_per_node': 8 });
    // One GPU: every engine still accepts the plan (verl's vLLM drops to one-way tensor parallel).
    for (const schema of ENGINE_SCHEMAS.filter((row) => DEFAULT_ENGINE_VERSIONS[row.engine] === row.version))
      for (const stage of ENGINES[schema.engine].stages)
        expect([
          schema.engine,
          stage,
          (await emit(schema, stage, 'hardware: { gpus: 1 }')).violations,
        ]).toEqual([schema.engine, stage, []]);
  });

  it("the checks catch what each engine refuses, citing the engine's file", async () => {
    const verl = resolveEngineSchema('verl');
    const { command } = await emit(verl, 'grpo', HARDWARE['one node']);
    const replaced = (key: string, value: string | null) => ({
      ...command,
      args: [
        ...command.args.filter((arg) => !arg.startsWith(`${key}=`)),
        ...(value === null ? [] : [`${key}=${value}`]),
      ],
    });
    const keysOf = (candidate: EngineCommand) =>
      checkEngineContract('verl', 'grpo', candidate, verl).violations.map(
        (item) => `${item.key} ${item.source}`,
      );
    expect(keysOf(replaced('trainer.save_freq', '-1'))).toEqual([
      'trainer.save_freq verl/trainer/ppo/ray_trainer.py',
    ]);
    expect(keysOf(replaced('actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu', null))).toEqual([
      'actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu verl/workers/config/actor.py',
    ]);
    expect(keysOf(replaced('actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu', null))).toEqual([
      'actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu verl/utils/config.py',
    ]);
    expect(keysOf(replaced('actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu', null))).toEqual([
      'actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu verl/utils/config.py',
    ]);
    expect(keysOf(replaced('actor_rollout_ref.actor.ppo_mini_batch_size', '256'))).toContain(
      'actor_rollout_ref.actor.ppo_mini_batch_size verl/workers/config/actor.py',
    );
    expect(keysOf(replaced('trainer.no_such_key', '1'))).toEqual(['trainer.no_such_key schema']);
    // The HF-export step's flags are checked against verl's model_merger parser.
    const merge = command.steps!.find((step) => step.when === 'after')!;
    const badMerge = { ...merge, command: [...merge.command, '--no_such_flag'] };
    expect(keysOf({ ...command, steps: [badMerge] })).toEqual(['--no_such_flag schema']);
    expect(keysOf(replaced('actor_rollout_ref.rollout.tensor_model_parallel_size', '3'))).toEqual([
      'actor_rollout_ref.rollout.tensor_model_parallel_size verl/workers/rollout/vllm_rollout/vllm_async_server.py',
    ]);

    const easyr1 = resolveEngineSchema('easyr1');
    const easy = await emit(easyr1, 'grpo', HARDWARE['one node']);
    const easyArgs = easy.command.args.map((arg) =>
      arg.startsWith('worker.actor.global_batch_size=') ? 'worker.actor.global_batch_size=256' : arg,
    );
    expect(
      checkEngineContract(
        'easyr1',
        'grpo',
        { ...easy.command, args: [...easyArgs, 'worker.actor.kl_coef=0.1'] },
        easyr1,
      ).violations.map((item) => `${item.key} ${item.source}`),
    ).toEqual(['worker.actor.kl_coef schema', 'worker.actor.global_batch_size verl/trainer/ray_trainer.py']);
  });

  it('a prepared set smaller than one batch is caught for the engines that drop partial batches', async () => {
    for (const engine of ['verl', 'easyr1'] as const) {
      const schema = resolveEngineSchema(engine);
      const { command } = await emit(schema, 'grpo', HARDWARE['one node']);
      const small = checkEngineContract(engine, 'grpo', command, schema, { trainRows: 5 }).violations;
      expect(small).toEqual([
        expect.objectContaining({
          planField: 'stage2.batchSize',
          message: expect.stringMatching(/^5 training rows are fewer than one/),
        }),
      ]);
      expect(checkEngineContract(engine, 'grpo', command, schema, { trainRows: 64 }).violations).toEqual([]);
    }
  });

  it('plan validation refuses what an engine would refuse, naming the plan line', () => {
    const base = 'name: p\nbaseModel: m\ndatasets:\n  - jsonl: a.jsonl\n';
    expect(() =>
      parsePlan(`${base}stage2:\n  engine: verl\n  batchSize: 64\n  miniBatchSize: 128\n`, '/plans/p.yaml'),
    ).toThrow(
      /p\.yaml:8: field "stage2\.miniBatchSize": verl 0\.7\.0 would refuse this plan \(verl\/workers\/config\/actor\.py\)/,
    );
    expect(() =>
      parsePlan(`${base}stage2:\n  engine: easyr1\n  miniBatchSize: 48\n`, '/plans/p.yaml'),
    ).toThrow(
      /:7: field "stage2\.miniBatchSize": easyr1 0\.3\.2 would refuse .*divisible by worker\.actor\.global_batch_size/,
    );
    expect(() => parsePlan(`${base}hardware: { gpus: 3 }\n`, '/plans/p.yaml')).toThrow(
      /field "stage2\.batchSize".*must be divisible by the 3 GPUs/,
    );
    expect(() => parsePlan(`${base}hardware: { gpus: 8, nodes: 2 }\n`, '/plans/p.yaml')).toThrow(
      /field "hardware\.masterAddress": 2 nodes need "masterAddress"/,
    );
  });

  it('plan validation refuses engine versions that cannot train Facial-R1, naming the version that can', () => {
    const base = 'name: p\nbaseModel: m\ndatasets:\n  - jsonl: a.jsonl\nstage2: { engine: openrlhf }\n';
    let error: unknown;
    try {
      parsePlan(`${base}engines:\n  openrlhf: "0.9.5"\n`, '/plans/p.yaml');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PlanError);
    expect((error as PlanError).line).toBe(7);
    expect((error as PlanError).field).toBe('engines.openrlhf');
    expect((error as PlanError).message).toMatch(
      /openrlhf 0\.9\.5 cannot train Facial-R1: OpenRLHF trains on images only from 0\.10\.0.*Use openrlhf 0\.10\.2 or later/,
    );
    expect(() => parsePlan(`${base}engines: { openrlhf: "0.10.1" }\n`, '/plans/p.yaml')).toThrow(
      /Use openrlhf 0\.10\.2 or later/,
    );
    const only = (engines: string) => () =>
      parsePlan(
        `name: p\nbaseModel: m\ndatasets:\n  - jsonl: a.jsonl\nengines: { ${engines} }\n`,
        '/plans/p.yaml',
      );
    expect(only('verl: "0.5.0"')).toThrow(/verl 0\.5\.0 cannot train Facial-R1.*Use verl 0\.6\.0 or later/);
    expect(only('verl: "0.9.0"')).toThrow(
      /verl 0\.9\.0 has no checked contract; checked versions: 0\.6\.1, 0\.7\.0, 0\.8\.0\.dev/,
    );
    expect(() =>
      parsePlan(`${base.replace('openrlhf', 'easyr1')}engines: { easyr1: "0.3.0" }\n`, '/plans/p.yaml'),
    ).toThrow(
      /easyr1 0\.3\.0 cannot train Facial-R1: worker\.reward\.reward_function=file\.py:fn.*arrived in EasyR1 0\.3\.1/,
    );
    expect(() =>
      parsePlan(
        'name: p\nbaseModel: m\ndatasets:\n  - jsonl: a.jsonl\nstage1: { engine: trl }\nengines: { trl: "0.21.0" }\n',
        '/plans/p.yaml',
      ),
    ).toThrow(/trl 0\.21\.0 cannot train Facial-R1: vision-language SFT and GRPO on images need TRL 0\.22/);
    // An unchecked release older than its line's checked one is not assumed to match it.
    expect(() => resolveEngineSchema('llamafactory', '0.9.3')).toThrow(
      /llamafactory 0\.9\.3 has no checked contract; checked versions: 0\.9\.4, 0\.9\.5, 0\.9\.6\.dev0/,
    );
    // A later patch release of a checked line uses that line's contract.
    expect(resolveEngineSchema('trl', '1.9.1').version).toBe('1.9.0');
    expect(resolveEngineSchema('openrlhf', '0.10.3').version).toBe('0.10.2');
    expect(resolveEngineSchema('verl', '0.8.0').version).toBe('0.8.0.dev');
  });

  it('every row names its engine commit and sources, and each engine defaults to a checked current release', () => {
    for (const schema of ENGINE_SCHEMAS) {
      expect(schema.commit).toMatch(/^[0-9a-f]{40}$/);
      expect(schema.sources.length).toBeGreaterThan(0);
      expect(Object.keys(schema.schemas).length).toBeGreaterThan(0);
    }
    for (const [engine, version] of Object.entries(DEFAULT_ENGINE_VERSIONS))
      expect(resolveEngineSchema(engine as EngineId).version).toBe(version);
  });
});

function injectTrlArg(command: EngineCommand, key: string, value: unknown): EngineCommand {
  const file = Object.keys(command.files).find((name) => name.endsWith('trl-grpo.json'))!;
  const config = JSON.parse(command.files[file]!);
  config.trainer_args[key] = value;
  return { ...command, files: { ...command.files, [file]: JSON.stringify(config) } };
}

describe('engineStepLines', () => {
  it('prints before/after steps as shell lines under their description', () => {
    const command = {
      steps: [
        {
          when: 'before' as const,
          description: 'on node 0: start the Ray head',
          command: ['ray', 'start', '--head'],
        },
        {
          when: 'before' as const,
          description: 'on each other node: join',
          command: ['ray', 'start', '--address=node0:6379'],
          elsewhere: true,
        },
        {
          when: 'after' as const,
          description: 'merge',
          command: ['python3', '-m', 'verl.model_merger', '--target_dir', '/a b'],
        },
      ],
    };
    expect(engineStepLines(command, 'before')).toEqual([
      '# on node 0: start the Ray head',
      'ray start --head',
      '# on each other node: join',
      '#   ray start --address=node0:6379',
    ]);
    expect(engineStepLines(command, 'after')).toEqual([
      '# merge',
      "python3 -m verl.model_merger --target_dir '/a b'",
    ]);
    expect(engineStepLines({}, 'after')).toEqual([]);
  });
});

describe('runAfterSteps', () => {
  it('runs the after steps through the launcher prefix, logs them, and names a failing one', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'fea-steps-'));
    try {
      const logFile = path.join(directory, 'engine.log');
      const write = `require('fs').writeFileSync('exported', process.argv.slice(1).join(' '))`;
      await runAfterSteps(
        {
          steps: [
            { when: 'before', description: 'ray head (printed only)', command: ['false'] },
            { when: 'after', description: 'export', command: ['-e', write, 'a b'] },
          ],
        },
        { directory, logFile, launcher: [process.execPath] },
      );
      expect(await readFile(path.join(directory, 'exported'), 'utf8')).toBe('a b');
      expect(await readFile(logFile, 'utf8')).toContain('# export');
      await expect(
        runAfterSteps(
          {
            steps: [
              {
                when: 'after',
                description: 'merge the final checkpoint',
                command: ['-e', 'process.exit(3)'],
              },
            ],
          },
          { directory, logFile, launcher: [process.execPath] },
        ),
      ).rejects.toThrow(/merge the final checkpoint exited with 3; see .*engine\.log/);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
