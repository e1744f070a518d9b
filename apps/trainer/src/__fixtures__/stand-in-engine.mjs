#!/usr/bin/env node
// A stand-in for a training engine: prints log lines shaped like verl's console logger and
// HF Trainer's, then exits with the code the test chose. It ignores the real engine's
// arguments (they follow in argv). Behaviour comes from the environment:
//   STAND_IN_STEPS       number of steps to print (default 3)
//   STAND_IN_EXIT        exit code (default 0)
//   STAND_IN_WAIT_SIGINT "1": after the steps, wait until SIGINT, print it, exit 130
//   STAND_IN_STEP_DELAY  ms between steps (default 0)
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
