// What the KV cache's round trip through JS costs per decode step on the CPU, and what the
// options onnxruntime-node 1.30 offers change: the 0.5B bench model's decoder (bench/scale-model.ts),
// a prompt of `--context` tokens, batch 1 and 8. Each option is timed over the same steps
// (median of `--steps`), alternating:
//   all outputs    - what generation does: every present.* comes back as a new JS buffer
//   logits only    - fetches just the logits (the presents are computed but not copied out):
//                    the floor a device-resident cache would reach on this path
//   preallocated   - present.* and logits passed in as preallocated outputs
//
//   pnpm --filter @facial-r1/runtime exec tsx --conditions=@facial-r1/source bench/kv-roundtrip.ts [--dtype fp32] [--context 96]
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import type { TinyModelDtype } from '@facial-r1/tiny-models';
import {
  constantFloats,
  decodeStepFeeds,
  ensureScaleModel,
  halfPrecision,
  SCALE_MODEL,
  scaleDecoderFile,
} from './scale-model';

const { values: args } = parseArgs({
  options: {
    dtype: { type: 'string', default: 'fp32' },
    context: { type: 'string', default: '96' },
    steps: { type: 'string', default: '7' },
  },
});
const dtype = String(args.dtype) as TinyModelDtype;
const directory = await ensureScaleModel([dtype]);
const session = await ort.InferenceSession.create(scaleDecoderFile(directory, dtype), {
  extra: { session: { intra_op: { allow_spinning: '0' } } },
});
const half = halfPrecision(dtype);
const floatTensor = (length: number, dims: number[]) => constantFloats(dtype, length, dims);
const { hiddenSize: hidden, layers, kvHeads } = SCALE_MODEL;
const headDimension = hidden / SCALE_MODEL.heads;
const context = Number(args.context);
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
console.log(
  `| batch | cache bytes a step | all outputs (ms) | logits only (ms) | preallocated (ms) | copy share of the step |\n|---|---|---|---|---|---|`,
);
for (const batch of [1, 8]) {
  const feeds = decodeStepFeeds(dtype, batch, context);
  const presentLength = batch * kvHeads * (context + 1) * headDimension;
  const preallocated: Record<string, ort.Tensor> = {
    logits: new ort.Tensor('float32', new Float32Array(batch * 151936), [batch, 1, 151936]),
  };
  if (half)
    preallocated.logits = new ort.Tensor('float16', new Uint16Array(batch * 151936), [batch, 1, 151936]);
  for (let layer = 0; layer < layers; layer += 1)
    for (const kind of ['key', 'value'])
      preallocated[`present.${layer}.${kind}`] = floatTensor(presentLength, [
        batch,
        kvHeads,
        context + 1,
        headDimension,
      ]);
  const times = { all: [] as number[], logits: [] as number[], preallocated: [] as number[] };
  const time = async (work: () => Promise<unknown>) => {
    const started = performance.now();
    await work();
    return performance.now() - started;
  };
  await session.run(feeds);
  for (let step = 0; step < Number(args.steps); step += 1) {
    times.all.push(await time(() => session.run(feeds)));
    times.logits.push(await time(() => session.run(feeds, ['logits'])));
    times.preallocated.push(await time(() => session.run(feeds, preallocated)));
  }
  const all = median(times.all);
  const logits = median(times.logits);
  const bytes = 2 * layers * presentLength * (half ? 2 : 4);
  console.log(
    `| ${batch} | ${(bytes / 1e6).toFixed(1)} MB | ${all.toFixed(1)} | ${logits.toFixed(1)} | ${median(times.preallocated).toFixed(1)} | ${((100 * (all - logits)) / all).toFixed(1)}% |`,
  );
}
await session.release();
