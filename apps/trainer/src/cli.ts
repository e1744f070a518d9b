import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { exitCodeFor, FeaError } from '@facial-r1/spec';
import { createRewardServer, relaunchForServing } from '@facial-r1/rewards';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { collectSamples } from './data/collect-samples';
import { dryRunScript } from './launch/dry-run-script';
import { planEngineSchema } from './engines/engine-versions';
import { createPlanModelResolver } from './models';
import { loadPlan } from './plan/load-plan';
import { registerReviewCommand } from './review/review-command';
import {
  describeErrorForCli,
  describeProgress,
  findUnknownOption,
  ProgressReporter,
} from '@facial-r1/cli-kit';
import { rewardEndpoint } from './run/reward-endpoint';
import { type DryRunCommand, planSteps, type RunEvent, runPlan } from './run/run-plan';
import { prepareValues, trainValues } from './run/step-values';
import { StateStore } from './run/state-store';

/** Exit codes: 0 success, 1 a failed run, 2 a usage error. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

// src/cli.ts and dist/bin.js are both one folder below the package root.
const VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

const integer = (value: string) => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError('expected a whole number');
  return parsed;
};

/** Prints run events through a reporter. */
function eventPrinter(reporter: ProgressReporter, verbose: boolean) {
  return (event: RunEvent) => {
    if (event.type === 'step-skipped') reporter.log(`- ${event.step}: up to date, skipped`);
    else if (event.type === 'step-started') reporter.log(`> ${event.step}`);
    else if (event.type === 'step-finished') reporter.log(`+ ${event.step}: done`);
    else if (event.type === 'step-dry') reporter.log(`~ ${event.step}: not run (${event.reason})`);
    else if (event.type === 'progress')
      reporter.update(`  ${event.step}  ${describeProgress(event.progress)}`);
    else if (event.type === 'log' && verbose) reporter.log(`  | ${event.line}`);
  };
}

/** An AbortController tied to Ctrl-C / SIGTERM for the length of one command. */
function interruptible() {
  const controller = new AbortController();
  const stop = (signal: NodeJS.Signals) => {
    process.stderr.write(`\n${signal}: stopping (finished steps are kept; rerun to resume)...\n`);
    controller.abort();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    },
  };
}

/** The process {@link createProgram}'s commands run as, when they run as this process's own CLI. */
export interface CliProcess {
  /** The command line (`process.argv`), which `serve-rewards` may run again in a child process. */
  readonly argv: readonly string[];
  /** Called with the code the process must end with when a child did the work. */
  exitWith(code: number): void;
}

/**
 * Builds the `fea-train` program. With `cliProcess` (the bin passes it; tests running commands
 * in-process do not), `serve-rewards` serves from a child process on glibc Linux (see
 * `relaunchForServing`).
 */
