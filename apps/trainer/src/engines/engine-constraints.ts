import type { EngineId } from '../plan/plan-schema';
import type { EngineCommand, Stage } from './engine';
import {
  type ContractViolation,
  checkFlags,
  checkKeys,
  type EmittedConfig,
  effectiveValue,
  readEmittedConfig,
} from './engine-contract';
import type { EngineSchema } from './engine-versions';

/**
 * The value checks each engine runs on its configuration before (or while) training, restated
 * in TypeScript. Every check names the engine file it mirrors; the values are what the engine
 * will run with (what we emit, else the default extracted from its source).
 */
type Check = (input: {
  readonly value: (key: string) => unknown;
  readonly stage: Stage;
  readonly command: EngineCommand;
  /** Training rows of the prepared dataset, when known. */
  readonly trainRows?: number;
}) => ContractViolation[];

const num = (value: unknown): number => (typeof value === 'number' ? value : Number.NaN);
const isSet = (value: unknown) => value !== null && value !== undefined;

function violation(
  ok: boolean,
  key: string,
  source: string,
  message: string,
  planField?: string,
): ContractViolation[] {
  return ok ? [] : [{ key, source, message, planField }];
}

function exactlyOne(
  value: (key: string) => unknown,
  legacy: string,
  perGpu: string,
  source: string,
  planField: string,
): ContractViolation[] {
  const a = isSet(value(legacy));
  const b = isSet(value(perGpu));
  return violation(
    a !== b,
    perGpu,
    source,
    a ? `set only "${perGpu}" ("${legacy}" is deprecated and both are refused)` : `"${perGpu}" must be set`,
    planField,
  );
}

const verlChecks: Check = ({ value, trainRows }) => {
  const gpus = num(value('trainer.n_gpus_per_node')) * num(value('trainer.nnodes'));
  const trainBatch = num(value('data.train_batch_size'));
  const n = num(value('actor_rollout_ref.rollout.n'));
  const mini = num(value('actor_rollout_ref.actor.ppo_mini_batch_size'));
  const microPerGpu = value('actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu');
  const sp = num(value('actor_rollout_ref.actor.ulysses_sequence_parallel_size') ?? 1) || 1;
  const dynamic = value('actor_rollout_ref.actor.use_dynamic_bsz') === true;
  const useReference =
    value('actor_rollout_ref.actor.use_kl_loss') === true || value('algorithm.use_kl_in_reward') === true;
  const out: ContractViolation[] = [
    // verl/utils/config.py validate_config: real_train_batch_size % minimal_bsz (n_gpus for FSDP).
    ...violation(
      (trainBatch * n) % gpus === 0,
      'data.train_batch_size',
      'verl/utils/config.py',
      `train_batch_size * rollout.n (${trainBatch} * ${n}) must be divisible by the ${gpus} GPUs`,
      'stage2.batchSize',
    ),
    // verl/trainer/ppo/ray_trainer.py fit(): checkpoints only when save_freq > 0.
    ...violation(
      num(value('trainer.save_freq')) > 0,
      'trainer.save_freq',
      'verl/trainer/ppo/ray_trainer.py',
      'trainer.save_freq must be > 0 or verl never writes a checkpoint',
      'stage2.saveSteps',
    ),
    // verl/trainer/ppo/ray_trainer.py: the train loader drops the last partial batch, so fewer
    // rows than one batch train nothing.
    ...violation(
      trainRows === undefined || trainRows >= trainBatch,
      'data.train_batch_size',
      'verl/trainer/ppo/ray_trainer.py',
      `${trainRows} training rows are fewer than one batch of ${trainBatch}: verl would train no step`,
      'stage2.batchSize',
    ),
    // verl/workers/rollout/vllm_rollout/vllm_async_server.py: vLLM engines do not span nodes.
    ...violation(
      num(value('trainer.n_gpus_per_node')) %
        num(value('actor_rollout_ref.rollout.tensor_model_parallel_size')) ===
        0,
      'actor_rollout_ref.rollout.tensor_model_parallel_size',
      'verl/workers/rollout/vllm_rollout/vllm_async_server.py',
      'GPUs per node must be divisible by rollout.tensor_model_parallel_size',
      'hardware.gpus',
    ),
  ];
  if (!dynamic) {
    out.push(
      // verl/workers/config/actor.py ActorConfig.__post_init__ and validate().
      ...exactlyOne(
        value,
        'actor_rollout_ref.actor.ppo_micro_batch_size',
        'actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu',
        'verl/workers/config/actor.py',
        'stage2.microBatchSizePerGpu',
      ),
      ...violation(
        trainBatch >= mini,
        'actor_rollout_ref.actor.ppo_mini_batch_size',
        'verl/workers/config/actor.py',
        `train_batch_size (${trainBatch}) must be >= actor.ppo_mini_batch_size (${mini})`,
        'stage2.miniBatchSize',
      ),
      // verl/utils/config.py check_mutually_exclusive for rollout and (with a reference policy) ref.
      ...exactlyOne(
        value,
        'actor_rollout_ref.rollout.log_prob_micro_batch_size',
        'actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu',
        'verl/utils/config.py',
        'stage2.microBatchSizePerGpu',
      ),
      ...(useReference
        ? exactlyOne(
            value,
            'actor_rollout_ref.ref.log_prob_micro_batch_size',
            'actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu',
            'verl/utils/config.py',
            'stage2.microBatchSizePerGpu',
          )
        : []),
    );
    // verl/workers/fsdp_workers.py ActorRolloutRefWorker.__init__: the mini batch is normalized per
    // data-parallel rank (x rollout.n / (world / sp)) and must be a positive multiple of the micro batch.
    const normalized = Math.floor((mini * n) / (gpus / sp));
    out.push(
      ...violation(
        normalized > 0,
        'actor_rollout_ref.actor.ppo_mini_batch_size',
        'verl/workers/fsdp_workers.py',
        `ppo_mini_batch_size * rollout.n / GPUs = ${normalized} must be > 0`,
        'stage2.miniBatchSize',
      ),
      ...violation(
        !isSet(microPerGpu) || (normalized > 0 && normalized % num(microPerGpu) === 0),
        'actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu',
        'verl/workers/fsdp_workers.py',
        `normalized ppo_mini_batch_size ${normalized} must be divisible by ppo_micro_batch_size_per_gpu ${String(microPerGpu)}`,
        'stage2.microBatchSizePerGpu',
      ),
    );
  }
  return out;
};

