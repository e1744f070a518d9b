import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The extraction script (tooling/engine-schemas) run over small source trees written here in the
// shapes the engines use: verl's flattened trainer YAML, argparse flags built in loops (OpenRLHF),
// nested config dataclasses (EasyR1), dataclasses inheriting transformers' TrainingArguments
// (TRL, LLaMA-Factory). extract.sh is run over a real git repository (git archive of a commit).

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const script = path.join(root, 'tooling/engine-schemas/extract.py');
const wrapper = path.join(root, 'tooling/engine-schemas/extract.sh');

const tool = (name: string) => {
  try {
    execFileSync(name, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    console.warn(`${name} not found: the engine-schema extraction tests are skipped`);
    return false;
  }
};
const available = tool('python3') && tool('git');

async function tree(directory: string, files: Record<string, string>) {
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(directory, name)), { recursive: true });
    await writeFile(path.join(directory, name), text);
  }
}

const TRANSFORMERS = {
  'transformers/training_args.py': `from dataclasses import dataclass, field
from typing import Optional

@dataclass
class TrainingArguments:
    output_dir: Optional[str] = field(default=None, metadata={"help": "where"})
    learning_rate: float = 5e-5
    deepspeed: Optional[str] = None
    bf16: bool = False
`,
  'transformers/training_args_seq2seq.py': `from dataclasses import dataclass, field
from .training_args import TrainingArguments

@dataclass
class Seq2SeqTrainingArguments(TrainingArguments):
    predict_with_generate: bool = False
`,
};

