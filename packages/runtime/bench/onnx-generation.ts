// Ours vs transformers.js on the same generated tiny Qwen2-VL model, in one run:
// prompt prefill ms, decode tokens/s (n=1 and an n=8 group), image preprocessing images/s.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
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
import { createOnnxModel, processQwenImage, readImageProcessorConfig } from '../src/index';

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
await ours.doGenerate({ prompts: [prompt], sampling: { maxTokens: 4 } });
await ours.doGenerate({ prompts: [prompt], sampling: { maxTokens: tokens } });
const single = (await ours.doGenerate({ prompts: [prompt], sampling: { maxTokens: tokens } })).results[0];
const group = (
  await ours.doGenerate({
    prompts: [prompt],
    sampling: { maxTokens: tokens, n: 8, temperature: 1, topK: 50, seed: 1 },
  })
).results[0];
if (!single || !group) throw new Error('no result');
const ourPrefill = single.timings.prefillMs;
const ourDecode = (tokens - 1) / (single.timings.decodeMs / 1000);
const ourGroup = (8 * (tokens - 1)) / (group.timings.decodeMs / 1000);

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
const generate = async (maxNewTokens: number) => {
  const inputs = await processor(text, await RawImage.read(image));
  await reference.generate({ ...inputs, max_new_tokens: maxNewTokens, do_sample: false });
};
const median = async (work: () => Promise<unknown>, runs = 3) => {
  const times: number[] = [];
  for (let run = 0; run < runs; run += 1) times.push(await time(work));
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)] as number;
};
await generate(2);
await generate(tokens);
const theirPrefill = await median(() => generate(1));
const theirFull = await median(() => generate(tokens));
const theirDecode = (tokens - 1) / ((theirFull - theirPrefill) / 1000);
// transformers.js has no shared-prefill group: the peer runs the 8 samples one after another.
const theirGroupMs = await time(async () => {
  for (let sample = 0; sample < 8; sample += 1) {
    const inputs = await processor(text, await RawImage.read(image));
    await reference.generate({ ...inputs, max_new_tokens: tokens, do_sample: true, top_k: 50 });
  }
});
const theirGroup = (8 * (tokens - 1)) / ((theirGroupMs - 8 * theirPrefill) / 1000);

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
  `tiny Qwen2-VL (hidden 64, 4 layers, vocab 151936), 448x448 JPEG, ${tokens} new tokens, prompt ${single.promptTokens} tokens`,
);
console.log('| measure | ours | transformers.js | ratio (ours better > 1) |\n|---|---|---|---|');
for (const [label, a, b, ratio] of rows)
  console.log(`| ${label} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${ratio.toFixed(2)}x |`);
await ours.dispose();
await reference.dispose();
await rm(root, { recursive: true, force: true });
