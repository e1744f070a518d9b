import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { EngineId } from '../plan/plan-schema';
import type { EngineCommand, Stage } from './engine';
import type { EngineSchema, SchemaKey } from './engine-versions';

/** One thing an engine would reject (or silently ignore) in what `fea-train` emits. */
export interface ContractViolation {
  /** The config key, CLI flag or dataclass field concerned. */
  readonly key: string;
  readonly message: string;
  /** The engine file whose check this mirrors (`verl/workers/config/actor.py`), or `schema` for unknown keys. */
  readonly source: string;
  /** The plan field the value comes from, for errors that name the plan line. */
  readonly planField?: string;
}

/** What a command sets, read back from the command line and the files it names. */
export interface EmittedConfig {
  /** The key sets of the engine schema the keys must exist in (any of them). */
  readonly sets: readonly string[];
  /** Key -> value as the engine will parse it. */
  readonly values: Readonly<Record<string, unknown>>;
}

/** The LLaMA-Factory argument dataclasses its YAML keys are parsed into (HfArgumentParser). */
const LLAMA_FACTORY_SETS = [
  'ModelArguments',
  'DataArguments',
  'TrainingArguments',
  'FinetuningArguments',
  'GeneratingArguments',
];

/** A Hydra/OmegaConf command-line value as those parsers read it. */
function overrideValue(text: string): unknown {
  if (text === 'null') return null;
  if (text === 'true' || text === 'True') return true;
  if (text === 'false' || text === 'False') return false;
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return Number(text);
  if (text.startsWith('[') && text.endsWith(']'))
    return text
      .slice(1, -1)
      .split(',')
      .map((part) => part.trim().replace(/^['"]|['"]$/g, ''))
      .filter(Boolean);
  return text.replace(/^['"]|['"]$/g, '');
}

function keyValueArgs(args: readonly string[], module: string): Record<string, unknown> {
  const start = args.indexOf(module);
  const values: Record<string, unknown> = {};
  for (const arg of args.slice(start + 1)) {
    const equals = arg.indexOf('=');
    if (equals <= 0) continue;
    values[arg.slice(0, equals)] = overrideValue(arg.slice(equals + 1));
  }
  return values;
}

function argparseArgs(
  args: readonly string[],
  module: string,
  flags: Readonly<Record<string, SchemaKey>>,
): Record<string, unknown> {
  const start = args.indexOf(module);
  const values: Record<string, unknown> = {};
  const rest = args.slice(start + 1);
  for (let index = 0; index < rest.length; index += 1) {
    const flag = rest[index]!;
    if (!flag.startsWith('--')) continue;
    const known = flags[flag];
    if (known?.action === 'store_true' || known?.action === 'store_false') {
      values[flag] = known.action === 'store_true';
      continue;
    }
    const taken: string[] = [];
    while (index + 1 < rest.length && !rest[index + 1]!.startsWith('--')) {
      index += 1;
      taken.push(rest[index]!);
    }
    values[flag] = taken.length === 1 ? overrideValue(taken[0]!) : taken.map(overrideValue);
  }
  return values;
}

/** Reads back what `command` sets for `engine`: its overrides, flags or config file keys. */
export function readEmittedConfig(
  engine: EngineId,
  stage: Stage,
  command: EngineCommand,
  schema: EngineSchema,
): EmittedConfig {
  switch (engine) {
    case 'verl':
      return { sets: ['ppo_trainer'], values: keyValueArgs(command.args, 'verl.trainer.main_ppo') };
    case 'easyr1':
      return { sets: ['PPOConfig'], values: keyValueArgs(command.args, 'verl.trainer.main') };
    case 'openrlhf': {
      const flags = schema.schemas.train_ppo_ray ?? {};
      return {
        sets: ['train_ppo_ray'],
        values: argparseArgs(command.args, 'openrlhf.cli.train_ppo_ray', flags),
      };
    }
    case 'trl': {
      const file = Object.keys(command.files).find((name) => path.basename(name) === `trl-${stage}.json`);
      const config = file
        ? (JSON.parse(command.files[file]!) as { trainer_args?: Record<string, unknown> })
        : {};
      return { sets: [stage === 'sft' ? 'SFTConfig' : 'GRPOConfig'], values: config.trainer_args ?? {} };
    }
    case 'llamafactory': {
      const file = Object.keys(command.files).find((name) => name.endsWith('.yaml'));
      return {
        sets: LLAMA_FACTORY_SETS,
        values: file ? (parseYaml(command.files[file]!) as Record<string, unknown>) : {},
      };
    }
  }
}

/** Every key that does not exist in the engine's schema at that version, or that the engine computes itself. */
export function checkKeys(schema: EngineSchema, emitted: EmittedConfig): ContractViolation[] {
  const violations: ContractViolation[] = [];
  for (const [key, value] of Object.entries(emitted.values)) {
    const set = emitted.sets.find((name) => Object.hasOwn(schema.schemas[name] ?? {}, key));
    const where = `${schema.engine} ${schema.version} (${schema.commit.slice(0, 12)})`;
    if (!set) {
      violations.push({
        key,
        source: 'schema',
        message: `"${key}" does not exist in ${emitted.sets.join('/')} of ${where}`,
      });
      continue;
    }
    const entry = schema.schemas[set]![key]!;
    if (entry.init === false)
      violations.push({
        key,
        source: 'schema',
        message: `"${key}" is computed by ${where} (init=False); setting it has no effect`,
      });
    if (Array.isArray(entry.choices) && !entry.choices.includes(value))
      violations.push({
        key,
        source: 'schema',
        message: `"${key}" is ${String(value)}; ${where} accepts ${entry.choices.join(', ')}`,
      });
    if (
      (entry.type === 'int' || entry.type === 'float') &&
      entry.nargs === undefined &&
      typeof value !== 'number'
    )
      violations.push({
        key,
        source: 'schema',
        message: `"${key}" must be a number in ${where}, got ${JSON.stringify(value)}`,
      });
  }
  return violations;
}

/** The value the engine will run with: what we emit, else the default from its source. */
export function effectiveValue(schema: EngineSchema, emitted: EmittedConfig, key: string): unknown {
  if (Object.hasOwn(emitted.values, key)) return emitted.values[key];
  for (const set of emitted.sets) {
    const entry = schema.schemas[set]?.[key];
    if (entry) return entry.default;
  }
  return undefined;
}

/**
 * `--flags` (also `--flag=value`) of a helper command that are missing from an argparse key set
 * of the engine's schema: `accelerate launch` for TRL, the model mergers of verl and EasyR1.
 * Nothing is checked when the row has no such set.
 */
export function checkFlags(
  schema: EngineSchema,
  set: string,
  args: readonly string[],
  what: string,
): ContractViolation[] {
  const flags = schema.schemas[set];
  if (!flags) return [];
  return args
    .filter((arg) => arg.startsWith('--'))
    .map((arg) => arg.split('=')[0]!)
    .filter((flag) => !Object.hasOwn(flags, flag))
    .map((flag) => ({
      key: flag,
      source: 'schema',
      message: `${what}: "${flag}" does not exist in ${set} of ${schema.engine} ${schema.version} (${schema.commit.slice(0, 12)})`,
    }));
}