const easyR1Checks: Check = ({ value, trainRows }) => {
  const rollout = num(value('data.rollout_batch_size'));
  const n = num(value('worker.rollout.n'));
  const global = num(value('worker.actor.global_batch_size'));
  const experience = num(value('worker.actor.micro_batch_size_per_device_for_experience'));
  const update = num(value('worker.actor.micro_batch_size_per_device_for_update'));
  const world = num(value('trainer.n_gpus_per_node')) * num(value('trainer.nnodes'));
  const ulysses = num(value('worker.actor.ulysses_size')) || 1;
  const perDevice = Math.floor((global * Math.max(n, 1)) / (world / ulysses));
  const reward = value('worker.reward.reward_function');
  return [
    // verl/trainer/data_loader.py: the train loader drops the last partial batch.
    ...violation(
      trainRows === undefined || trainRows >= rollout,
      'data.rollout_batch_size',
      'verl/trainer/data_loader.py',
      `${trainRows} training rows are fewer than one rollout batch of ${rollout}: EasyR1 would train no step`,
      'stage2.batchSize',
    ),
    // verl/trainer/ray_trainer.py RayPPOTrainer.__init__.
    ...violation(
      rollout % global === 0,
      'worker.actor.global_batch_size',
      'verl/trainer/ray_trainer.py',
      `data.rollout_batch_size (${rollout}) must be divisible by worker.actor.global_batch_size (${global})`,
      'stage2.miniBatchSize',
    ),
    ...violation(
      (rollout * n) % experience === 0,
      'worker.actor.micro_batch_size_per_device_for_experience',
      'verl/trainer/ray_trainer.py',
      `rollout_batch_size * rollout.n (${rollout * n}) must be divisible by micro_batch_size_per_device_for_experience (${experience})`,
      'stage2.microBatchSizePerGpu',
    ),
    ...violation(
      n > 1 || value('algorithm.adv_estimator') !== 'grpo',
      'worker.rollout.n',
      'verl/trainer/ray_trainer.py',
      'GRPO needs worker.rollout.n > 1',
      'stage2.groupSize',
    ),
    // verl/workers/fsdp_workers.py FSDPWorker._init_config.
    ...violation(
      perDevice > 0,
      'worker.actor.global_batch_size',
      'verl/workers/fsdp_workers.py',
      `global batch size * rollout.n per device is ${perDevice}; it must be > 0`,
      'stage2.miniBatchSize',
    ),
    ...violation(
      perDevice > 0 && perDevice % update === 0,
      'worker.actor.micro_batch_size_per_device_for_update',
      'verl/workers/fsdp_workers.py',
      `global batch size per device (${perDevice}) must be divisible by micro_batch_size_per_device_for_update (${update})`,
      'stage2.microBatchSizePerGpu',
    ),
    // verl/trainer/ray_trainer.py fit(): checkpoints only when save_freq > 0.
    ...violation(
      num(value('trainer.save_freq')) > 0,
      'trainer.save_freq',
      'verl/trainer/ray_trainer.py',
      'trainer.save_freq must be > 0 or EasyR1 never writes a checkpoint',
      'stage2.saveSteps',
    ),
    // verl/workers/reward/config.py RewardConfig.post_init: `file.py:function`.
    ...violation(
      typeof reward === 'string' && /\.py:[A-Za-z_]\w*$/.test(reward),
      'worker.reward.reward_function',
      'verl/workers/reward/config.py',
      `worker.reward.reward_function must be "file.py:function", got ${JSON.stringify(reward)}`,
    ),
  ];
};

