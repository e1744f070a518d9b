// Ours vs transformers.js on the same generated tiny Qwen2-VL model, in one run:
// prompt prefill ms, decode tokens/s (n=1 and an n=8 group), image preprocessing images/s.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import path from 'node:path';
import { writeTinyQwenVLModel } from '@facial-r1/tiny-models';
import {
  AutoProcessor,
  env,
  Qwen2VLForConditionalGeneration,
  Qwen2VLImageProcessor,
  RawImage,
} from '@huggingface/transformers';
import sharp from 'sharp';
import { createOnnxModel, processQwenImage, readImageProcessorConfig } from '../src/onnx/index';

const root = await mkdtemp(path.join(os.tmpdir(), 'fr1-bench-'));
const name = 'bench-qwen2-vl';
const directory = path.join(root, name);
await writeTinyQwenVLModel(directory, {
  architecture: 'qwen2-vl',
  seed: 1,
  hiddenSize: 64,
  heads: 4,
  layers: 4,
});
const image = path.join(root, 'face.jpg');
const raw = Buffer.alloc(448 * 448 * 3).map((_, index) => (index * 31) % 253);
await writeFile(
  image,
  await sharp(raw, { raw: { width: 448, height: 448, channels: 3 } })
    .jpeg()
    .toBuffer(),
);
const question = 'What is the emotion of this face?';
const tokens = 64;

const ours = await createOnnxModel(directory);
const prompt = {
  messages: [
    {
      role: 'user' as const,
      content: [{ type: 'image' as const }, { type: 'text' as const, text: question }],
    },
  ],
  images: [image],
};
env.allowRemoteModels = false;
env.localModelPath = root;
const processor = await AutoProcessor.from_pretrained(name);
const reference = await Qwen2VLForConditionalGeneration.from_pretrained(name, { dtype: 'fp32' });
const text = processor.apply_chat_template(
  [{ role: 'user', content: [{ type: 'image' }, { type: 'text', text: question }] }],
  { add_generation_prompt: true },
);
const time = async (work: () => Promise<unknown>) => {
  const start = performance.now();
  await work();
  return performance.now() - start;
};
const theirGenerate = async (maxNewTokens: number, sample = false) => {
  const inputs = await processor(text, await RawImage.read(image));
  await reference.generate({
    ...inputs,
    max_new_tokens: maxNewTokens,
    do_sample: sample,
    ...(sample ? { top_k: 50 } : {}),
  });
};
const ourGenerate = async (n: number, seed: number) =>
  (
    await ours.doGenerate({
      prompts: [prompt],
      sampling: n === 1 ? { maxTokens: tokens } : { maxTokens: tokens, n, temperature: 1, topK: 50, seed },
    })
  ).results[0]!;

// Warm-up (JIT, caches) for both, then rounds that alternate ours and theirs, so drift on a
// shared machine hits both sides alike; each measure is the median over the rounds.
for (let run = 0; run < 2; run += 1) {
  await ourGenerate(1, 0);
  await ourGenerate(8, 0);
  await theirGenerate(tokens);
  await theirGenerate(tokens, true);
}
const rounds = 5;
const samples = { ourPrefill: [] as number[], ourDecode: [] as number[], ourGroup: [] as number[] };
const theirs = { prefill: [] as number[], decode: [] as number[], group: [] as number[] };
let promptTokens = 0;
for (let round = 0; round < rounds; round += 1) {
  const single = await ourGenerate(1, round);
  promptTokens = single.promptTokens;
  samples.ourPrefill.push(single.timings.prefillMs);
  samples.ourDecode.push((tokens - 1) / (single.timings.decodeMs / 1000));
  const prefill = await time(() => theirGenerate(1));
  const full = await time(() => theirGenerate(tokens));
  theirs.prefill.push(prefill);
  theirs.decode.push((tokens - 1) / ((full - prefill) / 1000));
  const group = await ourGenerate(8, round);
  samples.ourGroup.push((8 * (tokens - 1)) / (group.timings.decodeMs / 1000));
  // transformers.js has no shared-prefill group: the peer runs the 8 samples one after another.
  const sequential = await time(async () => {
    for (let sample = 0; sample < 8; sample += 1) await theirGenerate(tokens, true);
  });
  theirs.group.push((8 * (tokens - 1)) / ((sequential - 8 * prefill) / 1000));
}
const middle = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const ourPrefill = middle(samples.ourPrefill);
const ourDecode = middle(samples.ourDecode);
const ourGroup = middle(samples.ourGroup);
const theirPrefill = middle(theirs.prefill);
const theirDecode = middle(theirs.decode);
const theirGroup = middle(theirs.group);

