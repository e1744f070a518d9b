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
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { ensureScaleModel, SCALE_MODEL } from './scale-model';

const { values: args } = parseArgs({
  options: {
    dtype: { type: 'string', default: 'fp32' },
    context: { type: 'string', default: '96' },
    steps: { type: 'string', default: '7' },
  },
});
const SUFFIX: Record<string, string> = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  q4: '_q4',
  q4f16: '_q4f16',
};
const dtype = String(args.dtype);
const directory = await ensureScaleModel([dtype as 'fp32']);
const session = await ort.InferenceSession.create(
  path.join(directory, 'onnx', `decoder_model_merged${SUFFIX[dtype]}.onnx`),
  { extra: { session: { intra_op: { allow_spinning: '0' } } } },
);
const half = dtype === 'fp16' || dtype === 'q4f16';
const floatTensor = (length: number, dims: number[]) =>
  half
    ? new ort.Tensor('float16', new Uint16Array(length).fill(0x2e66), dims)
    : new ort.Tensor('float32', new Float32Array(length).fill(0.1), dims);
const { hiddenSize: hidden, layers, kvHeads } = SCALE_MODEL;
const headDimension = hidden / SCALE_MODEL.heads;
const context = Number(args.context);
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
console.log(
  `| batch | cache bytes a step | all outputs (ms) | logits only (ms) | preallocated (ms) | copy share of the step |\n|---|---|---|---|---|---|`,
);
for (const batch of [1, 8]) {
  const feeds: Record<string, ort.Tensor> = {
    inputs_embeds: floatTensor(batch * hidden, [batch, 1, hidden]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(batch * (context + 1)).fill(1n), [
      batch,
      context + 1,
    ]),
    position_ids: new ort.Tensor('int64', new BigInt64Array(3 * batch).fill(BigInt(context)), [3, batch, 1]),
    num_logits_to_keep: new ort.Tensor('int64', BigInt64Array.of(1n), []),
  };
  const cacheLength = batch * kvHeads * context * headDimension;
  for (let layer = 0; layer < layers; layer += 1)
    for (const kind of ['key', 'value'])
      feeds[`past_key_values.${layer}.${kind}`] = floatTensor(cacheLength, [
        batch,
        kvHeads,
        context,
        headDimension,
      ]);
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