const openRlhfChecks: Check = ({ value }) => {
  const estimator = value('--algo.advantage.estimator');
  const samples = num(value('--rollout.n_samples_per_prompt'));
  const actorGpus = num(value('--actor.num_nodes')) * num(value('--actor.num_gpus_per_node'));
  const engines = value('--vllm.num_engines');
  const tp = num(value('--vllm.tensor_parallel_size'));
  const ring = num(value('--ds.ring_attn_size')) || 1;
  const dsTp = num(value('--ds.tensor_parallel_size')) || 1;
  const images = num(value('--data.max_images_per_prompt'));
  const out: ContractViolation[] = [
    // openrlhf/cli/train_ppo_ray.py argument validation.
    ...violation(
      !['rloo', 'reinforce_baseline', 'group_norm', 'dr_grpo'].includes(String(estimator)) || samples > 1,
      '--rollout.n_samples_per_prompt',
      'openrlhf/cli/train_ppo_ray.py',
      `${String(estimator)} requires --rollout.n_samples_per_prompt > 1`,
      'stage2.groupSize',
    ),
    ...violation(
      !(images > 0) || value('--ds.packing_samples') !== true,
      '--ds.packing_samples',
      'openrlhf/cli/train_ppo_ray.py',
      'VLM training does not support --ds.packing_samples',
    ),
    ...violation(
      Math.floor((samples * num(value('--rollout.batch_size'))) / num(value('--rollout.micro_batch_size'))) >=
        Math.floor(actorGpus / ring / dsTp),
      '--rollout.batch_size',
      'openrlhf/cli/train_ppo_ray.py',
      'the number of sample batches must be >= the number of actor processes',
      'stage2.batchSize',
    ),
    // openrlhf/utils/deepspeed/deepspeed.py: accumulated_gradient = train_batch // micro // world >= 1.
    ...violation(
      Math.floor(num(value('--train.batch_size')) / num(value('--train.micro_batch_size')) / actorGpus) >= 1,
      '--train.batch_size',
      'openrlhf/utils/deepspeed/deepspeed.py',
      `--train.batch_size must be >= --train.micro_batch_size x ${actorGpus} actor GPUs`,
      'stage2.miniBatchSize',
    ),
    // openrlhf/trainer/ppo_trainer.py: save_steps -1 means never.
    ...violation(
      num(value('--ckpt.save_steps')) > 0,
      '--ckpt.save_steps',
      'openrlhf/trainer/ppo_trainer.py',
      '--ckpt.save_steps must be > 0 or OpenRLHF never writes a checkpoint',
      'stage2.saveSteps',
    ),
  ];
  if (value('--train.colocate_all') === true && isSet(engines) && num(engines) > 0) {
    out.push(
      ...violation(
        actorGpus === num(engines) * tp,
        '--vllm.num_engines',
        'openrlhf/cli/train_ppo_ray.py',
        `with --train.colocate_all, actor nodes x GPUs (${actorGpus}) must equal vllm.num_engines x tensor_parallel_size (${num(engines) * tp})`,
        'hardware.gpus',
      ),
    );
  }
  return out;
};

