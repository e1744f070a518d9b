import { readFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineCommand, EngineProgress } from '../engines/engine';
import { createLogParser } from '../engines/log-metrics';
import { formatCommand, launchEngine } from './launch-engine';

const standIn = fileURLToPath(new URL('../__fixtures__/stand-in-engine.mjs', import.meta.url));

// A verl-shaped engine whose command is the stand-in script.
const engine = {
  id: 'stand-in',
  stages: ['grpo'] as const,
  writeDataset: async () => ({ files: [], rows: {} }),
  command: () => {
    throw new Error('unused');
  },
  parseLogLine: createLogParser({
    step: ['step'],
    totalSteps: ['training/total_steps'],
    reward: ['critic/score/mean'],
    loss: ['actor/pg_loss'],
    checkpointPattern: /saved checkpoint to\s+(\S+)/,
  }),
};

function command(env: Record<string, string>, files: Record<string, string> = {}): EngineCommand {
  return {
    command: process.execPath,
    args: [standIn, '-m', 'verl.trainer.main_ppo', 'trainer.total_epochs=1'],
    env,
    files,
    outputDirectory: 'checkpoints',
  };
}

describe('launchEngine', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'fea-launch-'));
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  it('streams the log, parses progress and records the checkpoint and exit status', async () => {
    const events: EngineProgress[] = [];
    const runDirectory = path.join(directory, 'ok');
    const configFile = path.join(runDirectory, 'engine-config.json');
    const record = await launchEngine(engine, command({ STAND_IN_STEPS: '4' }, { [configFile]: '{"a":1}' }), {
      directory: runDirectory,
      onProgress: (progress) => events.push(progress),
      env: { FEA_REWARD_URL: 'http://127.0.0.1:9/' },
    });
    expect(record.exitCode).toBe(0);
    expect(record.interrupted).toBe(false);
    expect(events.map((event) => event.step).filter(Boolean)).toEqual([1, 2, 3, 4, 4]);
    expect(record.lastProgress).toMatchObject({ step: 4, totalSteps: 4, reward: 0.4, loss: 0.25 });
    expect(record.checkpoints).toEqual([path.join(runDirectory, 'checkpoints/global_step_4')]);
    const log = await readFile(record.logFile, 'utf8');
    expect(log).toContain('reward url: http://127.0.0.1:9/');
    expect(log).toContain("{'loss': 0.2500, 'epoch': 1.00}");
    expect(JSON.parse(await readFile(configFile, 'utf8'))).toEqual({ a: 1 });
    expect(JSON.parse(await readFile(path.join(runDirectory, 'launch.json'), 'utf8'))).toMatchObject({
      exitCode: 0,
    });
  });

  it('reports a failing engine with its exit code', async () => {
    const record = await launchEngine(engine, command({ STAND_IN_STEPS: '1', STAND_IN_EXIT: '3' }), {
      directory: path.join(directory, 'fail'),
    });
    expect(record.exitCode).toBe(3);
    expect(record.lastProgress?.step).toBe(1);
  });

  it('forwards an interrupt (Ctrl-C) to the engine as SIGINT and records it', async () => {
    const controller = new AbortController();
    const record = await launchEngine(engine, command({ STAND_IN_STEPS: '2', STAND_IN_WAIT_SIGINT: '1' }), {
      directory: path.join(directory, 'interrupt'),
      signal: controller.signal,
      onLine: (line) => {
        if (line === 'waiting for SIGINT') controller.abort();
      },
    });
    expect(record.interrupted).toBe(true);
    expect(record.exitCode).toBe(130);
    expect(await readFile(record.logFile, 'utf8')).toContain('received SIGINT, saving and exiting');
  });

  it('rejects with an actionable error when the engine cannot be started', async () => {
    await expect(
      launchEngine(
        engine,
        { ...command({}), command: path.join(directory, 'no-such-engine') },
        { directory: path.join(directory, 'missing') },
      ),
    ).rejects.toThrow(/cannot start stand-in: .*ENOENT.*--dry-run/);
  });

  it('formats commands for copy-paste', () => {
    expect(
      formatCommand({
        command: 'python3',
        args: ['-m', 'verl.trainer.main_ppo', "trainer.logger=['console']"],
        env: { A: 'b c' },
        files: {},
        outputDirectory: '',
      }),
    ).toBe(String.raw`A='b c' python3 -m verl.trainer.main_ppo 'trainer.logger=['\''console'\'']'`);
  });
});
