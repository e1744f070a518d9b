import { FeaError } from '@facial-r1/facs';
import type { EngineId, Plan } from '../plan/plan-schema';
import { SCHEMA_ROWS } from './schemas/index';

/** One key of an engine's configuration, as extracted from its source. */
export interface SchemaKey {
  /** The type as the source writes it (`int`, `Optional[str]`, ...). */
  readonly type?: string;
  /** The literal default; `{ expr }` / `{ factory }` when it is not a literal. */
  readonly default?: unknown;
  /** argparse `action` (`store_true`: a flag without a value). */
  readonly action?: unknown;
  readonly nargs?: unknown;
  readonly choices?: unknown;
  /** `false` for dataclass fields declared `field(init=False)`: computed by the engine, not settable. */
  readonly init?: boolean;
}

/**
 * The contract of one engine at one version, extracted from its own source by
 * `tooling/engine-schemas/extract.py` (keys, types and defaults only).
 */
export interface EngineSchema {
  readonly engine: EngineId;
  readonly version: string;
  /** Tag or branch the commit came from. */
  readonly ref: string | null;
  /** The engine repository's commit the data was extracted from. */
  readonly commit: string;
  /** The transformers wheel whose TrainingArguments the engine inherits (TRL, LLaMA-Factory). */
  readonly transformers: string | null;
  /** Engine files read, relative to its repository. */
  readonly sources: readonly string[];
  /** Named key sets: verl `ppo_trainer`; TRL `GRPOConfig`/`SFTConfig`; OpenRLHF `train_ppo_ray`/`train_sft`; ... */
  readonly schemas: Readonly<Record<string, Readonly<Record<string, SchemaKey>>>>;
}

/**
 * Every engine x version row `fea-train` is checked against: the JSON files in `./schemas`
 * (`tooling/engine-schemas/extract.sh` writes them and regenerates the index).
 */
export const ENGINE_SCHEMAS: readonly EngineSchema[] = SCHEMA_ROWS as EngineSchema[];

/** The version a plan gets when `engines.<id>` is not set: each engine's current release. */
export const DEFAULT_ENGINE_VERSIONS = {
  verl: '0.7.0',
  trl: '1.9.0',
  openrlhf: '0.11.0',
  easyr1: '0.3.2',
  llamafactory: '0.9.5',
} as const satisfies Record<EngineId, string>;

/**
 * The oldest release of each engine that can do what Facial-R1 needs with what `fea-train`
 * emits, and why older ones cannot (FACTS 8).
 */
export const MINIMUM_ENGINE_VERSIONS = {
  verl: {
    version: '0.6.0',
    reason:
      'fea-train emits the trainer config keys of verl 0.6 and later (checked against 0.6.1, 0.7.0 and HEAD)',
  },
  trl: {
    version: '0.22.0',
    reason: 'vision-language SFT and GRPO on images need TRL 0.22 or later',
  },
  openrlhf: {
    version: '0.10.2',
    reason:
      'OpenRLHF trains on images only from 0.10.0 (--data.max_images_per_prompt), and fea-train emits the dotted flags of 0.10.2 and later',
  },
  easyr1: {
    version: '0.3.1',
    reason: 'worker.reward.reward_function=file.py:fn, which fea-train emits, arrived in EasyR1 0.3.1',
  },
  llamafactory: {
    version: '0.9.0',
    reason: 'fea-train emits the hparams of LLaMA-Factory 0.9 (template qwen2_vl)',
  },
} as const satisfies Record<EngineId, { version: string; reason: string }>;

/** An engine version `fea-train` cannot drive; the message names the version that can. */
export class EngineVersionError extends FeaError {
  constructor(message: string) {
    super('trainer/engine-version', message);
  }
}

/** Compares dotted versions numerically (`0.10.2` > `0.9.10`); `dev` tails sort before the release. */
export function compareVersions(left: string, right: string): number {
  const parse = (version: string) =>
    version
      .replace(/^v/, '')
      .split(/[.+-]/)
      .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
  const a = parse(left);
  const b = parse(right);
  for (let index = 0; index < Math.max(a.length, b.length); index += 1) {
    const x = a[index];
    const y = b[index];
    if (x === y) continue;
    if (x === undefined) return typeof y === 'number' ? -1 : 1;
    if (y === undefined) return typeof x === 'number' ? 1 : -1;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    if (typeof x === 'number') return 1;
    if (typeof y === 'number') return -1;
    return x < y ? -1 : 1;
  }
  return 0;
}

const minorOf = (version: string) => version.replace(/^v/, '').split('.').slice(0, 2).join('.');

/** The checked rows of one engine, oldest first. */
export function engineSchemas(engine: EngineId): EngineSchema[] {
  return ENGINE_SCHEMAS.filter((row) => row.engine === engine).sort((a, b) =>
    compareVersions(a.version, b.version),
  );
}

/**
 * The contract to use for `engine` at `version` (default: its current release). An exact
 * match wins; otherwise the newest checked row of the same major.minor line that is not newer
 * than `version` (a later patch release keeps its line's contract). Versions older than
 * {@link MINIMUM_ENGINE_VERSIONS} are refused with the version that can do the job.
 */
export function resolveEngineSchema(engine: EngineId, version?: string): EngineSchema {
  const wanted = version ?? DEFAULT_ENGINE_VERSIONS[engine];
  const rows = engineSchemas(engine);
  const minimum = MINIMUM_ENGINE_VERSIONS[engine];
  if (compareVersions(wanted, minimum.version) < 0) {
    throw new EngineVersionError(
      `${engine} ${wanted} cannot train Facial-R1: ${minimum.reason}. ` +
        `Use ${engine} ${minimum.version} or later (checked: ${rows.map((row) => row.version).join(', ')}).`,
    );
  }
  const exact = rows.find((row) => row.version === wanted.replace(/^v/, ''));
  if (exact) return exact;
  const sameLine = rows
    .filter((row) => minorOf(row.version) === minorOf(wanted) && compareVersions(row.version, wanted) <= 0)
    .at(-1);
  if (sameLine) return sameLine;
  throw new EngineVersionError(
    `${engine} ${wanted} has no checked contract; checked versions: ${rows.map((row) => row.version).join(', ')} ` +
      `(add one with tooling/engine-schemas/extract.sh).`,
  );
}

/** The contract of the engine a plan uses, from `engines.<id>` (default: the current release). */
export function planEngineSchema(plan: Plan, engine: EngineId): EngineSchema {
  return resolveEngineSchema(engine, plan.engines?.[engine]);
}

/** True when `key` exists in the named key set of `schema`. */
export function hasKey(schema: EngineSchema, set: string, key: string): boolean {
  return Object.hasOwn(schema.schemas[set] ?? {}, key);
}
