import { z } from 'zod';

/** A dataset the plan trains on: a public benchmark in its native layout, or FEA JSONL. */
const benchmarkDatasetSchema = z
  .object({
    /** Benchmark id from `@facial-r1/benchmarks` (`rafdb`, `disfa`, ...). */
    benchmark: z.string().min(1),
    /** The dataset's root folder, as downloaded. */
    root: z.string().min(1),
    /** Split to read (default: the adapter's training split). */
    split: z.string().optional(),
    /** DISFA/BP4D fold or explicit subjects. */
    fold: z.number().int().min(0).optional(),
    subjects: z.array(z.string()).optional(),
    /** Read at most this many samples. */
    limit: z.number().int().positive().optional(),
    /** Read images the annotations place outside `root` (`..`, absolute paths, symbolic links). */
    imagesOutsideRoot: z.boolean().optional(),
  })
  .strict();

const jsonlDatasetSchema = z
  .object({
    /** An FEA JSONL file (FEA-20K format). */
    jsonl: z.string().min(1),
    /** Folders that `image` paths are resolved against. */
    images: z.union([z.string(), z.array(z.string())]).optional(),
    limit: z.number().int().positive().optional(),
    /** Read images the file places outside the `images` folders (`..`, absolute paths, symbolic links). */
    imagesOutsideRoot: z.boolean().optional(),
  })
  .strict();

export const datasetSchema = z.union([benchmarkDatasetSchema, jsonlDatasetSchema]);

export const sftEngineIds = ['llamafactory', 'trl'] as const;
export const grpoEngineIds = ['verl', 'trl', 'openrlhf', 'easyr1'] as const;
export const engineIds = ['verl', 'trl', 'openrlhf', 'easyr1', 'llamafactory'] as const;
export type EngineId = (typeof engineIds)[number];

