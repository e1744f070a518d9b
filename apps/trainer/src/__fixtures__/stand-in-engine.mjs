#!/usr/bin/env node
// A stand-in for a training engine: prints log lines shaped like verl's console logger and
// HF Trainer's, saves `checkpoints/global_step_<n>/actor/` in its working directory after each
// step (as verl with save_freq 1 does), then exits with the code the test chose. It ignores the
// real engine's arguments (they follow in argv), except that it plays a model merger when they
// name one (`-m verl.model_merger merge ... --local_dir D --target_dir T`, or EasyR1's
// `scripts/model_merger.py --local_dir D`, also run as `-c <code naming it>`, which writes
// `D/huggingface`): it refuses a missing
// `--local_dir` as the real mergers do and writes an HF folder (model.safetensors, and a
// config.json naming the merged checkpoint relative to it).
// Behaviour comes from the environment:
//   STAND_IN_STEPS       number of steps to print (default 3)
//   STAND_IN_EXIT        exit code (default 0)
//   STAND_IN_MERGE_EXIT  the merger's exit code (default 0; not 0 = fails before writing)
//   STAND_IN_WAIT_SIGINT "1": after the steps, wait until SIGINT, print it, exit 130
//   STAND_IN_STEP_DELAY  ms between steps (default 0)
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
if (args.includes('verl.model_merger') || args.some((arg) => arg.includes('model_merger.py'))) {
  const flag = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const local = flag('--local_dir');
  console.log(`stand-in merger: ${args.join(' ')}`);
  const mergeExit = Number(process.env.STAND_IN_MERGE_EXIT ?? 0);
  if (mergeExit !== 0) {
    console.error('stand-in merger: failing as asked');
    process.exit(mergeExit);
  }
  if (!local || !existsSync(local)) {
    console.error(`stand-in merger: no checkpoint at --local_dir ${local}`);
    process.exit(1);
  }
  const target = flag('--target_dir') ?? path.join(local, 'huggingface');
  mkdirSync(target, { recursive: true });
  writeFileSync(
    path.join(target, 'config.json'),
    JSON.stringify({ merged_from: path.relative(target, local) }),
  );
  writeFileSync(path.join(target, 'model.safetensors'), '');
  console.log(`stand-in merger: wrote ${target}`);
  process.exit(0);
}

const steps = Number(process.env.STAND_IN_STEPS ?? 3);
const exitCode = Number(process.env.STAND_IN_EXIT ?? 0);
const delay = Number(process.env.STAND_IN_STEP_DELAY ?? 0);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

console.log(`stand-in engine started with ${process.argv.length - 2} arguments`);
console.log(`reward url: ${process.env.FEA_REWARD_URL ?? '(none)'}`);
for (let step = 1; step <= steps; step += 1) {
  console.log(
    `step:${step} - training/total_steps:${steps} - critic/score/mean:${(0.1 * step).toFixed(3)} - actor/pg_loss:${(1 / step).toFixed(4)}`,
  );
  console.error(`{'loss': ${(1 / step).toFixed(4)}, 'epoch': ${(step / steps).toFixed(2)}}`);
  mkdirSync(`${process.cwd()}/checkpoints/global_step_${step}/actor`, { recursive: true });
  if (delay) await sleep(delay);
}
const checkpoint = `${process.cwd()}/checkpoints/global_step_${steps}`;
console.log(`saved checkpoint to ${checkpoint}`);
if (process.env.STAND_IN_WAIT_SIGINT === '1') {
  process.on('SIGINT', () => {
    console.log('received SIGINT, saving and exiting');
    process.exit(130);
  });
  console.log('waiting for SIGINT');
  setInterval(() => {}, 1000);
} else {
  process.exit(exitCode);
}
