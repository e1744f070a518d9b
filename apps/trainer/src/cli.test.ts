import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { writeFixtureDataset } from '@facial-r1/benchmarks/testing';
import { bridgePath } from '@facial-r1/rewards';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('./bin.ts', import.meta.url));
const tsx = createRequire(import.meta.url).resolve('tsx');
const node = [process.execPath, '--conditions=@facial-r1/source', '--import', tsx, bin];
const hasPython = await run('python3', ['--version']).then(
  () => true,
  () => {
    console.warn('python3 not found: the bridge-against-serve-rewards test is skipped');
    return false;
  },
);

const cli = (args: string[], cwd: string) =>
  run(node[0]!, [...node.slice(1), ...args], { cwd }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  );

describe('fea-train CLI', () => {
  let directory: string;
  let server: ChildProcess | undefined;
  beforeAll(async () => {
    // A space and a non-ASCII letter: every printed path must survive the shell.
    directory = await mkdtemp(path.join(os.tmpdir(), 'fea train cli é-'));
    await writeFixtureDataset('fea20k', path.join(directory, 'fea20k'), { perClass: 1 });
    await writeFile(
      path.join(directory, 'plan.yaml'),
      `name: cli\nbaseModel: /models/qwen\ndatasets:\n  - benchmark: fea20k\n    root: fea20k\n    split: train\nstage1:\n  data: fea20k/train.jsonl\nstage2:\n  engine: verl\n  preset: aligned\n  rewardPort: 0\n  batchSize: 4\n  miniBatchSize: 4\nstage3:\n  rounds: 0\n`,
    );
  });
  afterAll(async () => {
    server?.kill('SIGTERM');
    await rm(directory, { recursive: true, force: true });
  });

  it('plan: prints stages, data sizes and steps', async () => {
    const result = await cli(['plan', 'plan.yaml'], directory);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Data: 4 samples');
    expect(result.stdout).toContain(
      'Stage 2 (GRPO, verl 0.7.0): preset aligned, group 8, temperature 1, KL 0.04, clip 0.2',
    );
    expect(result.stdout).toContain('[ ] stage2/train');
  });

  it('plan --json: names the engine releases the plan was checked against', async () => {
    const result = await cli(['plan', 'plan.yaml', '--json'], directory);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).engineVersions).toEqual({
      sft: { engine: 'llamafactory', version: '0.9.5' },
      grpo: { engine: 'verl', version: '0.7.0' },
    });
  });

  it('launch --dry-run prints shell lines that paste as they are, writes what they name, records nothing', async () => {
    const result = await cli(['launch', 'plan.yaml', '--stage', 'grpo', '--dry-run'], directory);
    expect(result.code).toBe(0);
    const script = result.stdout.slice(result.stdout.indexOf('# stage2/train'));
    expect(script).toMatch(/^# stage2\/train: verl grpo, not started \(dry run\)/);
    expect(script).not.toMatch(/^''/m);
    expect(script).toMatch(/^fea-train serve-rewards .*plan\.yaml' --host 127\.0\.0\.1 --port 8765 &$/m);
    expect(script).toMatch(/^FEA_REWARD_URL=http:\/\/127\.0\.0\.1:8765 python3 -m verl\.trainer\.main_ppo /m);

    // Pasted into bash with the programs replaced by recorders: what would they receive?
    const record = await mkdtemp(path.join(os.tmpdir(), 'fea-dry-'));
    try {
      const stubs = `
fea-train() { printf '%s\\0' "$@" > "$RECORD/server"; }
python3() {
  if [ -e "$RECORD/engine" ]; then printf '%s\\0' "$@" > "$RECORD/after"; pwd > "$RECORD/after-cwd"; return; fi
  printf '%s\\0' "$@" > "$RECORD/engine"; pwd > "$RECORD/cwd"; printf '%s' "$FEA_REWARD_URL" > "$RECORD/url"
}
`;
      await run('bash', ['-c', `${stubs}\n${script}\nwait`], { env: { ...process.env, RECORD: record } });
      const words = async (name: string) =>
        (await readFile(path.join(record, name), 'utf8')).split('\0').slice(0, -1);
      expect(await words('server')).toEqual([
        'serve-rewards',
        path.join(directory, 'plan.yaml'),
        '--host',
        '127.0.0.1',
        '--port',
        '8765',
      ]);
      const engine = await words('engine');
      expect(engine.slice(0, 2)).toEqual(['-m', 'verl.trainer.main_ppo']);
      expect((await readFile(path.join(record, 'cwd'), 'utf8')).trim()).toBe(
        path.join(directory, 'runs/stage2/grpo'),
      );
      expect(await readFile(path.join(record, 'url'), 'utf8')).toBe('http://127.0.0.1:8765');
      // After the engine, in the same folder: verl's model merger turns the last FSDP checkpoint
      // (4 rows in batches of 4: step 1) into the HF folder that vllm serve and stage 3 load.
      expect(await words('after')).toEqual([
        '-m',
        'verl.model_merger',
        'merge',
        '--backend',
        'fsdp',
        '--local_dir',
        path.join(directory, 'runs/stage2/grpo/checkpoints/global_step_1/actor'),
        '--target_dir',
        path.join(directory, 'runs/stage2/grpo/hf'),
      ]);
      expect((await readFile(path.join(record, 'after-cwd'), 'utf8')).trim()).toBe(
        path.join(directory, 'runs/stage2/grpo'),
      );
      // Every file of the work dir the command names exists (data, bridge, its client).
      const named = engine
        .map((word) => word.slice(word.indexOf('=') + 1))
        .filter((value) => value.startsWith(directory) && path.extname(value));
      expect(named.length).toBeGreaterThanOrEqual(3);
      for (const file of named) await access(file);
      await access(
        path.join(path.dirname(named.find((file) => file.endsWith('_reward.py'))!), '_facial_r1_client.py'),
      );
    } finally {
      await rm(record, { recursive: true, force: true });
    }
    const state = JSON.parse(await readFile(path.join(directory, 'runs/state.json'), 'utf8'));
    expect(Object.keys(state.steps)).toEqual(['collect', 'stage2/prepare']);
  });

  it('exit codes: 2 for usage errors, 1 for a failed run with a clear message', async () => {
    expect((await cli(['launch', 'plan.yaml', '--stage', 'rl'], directory)).code).toBe(2);
    expect((await cli(['frobnicate'], directory)).code).toBe(2);
    const missing = await cli(['plan', 'nope.yaml'], directory);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope\.yaml: cannot read the plan file/);
  });

  it.skipIf(!hasPython)(
    'serve-rewards answers the Python bridges (verl, TRL, EasyR1) run by python3',
    async () => {
      server = spawn(node[0]!, [...node.slice(1), 'serve-rewards', 'plan.yaml', '--port', '0'], {
        cwd: directory,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const url = await new Promise<string>((resolve, reject) => {
        server!.stdout!.on('data', (chunk: Buffer) => {
          const match = /listening on (http:\/\/\S+)/.exec(chunk.toString());
          if (match) resolve(match[1]!);
        });
        server!.once('exit', (code) => reject(new Error(`serve-rewards exited with ${code}`)));
      });
      const truth = JSON.stringify(JSON.stringify({ labels: ['happiness'], AUs: ['AU6', 'AU12'] }));
      const good = JSON.stringify(
        '<think>Cheeks raised (AU6) and lip corners pulled (AU12).</think><answer>happiness</answer>',
      );
      const load = (engine: 'verl' | 'trl' | 'easyr1') =>
        `import importlib.util, json\nspec = importlib.util.spec_from_file_location("b", ${JSON.stringify(bridgePath(engine))})\nb = importlib.util.module_from_spec(spec)\nspec.loader.exec_module(b)\n`;
      const python = async (code: string) =>
        JSON.parse(
          (await run('python3', ['-c', code], { env: { ...process.env, FEA_REWARD_URL: url } })).stdout,
        );
      const verl = await python(
        `${load('verl')}print(json.dumps(b.compute_score("fea20k", ${good}, ${truth})))`,
      );
      expect(verl).toMatchObject({ score: 3.5, consistency: 1 });
      const trl = await python(
        `${load('trl')}print(json.dumps(b.facial_r1_reward(completions=[${good}], labels=[["happiness"]], AUs=[["AU6", "AU12"]])))`,
      );
      expect(trl).toEqual([3.5]);
      const easyr1 = await python(
        `${load('easyr1')}print(json.dumps(b.compute_score([{"response": ${good}, "response_length": 9, "ground_truth": ${truth}}])))`,
      );
      expect(easyr1[0].overall).toBe(3.5);
      server.kill('SIGTERM');
      expect(await new Promise((resolve) => server!.once('exit', (code) => resolve(code)))).toBe(0);
      server = undefined;
    },
  );

  it('serve-rewards stopped the moment it prints its address still closes cleanly (exit 0)', async () => {
    for (let round = 0; round < 3; round += 1) {
      const started = spawn(node[0]!, [...node.slice(1), 'serve-rewards', 'plan.yaml', '--port', '0'], {
        cwd: directory,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let output = '';
      const exited = new Promise<number | null>((resolve) => started.once('exit', resolve));
      await new Promise<void>((resolve) =>
        started.stdout!.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes('listening on')) resolve();
        }),
      );
      started.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output).toContain('Reward server stopped.');
    }
  }, 60_000);
});