function acceleratePocesses(command: EngineCommand): number {
  const index = command.args.indexOf('--num_processes');
  return index >= 0 ? Number(command.args[index + 1]) : 1;
}

const trlChecks: Check = ({ value, stage, command }) => {
  const deepspeed = value('deepspeed');
  const out: ContractViolation[] = [
    ...violation(
      typeof deepspeed === 'string' && Object.hasOwn(command.files, deepspeed),
      'deepspeed',
      'transformers/training_args.py',
      'the DeepSpeed config named by "deepspeed" must be one of the files the command writes',
    ),
  ];
  if (stage === 'sft') {
    // trl/trainer/sft_trainer.py SFTTrainer.__init__: refused for vision-language models.
    for (const key of ['packing', 'padding_free', 'assistant_only_loss'])
      out.push(
        ...violation(
          value(key) !== true,
          key,
          'trl/trainer/sft_trainer.py',
          `${key}=True is not supported for vision-language models`,
          key === 'packing' ? 'stage1.packing' : undefined,
        ),
      );
  } else {
    // trl/trainer/grpo_config.py GRPOConfig.__post_init__: the generation batch holds whole groups.
    const processes = acceleratePocesses(command);
    const steps = value('steps_per_generation') ?? value('gradient_accumulation_steps');
    const generation =
      num(value('generation_batch_size') ?? Number.NaN) ||
      num(value('per_device_train_batch_size')) * processes * num(steps);
    out.push(
      ...violation(
        generation % num(value('num_generations')) === 0,
        'num_generations',
        'trl/trainer/grpo_config.py',
        `generation_batch_size (${generation}) must be divisible by num_generations (${String(value('num_generations'))})`,
        'stage2.groupSize',
      ),
    );
  }
  return out;
};

const llamaFactoryChecks: Check = ({ value, command }) => {
  const deepspeed = value('deepspeed');
  return [
    ...violation(
      typeof deepspeed === 'string' && Object.hasOwn(command.files, deepspeed),
      'deepspeed',
      'transformers/training_args.py',
      'the DeepSpeed config named by "deepspeed" must be one of the files the command writes',
    ),
    // src/llamafactory/hparams/parser.py: DeepSpeed needs a distributed launch.
    ...violation(
      typeof deepspeed !== 'string' || command.env.FORCE_TORCHRUN === '1',
      'deepspeed',
      'src/llamafactory/hparams/parser.py',
      'DeepSpeed training needs FORCE_TORCHRUN=1',
    ),
    // src/llamafactory/data/template.py: the Qwen2-VL / Qwen2.5-VL chat template.
    ...violation(
      value('template') === 'qwen2_vl',
      'template',
      'src/llamafactory/data/template.py',
      'template must be qwen2_vl',
    ),
  ];
};

const CHECKS: Record<EngineId, Check> = {
  verl: verlChecks,
  easyr1: easyR1Checks,
  openrlhf: openRlhfChecks,
  trl: trlChecks,
  llamafactory: llamaFactoryChecks,
};

/**
 * Checks a command against an engine's contract at one version: every key, flag and field it
 * sets exists there, and the values pass the engine's own checks. With `trainRows` (the
 * prepared dataset's training rows) it also checks that at least one step will train.
 */
export function checkEngineContract(
  engine: EngineId,
  stage: Stage,
  command: EngineCommand,
  schema: EngineSchema,
  options: { readonly trainRows?: number } = {},
): { readonly emitted: EmittedConfig; readonly violations: readonly ContractViolation[] } {
  const emitted = readEmittedConfig(engine, stage, command, schema);
  const value = (key: string) => effectiveValue(schema, emitted, key);
  // The launcher's own flags (TRL: `accelerate launch ... <script>`) and each step's flags.
  const launchArgs =
    engine === 'trl' && command.command === 'accelerate'
      ? command.args.slice(
          1,
          command.args.findIndex((arg) => arg.endsWith('.py')),
        )
      : [];
  const stepViolations = (command.steps ?? []).flatMap((step) =>
    step.schema ? checkFlags(schema, step.schema, step.command, step.description) : [],
  );
  return {
    emitted,
    violations: [
      ...checkKeys(schema, emitted),
      ...checkFlags(schema, 'accelerate_launch', launchArgs, 'accelerate launch'),
      ...stepViolations,
      ...CHECKS[engine]({ value, stage, command, trainRows: options.trainRows }),
    ],
  };
}