describe.skipIf(!available)('tooling/engine-schemas/extract.py', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'fea-extract-'));
    await tree(path.join(directory, 'transformers-src'), TRANSFORMERS);
    await tree(path.join(directory, 'accelerate-src'), {
      'accelerate/commands/launch.py': `import argparse

def launch_command_parser(subparsers=None):
    parser = argparse.ArgumentParser("launch")
    resource = parser.add_argument_group("Resource")
    resource.add_argument("--num_processes", type=int, default=None)
    resource.add_argument("--main_process_ip", type=str, default=None)
    return parser
`,
    });
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  async function extract(
    engine: string,
    files: Record<string, string>,
    transformers = false,
    name = engine,
    extra: readonly string[] = [],
  ) {
    const checkout = path.join(directory, name);
    await tree(checkout, files);
    const out = path.join(directory, `${name}.json`);
    execFileSync(
      'python3',
      [
        script,
        '--engine',
        engine,
        '--version',
        '1.2.3',
        '--commit',
        'a'.repeat(40),
        '--checkout',
        checkout,
        ...(transformers ? ['--transformers', path.join(directory, 'transformers-src')] : []),
        ...extra,
        '--out',
        out,
      ],
      { stdio: 'pipe' },
    );
    return JSON.parse(await readFile(out, 'utf8'));
  }

  it('verl: every dotted leaf of the flattened trainer YAML, folded scalars and lists included', async () => {
    const data = await extract('verl', {
      'verl/trainer/config/_generated_ppo_trainer.yaml': `# generated
actor_rollout_ref:
  actor:
    ppo_mini_batch_size: 256
    ppo_micro_batch_size_per_gpu: null
    checkpoint:
      save_contents:
      - model
      - optimizer
  rollout:
    n: 1
    temperature: 1.0
data:
  tool_config_path: \${oc.select:actor_rollout_ref.rollout.multi_turn.tool_config_path,
    null}
  train_batch_size: 1024
  name: 'quoted # not a comment'
trainer:
  logger: ['console', 'wandb']
  save_freq: -1
  empty: {}
`,
    });
    expect(data).toMatchObject({ engine: 'verl', version: '1.2.3', commit: 'a'.repeat(40) });
    expect(data.schemas.ppo_trainer).toEqual({
      'actor_rollout_ref.actor.checkpoint.save_contents': { type: 'list', default: ['model', 'optimizer'] },
      'actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu': { type: 'null', default: null },
      'actor_rollout_ref.actor.ppo_mini_batch_size': { type: 'int', default: 256 },
      'actor_rollout_ref.rollout.n': { type: 'int', default: 1 },
      'actor_rollout_ref.rollout.temperature': { type: 'float', default: 1 },
      'data.name': { type: 'str', default: 'quoted # not a comment' },
      'data.tool_config_path': {
        type: 'interpolation',
        // OmegaConf interpolation text, kept as written.
        default: `\${oc.select:actor_rollout_ref.rollout.multi_turn.tool_config_path, null}`,
      },
      'data.train_batch_size': { type: 'int', default: 1024 },
      'trainer.empty': { type: 'dict', default: {} },
      'trainer.logger': { type: 'list', default: ['console', 'wandb'] },
      'trainer.save_freq': { type: 'int', default: -1 },
    });
  });

  it('verl: YAML it does not understand is refused with its line, not misread', async () => {
    await expect(
      extract(
        'verl',
        { 'verl/trainer/config/_generated_ppo_trainer.yaml': 'trainer:\n  note: |\n    text\n' },
        false,
        'verl-bad',
      ).catch((error: { stderr: Buffer }) => {
        throw new Error(error.stderr.toString());
      }),
    ).rejects.toThrow(/_generated_ppo_trainer\.yaml:2: block scalars are not supported/);
  });

  it('OpenRLHF: argparse flags, including those built in a loop over prefixes', async () => {
    const parser = `import argparse
if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--actor.num_nodes", type=int, default=1)
    parser.add_argument("--train.colocate_all", action="store_true", default=False)
    parser.add_argument("--algo.kl.estimator", type=str, choices=["k1", "k2", "k3"], default="k1")
    for prefix in ("actor", "critic"):
        parser.add_argument(f"--{prefix}.adam.lr", type=float, default=1e-6)
    args = parser.parse_args()
`;
    const data = await extract('openrlhf', {
      'openrlhf/cli/train_ppo_ray.py': parser,
      'openrlhf/cli/train_sft.py': parser,
    });
    expect(data.schemas.train_ppo_ray).toEqual({
      '--actor.num_nodes': { type: 'int', default: 1 },
      '--train.colocate_all': { action: 'store_true', default: false },
      '--algo.kl.estimator': { type: 'str', choices: ['k1', 'k2', 'k3'], default: 'k1' },
      '--actor.adam.lr': { type: 'float', default: 1e-6 },
      '--critic.adam.lr': { type: 'float', default: 1e-6 },
    });
  });

  it('EasyR1: nested config dataclasses as dotted keys, computed fields marked init=False', async () => {
    const data = await extract('easyr1', {
      'verl/trainer/config.py': `from dataclasses import dataclass, field
from ..workers.config import WorkerConfig

@dataclass
class DataConfig:
    rollout_batch_size: int = 512

@dataclass
class PPOConfig:
    data: DataConfig = field(default_factory=DataConfig)
    worker: WorkerConfig = field(default_factory=WorkerConfig)
`,
      'verl/workers/config.py': `from dataclasses import dataclass, field
from .actor.config import ActorConfig

@dataclass
class WorkerConfig:
    actor: ActorConfig = field(default_factory=ActorConfig)
`,
      'verl/workers/actor/config.py': `from dataclasses import dataclass, field

@dataclass
class ActorConfig:
    global_batch_size: int = 256
    kl_coef: float = field(default=0.0, init=False)
`,
    });
    expect(data.schemas.PPOConfig).toEqual({
      'data.rollout_batch_size': { type: 'int', default: 512 },
      'worker.actor.global_batch_size': { type: 'int', default: 256 },
      'worker.actor.kl_coef': { type: 'float', default: 0, init: false },
    });
  });

  it('TRL and LLaMA-Factory: fields inherited from TrainingArguments, through aliases', async () => {
    const trl = await extract(
      'trl',
      {
        'trl/trainer/base_config.py': `from dataclasses import dataclass
from transformers import TrainingArguments

@dataclass
class _BaseConfig(TrainingArguments):
    bf16: bool | None = None
`,
        'trl/trainer/grpo_config.py': `from dataclasses import dataclass, field
from .base_config import _BaseConfig

@dataclass
class GRPOConfig(_BaseConfig):
    beta: float = field(default=0.0)
`,
        'trl/trainer/sft_config.py': `from dataclasses import dataclass
from .base_config import _BaseConfig

@dataclass
class SFTConfig(_BaseConfig):
    completion_only_loss: bool | None = None
`,
      },
      true,
      'trl',
      ['--accelerate', path.join(directory, 'accelerate-src')],
    );
    expect(Object.keys(trl.schemas.accelerate_launch)).toEqual(['--num_processes', '--main_process_ip']);
    expect(Object.keys(trl.schemas.GRPOConfig)).toEqual([
      'output_dir',
      'learning_rate',
      'deepspeed',
      'bf16',
      'beta',
    ]);
    expect(trl.schemas.GRPOConfig.bf16).toEqual({ type: 'bool | None', default: null });
    expect(Object.keys(trl.schemas.SFTConfig)).toContain('completion_only_loss');

    const hparams = (name: string, body: string) =>
      `from dataclasses import dataclass\n${body.replaceAll('NAME', name)}`;
    const llamafactory = await extract(
      'llamafactory',
      {
        'src/llamafactory/hparams/model_args.py': hparams(
          'ModelArguments',
          '@dataclass\nclass NAME:\n    model_name_or_path: str = None\n',
        ),
        'src/llamafactory/hparams/data_args.py': hparams(
          'DataArguments',
          '@dataclass\nclass NAME:\n    template: str = None\n',
        ),
        'src/llamafactory/hparams/finetuning_args.py': hparams(
          'FinetuningArguments',
          '@dataclass\nclass NAME:\n    stage: str = "sft"\n',
        ),
        'src/llamafactory/hparams/generating_args.py': hparams(
          'GeneratingArguments',
          '@dataclass\nclass NAME:\n    do_sample: bool = True\n',
        ),
        'src/llamafactory/hparams/training_args.py': `from dataclasses import dataclass
from transformers import Seq2SeqTrainingArguments

if False:
    from elsewhere import Other as BaseTrainingArguments
else:
    BaseTrainingArguments = Seq2SeqTrainingArguments

@dataclass
class TrainingArguments(BaseTrainingArguments):
    ray_num_workers: int = 1
`,
      },
      true,
    );
    expect(Object.keys(llamafactory.schemas.TrainingArguments)).toEqual([
      'output_dir',
      'learning_rate',
      'deepspeed',
      'bf16',
      'predict_with_generate',
      'ray_num_workers',
    ]);
  });

  it('extract.sh archives a commit of a git repository, writes <engine>@<version>.json and the index', async () => {
    const repository = path.join(directory, 'verl-git');
    await tree(repository, {
      'verl/trainer/config/_generated_ppo_trainer.yaml': 'trainer:\n  save_freq: -1\n',
    });
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', repository, ...args], {
        encoding: 'utf8',
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: 't',
          GIT_AUTHOR_EMAIL: 't@t',
          GIT_COMMITTER_NAME: 't',
          GIT_COMMITTER_EMAIL: 't@t',
        },
      }).trim();
    git('init', '-q');
    git('add', '.');
    git('commit', '-qm', 'release');
    git('tag', 'v9.9.9');
    const commit = git('rev-parse', 'HEAD');
    const out = path.join(directory, 'out');
    execFileSync('bash', [wrapper, 'verl', path.join(repository, '.git'), 'v9.9.9', '9.9.9'], {
      env: { ...process.env, ENGINE_SCHEMAS_OUT: out },
      stdio: 'pipe',
    });
    const data = JSON.parse(await readFile(path.join(out, 'verl@9.9.9.json'), 'utf8'));
    expect(data).toMatchObject({ engine: 'verl', version: '9.9.9', ref: 'v9.9.9', commit });
    expect(data.schemas.ppo_trainer).toEqual({ 'trainer.save_freq': { type: 'int', default: -1 } });
    // The folder's index is regenerated, so adding a version is a data change.
    expect(await readFile(path.join(out, 'index.ts'), 'utf8')).toContain(
      "import row0 from './verl@9.9.9.json';",
    );
  });
});