describe('fea-train init', () => {
  it('writes an example plan whose dry run prepares every step', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'fea-train-init-'));
    try {
      const init = await cli(['init', 'example'], directory);
      expect(init.code).toBe(0);
      const result = await cli(['run', 'example/plan.yaml', '--dry-run'], directory);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(
        /Dry run finished: 4 step\(s\) run, 0 skipped, 2 not run \(dry run; still to do\)/,
      );
      const state = JSON.parse(
        await readFile(path.join(directory, 'example/runs/example/state.json'), 'utf8'),
      );
      expect(Object.keys(state.steps)).toEqual([
        'collect',
        'stage1/teacher',
        'stage1/prepare',
        'stage2/prepare',
      ]);
      expect(result.stdout).toMatch(/^FORCE_TORCHRUN=1 NNODES=1 NPROC_PER_NODE=8 llamafactory-cli train /m);
      expect(result.stdout).toMatch(
        /^FEA_REWARD_URL=http:\/\/127\.0\.0\.1:8765 python3 -m verl\.trainer\.main_ppo /m,
      );
      // 12 rows in batches of 8: one step, whose FSDP checkpoint is merged into an HF folder.
      expect(result.stdout).toMatch(
        /^python3 -m verl\.model_merger merge --backend fsdp --local_dir \S+\/stage2\/grpo\/checkpoints\/global_step_1\/actor --target_dir \S+\/stage2\/grpo\/hf$/m,
      );
      const config = /llamafactory-cli train (\S+)/.exec(result.stdout)![1]!;
      await access(config);
      const again = await cli(['run', 'example/plan.yaml', '--dry-run'], directory);
      expect(again.stdout).toMatch(/Dry run finished: 0 step\(s\) run, 4 skipped, 2 not run/);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
