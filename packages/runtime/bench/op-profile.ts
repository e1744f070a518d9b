// Where a decode step's time goes inside onnxruntime: the 0.5B bench model's decoder
// (bench/scale-model.ts) run with onnxruntime's profiler for `--steps` one-token steps over a
// `--context`-token cache, its kernel times summed by op type. It bounds what anything outside
// onnxruntime's kernels (feeds, cache handling, sampling) can still win.
//
//   pnpm --filter @facial-r1/runtime exec tsx --conditions=@facial-r1/source bench/op-profile.ts [--dtype fp32] [--batch 1]
import { readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import type { TinyModelDtype } from '@facial-r1/tiny-models';
import { decodeStepFeeds, ensureScaleModel, scaleDecoderFile } from './scale-model';

const { values: args } = parseArgs({
  options: {
    dtype: { type: 'string', default: 'fp32' },
    batch: { type: 'string', default: '1' },
    context: { type: 'string', default: '96' },
    steps: { type: 'string', default: '10' },
  },
});
const dtype = String(args.dtype) as TinyModelDtype;
const batch = Number(args.batch);
const context = Number(args.context);
const directory = await ensureScaleModel([dtype]);
const file = scaleDecoderFile(directory, dtype);
const prefix = path.join(os.tmpdir(), `fr1-op-profile-${process.pid}`);
const session = await ort.InferenceSession.create(file, {
  enableProfiling: true,
  profileFilePrefix: prefix,
  extra: { session: { intra_op: { allow_spinning: '1' } } },
});
const feeds = decodeStepFeeds(dtype, batch, context);
await session.run(feeds);
const steps = Number(args.steps);
const walls: number[] = [];
for (let step = 0; step < steps; step += 1) {
  const started = performance.now();
  await session.run(feeds);
  walls.push(performance.now() - started);
}
session.endProfiling();
await session.release();
// onnxruntime writes `<prefix>_<timestamp>.json`.
const written = (await readdir(path.dirname(prefix)))
  .filter((name) => name.startsWith(path.basename(prefix)) && name.endsWith('.json'))
  .map((name) => path.join(path.dirname(prefix), name));
if (written.length !== 1)
  throw new Error(`expected one profile at ${prefix}_*.json, found ${written.length}`);
const events: { cat: string; name: string; dur: number; args?: { op_name?: string } }[] = JSON.parse(
  await readFile(written[0] as string, 'utf8'),
);
await rm(written[0] as string, { force: true });
const runs = events.filter((event) => event.cat === 'Session' && event.name === 'model_run');
const runUs = runs.slice(-steps).reduce((sum, event) => sum + event.dur, 0) / steps;
const byOp = new Map<string, number>();
const kernels = events.filter((event) => event.cat === 'Node' && event.name.endsWith('_kernel_time'));
// The last `steps` runs only (the first run warms up).
const perStep = kernels.slice(-Math.round((kernels.length * steps) / (steps + 1)));
for (const event of perStep) {
  const op = event.args?.op_name ?? 'unknown';
  byOp.set(op, (byOp.get(op) ?? 0) + event.dur / steps);
}
const kernelUs = [...byOp.values()].reduce((sum, value) => sum + value, 0);
const median = [...walls].sort((a, b) => a - b)[Math.floor(walls.length / 2)] as number;
console.log(
  `${dtype} batch ${batch}, ${context} cached tokens, ${steps} steps: run() ${median.toFixed(1)} ms (median wall), onnxruntime model_run ${(runUs / 1000).toFixed(1)} ms, kernels ${(kernelUs / 1000).toFixed(1)} ms`,
);
console.log('| op type | ms a step | share of kernels |\n|---|---|---|');
for (const [op, us] of [...byOp].sort((a, b) => b[1] - a[1]).slice(0, 12))
  console.log(`| ${op} | ${(us / 1000).toFixed(2)} | ${((100 * us) / kernelUs).toFixed(1)}% |`);