const config = readImageProcessorConfig({ max_pixels: 200704, min_pixels: 3136 });
const imageProcessor = new Qwen2VLImageProcessor({
  do_convert_rgb: true,
  do_normalize: true,
  do_rescale: true,
  do_resize: true,
  image_mean: [0.48145466, 0.4578275, 0.40821073],
  image_std: [0.26862954, 0.26130258, 0.27577711],
  max_pixels: 200704,
  min_pixels: 3136,
  merge_size: 2,
  patch_size: 14,
  temporal_patch_size: 2,
  resample: 3,
  rescale_factor: 1 / 255,
} as never);
const images = 30;
const ourImages =
  images /
  ((await time(async () => {
    for (let i = 0; i < images; i += 1) await processQwenImage(image, config);
  })) /
    1000);
const theirImages =
  images /
  ((await time(async () => {
    for (let i = 0; i < images; i += 1) await imageProcessor(await RawImage.read(image));
  })) /
    1000);

const rows = [
  ['prompt prefill (ms, lower is better)', ourPrefill, theirPrefill, theirPrefill / ourPrefill],
  ['decode n=1 (tokens/s)', ourDecode, theirDecode, ourDecode / theirDecode],
  ['decode n=8 group (tokens/s)', ourGroup, theirGroup, ourGroup / theirGroup],
  ['image preprocessing (images/s)', ourImages, theirImages, ourImages / theirImages],
] as const;
console.log(
  `tiny Qwen2-VL (hidden 64, 4 layers, vocab 151936), 448x448 JPEG, ${tokens} new tokens, prompt ${promptTokens} tokens, median of ${rounds} alternating rounds`,
);
console.log('| measure | ours | transformers.js | ratio (ours better > 1) |\n|---|---|---|---|');
for (const [label, a, b, ratio] of rows)
  console.log(`| ${label} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${ratio.toFixed(2)}x |`);
await ours.dispose();
await reference.dispose();

// Where inference runs: on the calling thread (workers: 0), in one worker (the default), in two.
// A batch of 4 image prompts, n=4 each; the event loop's delay is sampled meanwhile.
const batch = {
  prompts: [prompt, prompt, prompt, prompt],
  sampling: { maxTokens: 32, n: 4, temperature: 1, topK: 50, seed: 3 },
};
console.log(
  '\n| inference placement | batch wall (ms) | prompts/s | event-loop delay p99 (ms) | max (ms) |\n|---|---|---|---|---|',
);
for (const workers of [0, 1, 2]) {
  const model = await createOnnxModel(directory, { workers });
  await model.doGenerate(batch); // warm-up: every placement measured with a warm JIT
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  const wall = await time(() => model.doGenerate(batch));
  histogram.disable();
  const label =
    workers === 0 ? 'calling thread (workers: 0)' : `${workers} worker thread${workers > 1 ? 's' : ''}`;
  console.log(
    `| ${label} | ${wall.toFixed(0)} | ${(4 / (wall / 1000)).toFixed(2)} | ${(histogram.percentile(99) / 1e6).toFixed(1)} | ${(histogram.max / 1e6).toFixed(1)} |`,
  );
  await model.dispose();
}
await rm(root, { recursive: true, force: true });
