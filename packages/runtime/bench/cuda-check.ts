// The CUDA device check: the realistic-scale bench model (bench/scale-model.ts, fp32, written
// into .cache on first use) on the CUDA execution provider, ours through createOnnxModel, n=1 and
// an n=8 group, and the decoder's per-step cost with and without bringing the cache back to the
// host. Prints a table; exits 2 with the reason when CUDA cannot be used. Run by cuda-check.sh.
import { parseArgs } from 'node:util';
import type { TinyModelDtype } from '@facial-r1/tiny-models';
import * as ort from 'onnxruntime-node';
import { createOnnxModel } from '../src/onnx/index';
import { decodeStepFeeds, ensureScaleModel, scaleDecoderFile } from './scale-model';

const { values: args } = parseArgs({
  options: { tokens: { type: 'string', default: '32' }, dtype: { type: 'string', default: 'fp32' } },
});
const tokens = Number(args.tokens);
const dtype = String(args.dtype) as TinyModelDtype;
const directory = await ensureScaleModel([dtype]);
const warnings: string[] = [];
const model = await createOnnxModel(directory, {
  device: 'cuda',
  dtype,
  workers: 0,
  onWarning: (message) => warnings.push(message),
});
if (warnings.length > 0) {
  console.error(`CUDA is not usable here, nothing measured:\n${warnings.join('\n')}`);
  await model.dispose();
  process.exit(2);
}
const prompt = {
  messages: [{ role: 'user' as const, content: 'Describe a face that shows surprise, in detail.' }],
};
const generate = async (n: number) =>
  (
    await model.doGenerate({
      prompts: [prompt],
      sampling: n === 1 ? { maxTokens: tokens } : { maxTokens: tokens, n, temperature: 1, topK: 50, seed: 1 },
    })
  ).results[0]!;
await generate(1);
await generate(8); // warm-up: kernels, arenas
const rows: string[] = [];
for (const n of [1, 8]) {
  const rates: number[] = [];
  const prefills: number[] = [];
  for (let round = 0; round < 3; round += 1) {
    const result = await generate(n);
    rates.push((n * (tokens - 1)) / (result.timings.decodeMs / 1000));
    prefills.push(result.timings.prefillMs);
  }
  rates.sort((a, b) => a - b);
  prefills.sort((a, b) => a - b);
  rows.push(
    `| ${n} | ${prefills[1]!.toFixed(1)} | ${rates[1]!.toFixed(1)} | ${rates[0]!.toFixed(1)}-${rates[2]!.toFixed(1)} |`,
  );
}
await model.dispose();

// One decode step straight on the session: every present.* brought back to the host (what
// generation does; onnxruntime-node 1.30 keeps outputs on the device only for WebGPU's
// 'gpu-buffer') against the logits alone (the floor a device-resident cache would reach).
const session = await ort.InferenceSession.create(scaleDecoderFile(directory, dtype), {
  executionProviders: [{ name: 'cuda', deviceId: 0 }],
});
const context = 256;
const steps: string[] = [];
for (const batch of [1, 8]) {
  const feeds = decodeStepFeeds(dtype, batch, context);
  const all: number[] = [];
  const logits: number[] = [];
  await session.run(feeds);
  for (let step = 0; step < 9; step += 1) {
    let started = performance.now();
    await session.run(feeds);
    all.push(performance.now() - started);
    started = performance.now();
    await session.run(feeds, ['logits']);
    logits.push(performance.now() - started);
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[4]!;
  steps.push(`| ${batch} | ${median(all).toFixed(2)} | ${median(logits).toFixed(2)} |`);
}
await session.release();
console.log(`CUDA, 0.5B-class Qwen2-VL text dims with GQA (${dtype}), ${tokens} new tokens, median of 3`);
console.log('| n | prefill (ms) | decode tokens/s | range |\n|---|---|---|---|');
for (const row of rows) console.log(row);
console.log(`\ndecoder step at ${context} cached tokens, median of 9 (ms)`);
console.log('| batch | all outputs to the host | logits only |\n|---|---|---|');
for (const row of steps) console.log(row);