/** Stage 1: teacher-written SFT data, then supervised fine-tuning (FACTS 2). */
const stage1Schema = z
  .object({
    /** Model id of the teacher (`openai:<baseURL>#<model>`, `onnx:<dir>`, `baseline`). */
    teacher: z.string().min(1).optional(),
    /** An existing SFT set (FEA JSONL with `description`) instead of asking a teacher. */
    data: z.string().optional(),
    size: z.number().int().positive().default(300),
    retries: z.number().int().min(0).default(5),
    engine: z.enum(sftEngineIds).default('llamafactory'),
    learningRate: z.number().positive().default(5e-6),
    epochs: z.number().positive().default(2),
    maxLength: z.number().int().positive().default(2048),
    packing: z.boolean().default(true),
    /** Runs the engine through this program, e.g. `["srun", "--nodes=2"]` or `["conda", "run", "-n", "verl"]`. */
    launcher: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict();

/** Stage 2: GRPO with verifiable rewards; defaults are the paper's (FACTS 2). */
const stage2Schema = z
  .object({
    engine: z.enum(grpoEngineIds).default('verl'),
    /** Reward preset of `@facial-r1/rewards`. */
    preset: z.string().default('facial-r1'),
    groupSize: z.number().int().min(2).default(8),
    temperature: z.number().positive().default(1.0),
    klBeta: z.number().min(0).default(0.04),
    clip: z.number().positive().default(0.2),
    learningRate: z.number().positive().default(1e-6),
    epochs: z.number().positive().default(1),
    maxCompletionLength: z.number().int().positive().default(1024),
    maxPromptLength: z.number().int().positive().default(2048),
    /** Prompts per training step (verl `data.train_batch_size`, EasyR1 `data.rollout_batch_size`). */
    batchSize: z.number().int().positive().default(64),
    /**
     * Prompts per policy update (verl `ppo_mini_batch_size`, EasyR1 `worker.actor.global_batch_size`,
     * OpenRLHF `--train.batch_size` / groupSize); must divide `batchSize`.
     */
    miniBatchSize: z.number().int().positive().default(16),
    /** Sequences per GPU per forward/backward pass (the engines' micro-batch sizes). */
    microBatchSizePerGpu: z.number().int().positive().default(2),
    /** Save a checkpoint every N training steps (and at the end); the last one is exported as an HF folder. */
    saveSteps: z.number().int().positive().default(50),
    /** Where the reward server listens while the engine trains. */
    rewardPort: z.number().int().min(0).max(65535).default(8765),
    /**
     * Address the reward server binds. Default `127.0.0.1` on one node, `0.0.0.0` when
     * `hardware.nodes` > 1 (workers on other nodes must reach it). Off loopback the server
     * requires a bearer token: `FEA_REWARD_TOKEN` when set, else one generated per run.
     */
    rewardHost: z.string().min(1).optional(),
    /**
     * The URL engine workers use to reach the reward server. Default
     * `http://127.0.0.1:<port>` on loopback, else `http://<this host's name>:<port>`.
     */
    rewardUrl: z.string().url().optional(),
    /**
     * verl only: write each image's bytes into the parquet (`images: [{bytes}]`, which verl's
     * `process_image` decodes) instead of its absolute path, so the prepared folder carries its
     * images and trains on nodes that cannot reach the dataset folders. Off by default (the
     * parquet grows by the size of the images).
     */
    embedImages: z.boolean().optional(),
    /** Runs the engine through this program, e.g. `["srun", "--nodes=2"]` or `["conda", "run", "-n", "verl"]`. */
    launcher: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict();

/** Stage 3: iterative synthesis rounds (FACTS 2). */
const stage3Schema = z
  .object({
    rounds: z.number().int().min(0).default(1),
    /** The model that writes reasoning: usually the stage-2 checkpoint served by vLLM, or its ONNX export. */
    model: z.string().min(1).optional(),
    retries: z.number().int().min(0).default(5),
    /** `exact`: the reference rule (AU set equals the labels); `f1`: F1 at least `minAuF1`. */
    auRule: z.enum(['exact', 'f1']).default('exact'),
    minAuF1: z.number().min(0).max(1).default(1),
    testFraction: z.number().min(0).max(0.5).default(0.1),
    concurrency: z.number().int().positive().default(8),
  })
  .strict();

const hardwareSchema = z
  .object({
    /** GPUs per node. */
    gpus: z.number().int().positive().default(8),
    nodes: z.number().int().positive().default(1),
    /** Multi-node: the address of node 0 that the other nodes reach (torchrun/accelerate master, Ray head). */
    masterAddress: z.string().min(1).optional(),
    /** Multi-node: the rendezvous port on node 0 (Ray uses 6379). */
    masterPort: z.number().int().min(1).max(65535).default(29500),
    /** Multi-node: this node's rank, 0 on the head node; each node's plan (or its launcher) sets its own. */
    nodeRank: z.number().int().min(0).default(0),
  })
  .strict()
  .superRefine((hardware, context) => {
    if (hardware.nodes > 1 && !hardware.masterAddress)
      context.addIssue({
        code: 'custom',
        path: ['masterAddress'],
        message: `${hardware.nodes} nodes need "masterAddress": the address of node 0 that the other nodes reach`,
      });
    if (hardware.nodeRank >= hardware.nodes)
      context.addIssue({
        code: 'custom',
        path: ['nodeRank'],
        message: `nodeRank ${hardware.nodeRank} is not below nodes (${hardware.nodes})`,
      });
  });

/**
 * The release of each engine the plan runs on (default: its current release, see
 * `DEFAULT_ENGINE_VERSIONS`); what `fea-train` emits is checked against that version's contract.
 */
const engineVersionsSchema = z
  .object(
    Object.fromEntries(
      engineIds.map((id) => [
        id,
        z
          .string()
          .regex(/^v?\d+\.\d+/)
          .optional(),
      ]),
    ) as {
      [K in EngineId]: z.ZodOptional<z.ZodString>;
    },
  )
  .strict();

/** A Facial-R1 training plan: what `fea-train` runs, stage by stage. */
export const planSchema = z
  .object({
    name: z.string().min(1),
    /** The base VLM (a local checkpoint path or a hub id the engine resolves; we download nothing). */
    baseModel: z.string().min(1),
    /** Where every artefact and the state file go (relative to the plan file). */
    workDir: z.string().default('runs'),
    datasets: z.array(datasetSchema).min(1),
    stage1: stage1Schema.default(stage1Schema.parse({})),
    stage2: stage2Schema.default(stage2Schema.parse({})),
    stage3: stage3Schema.default(stage3Schema.parse({})),
    hardware: hardwareSchema.default(hardwareSchema.parse({})),
    /** Engine versions, e.g. `{ verl: "0.7.0", trl: "1.9.0" }`. */
    engines: engineVersionsSchema.default({}),
  })
  .strict();

export type Plan = z.infer<typeof planSchema>;
export type PlanDataset = z.infer<typeof datasetSchema>;