export function createProgram(cliProcess?: CliProcess): Command {
  const program = new Command('fea-train')
    .description(
      "Facial-R1's three training stages on existing engines (verl, TRL, OpenRLHF, EasyR1, LLaMA-Factory).",
    )
    .version(VERSION)
    .option(
      '--allow-outside-plan-dir',
      "accept a plan whose workDir is absolute or leads out of the plan file's folder",
    )
    .showHelpAfterError()
    .addHelpText(
      'after',
      `
Examples:
  fea-train init example                         an example plan and a small synthetic dataset
  fea-train plan plan.yaml                       what will run, with data sizes and step state
  fea-train prepare plan.yaml --stage grpo       write the engine's dataset, config and reward bridge
  fea-train serve-rewards plan.yaml              the reward server with the plan's preset
  fea-train launch plan.yaml --stage grpo --dry-run
  fea-train synth plan.yaml --round 1            one stage-3 synthesis round
  fea-train run plan.yaml                        the whole loop; rerun to resume
  fea-train review runs/x/stage3/round-1         review a round in the browser; --apply merges the decisions`,
    );

  program
    .command('init')
    .argument('[directory]', 'where to write the example', 'fea-train-example')
    .description(
      'Write an example plan and a small synthetic dataset (FEA-20K layout) to try every step without GPUs',
    )
    .action(async (directory: string) => {
      const root = path.resolve(directory);
      const { writeFixtureDataset } = await import('@facial-r1/benchmarks/testing');
      const data = await writeFixtureDataset('fea20k', path.join(root, 'data', 'fea20k'), { perClass: 3 });
      const plan = `# An example Facial-R1 plan on a small SYNTHETIC dataset (coloured shapes, fixed labels):
# it exercises data preparation, the reward server and the run state machine, not learning.
# Replace the datasets with real ones (fea-eval list shows the layouts) and baseModel with a checkpoint.
name: example
baseModel: /models/Qwen2.5-VL-7B-Instruct
workDir: runs/example
datasets:
  - benchmark: fea20k
    root: data/fea20k
    split: train
stage1:
  data: data/fea20k/train.jsonl   # or teacher: "openai:http://127.0.0.1:8001/v1#gpt-4o-mini"
  engine: llamafactory
stage2:
  engine: verl
  preset: facial-r1
  batchSize: 8                    # the paper's 64 needs at least 64 rows: verl drops a partial batch
  miniBatchSize: 4                # prompts per update; at most batchSize (paper: 16)
stage3:
  rounds: 0                       # set 1+ with model: "openai:<vLLM serving the stage-2 checkpoint>#<name>"
hardware:
  gpus: 8
  nodes: 1
`;
      await writeFile(path.join(root, 'plan.yaml'), plan);
      console.log(
        `Wrote ${path.join(root, 'plan.yaml')} and a synthetic FEA-20K-layout dataset (${data.counts.train} train / ${data.counts.test} test samples).`,
      );
      console.log(
        `Next: fea-train plan ${path.join(directory, 'plan.yaml')}   then   fea-train run ${path.join(directory, 'plan.yaml')} --dry-run`,
      );
    });

  program
    .command('plan')
    .argument('<plan>', 'plan file (YAML or JSON)')
    .description('Validate a plan and print what will run, with data sizes')
    .option('--json', 'machine-readable output')
    .action(async (file: string, options: { json?: boolean }) => {
      const loaded = await loadPlan(file, {
        allowOutsidePlanDir: program.opts().allowOutsidePlanDir === true,
      });
      const samples = await collectSamples(loaded);
      const perDataset: Record<string, number> = {};
      for (const sample of samples) perDataset[sample.dataset] = (perDataset[sample.dataset] ?? 0) + 1;
      const state = await StateStore.open(loaded.workDir);
      const steps = planSteps(loaded).map((step) => ({ step, done: Boolean(state.snapshot.steps[step]) }));
      const { plan } = loaded;
      if (options.json) {
        console.log(
          JSON.stringify(
            {
              plan,
              workDir: loaded.workDir,
              samples: samples.length,
              perDataset,
              steps,
              // The engine releases whose contracts the plan was checked against.
              engineVersions: {
                sft: {
                  engine: plan.stage1.engine,
                  version: planEngineSchema(plan, plan.stage1.engine).version,
                },
                grpo: {
                  engine: plan.stage2.engine,
                  version: planEngineSchema(plan, plan.stage2.engine).version,
                },
              },
            },
            null,
            2,
          ),
        );
        return;
      }
      console.log(`Plan "${plan.name}"  base model ${plan.baseModel}  work dir ${loaded.workDir}`);
      console.log(
        `Data: ${samples.length} samples (${Object.entries(perDataset)
          .map(([name, count]) => `${name} ${count}`)
          .join(', ')})`,
      );
      console.log(
        `Stage 1 (SFT, ${plan.stage1.engine} ${planEngineSchema(plan, plan.stage1.engine).version}): ${plan.stage1.data ? `data ${plan.stage1.data}` : `teacher ${plan.stage1.teacher ?? '(none)'}, ${plan.stage1.size} examples`}, lr ${plan.stage1.learningRate}, ${plan.stage1.epochs} epochs, max length ${plan.stage1.maxLength}`,
      );
      console.log(
        `Stage 2 (GRPO, ${plan.stage2.engine} ${planEngineSchema(plan, plan.stage2.engine).version}): preset ${plan.stage2.preset}, group ${plan.stage2.groupSize}, temperature ${plan.stage2.temperature}, KL ${plan.stage2.klBeta}, clip ${plan.stage2.clip}, lr ${plan.stage2.learningRate}, max completion ${plan.stage2.maxCompletionLength}, batch ${plan.stage2.batchSize}/${plan.stage2.miniBatchSize}/${plan.stage2.microBatchSizePerGpu} (step/update/micro), checkpoint every ${plan.stage2.saveSteps} steps`,
      );
      console.log(
        `Stage 3: ${plan.stage3.rounds} round(s), model ${plan.stage3.model ?? '(set stage3.model)'}, rule ${plan.stage3.auRule}, retries ${plan.stage3.retries}`,
      );
      console.log(
        `Hardware: ${plan.hardware.nodes} node(s) x ${plan.hardware.gpus} GPU(s)${plan.hardware.nodes > 1 ? `, master ${plan.hardware.masterAddress}:${plan.hardware.masterPort}, this node rank ${plan.hardware.nodeRank}` : ''}`,
      );
      console.log('Steps:');
      for (const { step, done } of steps) console.log(`  [${done ? 'x' : ' '}] ${step}`);
    });

  program
    .command('prepare')
    .argument('<plan>', 'plan file')
    .description("Write an engine's dataset, its config or command line, and the reward bridge")
    .addOption(new Option('--stage <stage>', 'training stage').choices(['sft', 'grpo']).makeOptionMandatory())
    .addOption(
      new Option('--engine <engine>', "engine (default: the plan's)").choices([
        'verl',
        'trl',
        'openrlhf',
        'easyr1',
        'llamafactory',
      ]),
    )
    .action(async (file: string, options: { stage: 'sft' | 'grpo'; engine?: string }) => {
      const loaded = await loadPlan(file, {
        allowOutsidePlanDir: program.opts().allowOutsidePlanDir === true,
      });
      const engine =
        options.engine ?? (options.stage === 'sft' ? loaded.plan.stage1.engine : loaded.plan.stage2.engine);
      const stopAfter = options.stage === 'sft' ? 'stage1/prepare' : 'stage2/prepare';
      const reporter = new ProgressReporter();
      const patched = withEngine(loaded, options.stage, engine);
      const result = await runPlan(patched, {
        resolveModel: createPlanModelResolver(),
        stopAfter,
        onEvent: eventPrinter(reporter, false),
        only:
          options.stage === 'sft'
            ? ['collect', 'stage1/teacher', 'stage1/prepare']
            : ['collect', 'stage2/prepare'],
      });
      const state = await StateStore.open(loaded.workDir);
      const record = state.snapshot.steps[stopAfter];
      const prepared = record && prepareValues(stopAfter, record, state.file);
      console.log(
        `Prepared ${engine} ${options.stage} data in ${prepared?.directory} (${JSON.stringify(prepared?.rows)})`,
      );
      const bridge = Object.keys(record?.outputs ?? {}).find((output) => output.endsWith('_reward.py'));
      if (bridge) {
        console.log(
          `Reward bridge: ${bridge} (with _facial_r1_client.py beside it; copy the whole folder). It finds the server through FEA_REWARD_URL / FEA_REWARD_TOKEN or facial_r1_reward.json there.`,
        );
      }
      console.log(`State: ${result.stateFile}`);
    });

  program
    .command('serve-rewards')
    .argument('<plan>', 'plan file')
    .description("Serve the plan's reward preset over HTTP (POST /score, POST /openrlhf) until Ctrl-C")
    .option(
      '--host <host>',
      "address to bind (default: the plan's stage2.rewardHost; 0.0.0.0 when hardware.nodes > 1, else 127.0.0.1)",
    )
    .option('--port <port>', "port (default: the plan's stage2.rewardPort)", integer)
    .option(
      '--token <token>',
      'require this bearer token (default FEA_REWARD_TOKEN; generated and printed when binding off loopback)',
    )
    .action(async (file: string, options: { host?: string; port?: number; token?: string }) => {
      const loaded = await loadPlan(file, {
        allowOutsidePlanDir: program.opts().allowOutsidePlanDir === true,
      });
      const plan = options.host
        ? { ...loaded.plan, stage2: { ...loaded.plan.stage2, rewardHost: options.host } }
        : loaded.plan;
      const endpoint = rewardEndpoint(plan, {
        port: options.port ?? loaded.plan.stage2.rewardPort,
        env: options.token ? { ...process.env, FEA_REWARD_TOKEN: options.token } : process.env,
      });
      const server = createRewardServer({
        preset: loaded.plan.stage2.preset,
        host: endpoint.host,
        port: endpoint.port,
        token: endpoint.token,
      });
      // On glibc Linux the server runs in a child started with a malloc setting that lets memory
      // go back after large requests (see relaunchForServing in @facial-r1/rewards).
      const relaunched = cliProcess && (await relaunchForServing(cliProcess.argv));
      if (relaunched !== undefined) {
        cliProcess?.exitWith(relaunched);
        return;
      }
      // Signals are handled from before listening: Ctrl-C or SIGTERM the moment the address is
      // printed still closes the server cleanly.
      const stopped = new Promise<string>((resolve) => {
        process.once('SIGINT', () => resolve('SIGINT'));
        process.once('SIGTERM', () => resolve('SIGTERM'));
      });
      const { url } = await server.listen();
      console.log(`Reward server (${loaded.plan.stage2.preset}) listening on ${url}`);
      if (endpoint.token && !options.token && !process.env.FEA_REWARD_TOKEN) {
        console.log(
          `Bearer token (give it to the engine as FEA_REWARD_TOKEN): export FEA_REWARD_TOKEN=${endpoint.token}`,
        );
      }
      await stopped;
      await server.close();
      console.log('Reward server stopped.');
    });

  program
    .command('launch')
    .argument('<plan>', 'plan file')
    .description(
      'Prepare (if needed) and start the engine for one stage; streams progress; Ctrl-C stops it cleanly',
    )
    .addOption(new Option('--stage <stage>', 'training stage').choices(['sft', 'grpo']).makeOptionMandatory())
    .option(
      '--dry-run',
      'write the files the engine reads and print the shell lines that start it (reward server, environment, command); records nothing',
    )
    .option('--verbose', 'echo the engine log')
    .action(async (file: string, options: { stage: 'sft' | 'grpo'; dryRun?: boolean; verbose?: boolean }) => {
      const loaded = await loadPlan(file, {
        allowOutsidePlanDir: program.opts().allowOutsidePlanDir === true,
      });
      const stopAfter = options.stage === 'sft' ? 'stage1/train' : 'stage2/train';
      const reporter = new ProgressReporter();
      const interrupt = interruptible();
      let dryRuns: readonly DryRunCommand[] = [];
      try {
        ({ dryRuns } = await runPlan(loaded, {
          resolveModel: createPlanModelResolver(),
          stopAfter,
          only:
            options.stage === 'sft'
              ? ['collect', 'stage1/teacher', 'stage1/prepare', 'stage1/train']
              : ['collect', 'stage2/prepare', 'stage2/train'],
          dryRun: options.dryRun,
          signal: interrupt.signal,
          onEvent: eventPrinter(reporter, Boolean(options.verbose)),
        }));
      } finally {
        interrupt.dispose();
      }
      if (options.dryRun) {
        const dry = dryRuns.find((item) => item.step === stopAfter);
        if (dry) console.log(dryRunScript(dry, loaded.file));
        else console.log(`${stopAfter} is already done; nothing to start.`);
        return;
      }
      const state = await StateStore.open(loaded.workDir);
      const record = state.snapshot.steps[stopAfter];
      const trained = record && trainValues(stopAfter, record, state.file);
      console.log(`Trained model (HF folder for vllm serve and the next stage): ${trained?.checkpoint}`);
    });

  program
    .command('synth')
    .argument('<plan>', 'plan file')
    .description("Run one stage-3 synthesis round with the plan's stage3.model (resumable)")
    .requiredOption('--round <k>', 'round number (1-based)', integer)
    .action(async (file: string, options: { round: number }) => {
      const loaded = await loadPlan(file, {
        allowOutsidePlanDir: program.opts().allowOutsidePlanDir === true,
      });
      if (options.round < 1 || options.round > loaded.plan.stage3.rounds) {
        throw new FeaError(
          'trainer/usage',
          `--round must be between 1 and stage3.rounds (${loaded.plan.stage3.rounds})`,
          { category: 'usage' },
        );
      }
      const reporter = new ProgressReporter();
      const interrupt = interruptible();
      try {
        await runPlan(loaded, {
          resolveModel: createPlanModelResolver(),
          stopAfter: `stage3/round-${options.round}/synthesize`,
          only: ['collect', `stage3/round-${options.round}/synthesize`],
          signal: interrupt.signal,
          onEvent: eventPrinter(reporter, false),
        });
      } finally {
        interrupt.dispose();
      }
    });

  program
    .command('run')
    .argument('<plan>', 'plan file')
    .description(
      'Run every stage as a resumable state machine; rerun to continue, changed sections are redone',
    )
    .option(
      '--dry-run',
      'run the data steps and print the shell lines of every training step without starting engines; training stays to do',
    )
    .option('--stop-after <step>', 'stop cleanly after this step (see `fea-train plan` for step names)')
    .option('--verbose', 'echo engine logs')
    .action(async (file: string, options: { dryRun?: boolean; stopAfter?: string; verbose?: boolean }) => {
      const loaded = await loadPlan(file, {
        allowOutsidePlanDir: program.opts().allowOutsidePlanDir === true,
      });
      const reporter = new ProgressReporter();
      const interrupt = interruptible();
      try {
        const result = await runPlan(loaded, {
          resolveModel: createPlanModelResolver(),
          dryRun: options.dryRun,
          stopAfter: options.stopAfter,
          signal: interrupt.signal,
          onEvent: eventPrinter(reporter, Boolean(options.verbose)),
        });
        const ran = result.steps.filter((step) => !step.skipped && !step.dry).length;
        const skipped = result.steps.filter((step) => step.skipped).length;
        const dry = result.steps.filter((step) => step.dry).length;
        console.log(
          `${result.stopped ? 'Stopped' : options.dryRun ? 'Dry run finished' : 'Finished'}: ${ran} step(s) run, ${skipped} skipped${options.dryRun ? `, ${dry} not run (dry run; still to do)` : ''}. State: ${result.stateFile}`,
        );
        for (const item of result.dryRuns) console.log(`\n${dryRunScript(item, loaded.file)}`);
      } finally {
        interrupt.dispose();
      }
    });

  registerReviewCommand(program);

  return program;
}

function withEngine(loaded: Awaited<ReturnType<typeof loadPlan>>, stage: 'sft' | 'grpo', engine: string) {
  const plan =
    stage === 'sft'
      ? { ...loaded.plan, stage1: { ...loaded.plan.stage1, engine: engine as 'trl' } }
      : { ...loaded.plan, stage2: { ...loaded.plan.stage2, engine: engine as 'verl' } };
  return { ...loaded, plan };
}

/** Runs the CLI and returns the exit code (0 ok, 1 failed, 2 usage). */
export async function main(argv: readonly string[] = process.argv): Promise<number> {
  let childExit: number | undefined;
  const cliProcess: CliProcess | undefined =
    argv === process.argv ? { argv, exitWith: (code) => (childExit = code) } : undefined;
  const program = createProgram(cliProcess).exitOverride();
  for (const command of program.commands) command.exitOverride();
  const unknown = findUnknownOption(program, argv);
  if (unknown) {
    console.error(unknown);
    return EXIT.usage;
  }
  try {
    await mkdir(path.resolve('.'), { recursive: true });
    await program.parseAsync([...argv]);
    return childExit ?? EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    console.error(`fea-train: ${describeErrorForCli(error)}`);
    return exitCodeFor(error);
  }
}
