import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  AutoProcessor,
  env,
  Qwen2VLForConditionalGeneration,
  RawImage,
  Tensor,
} from '@huggingface/transformers';
import { writeTinyQwenVLModel } from '@facial-r1/tiny-models';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeaModel } from '../model';
import { createOnnxModel } from './create-onnx-model';

let root: string;
/** The default: sessions and generation in an inference worker thread. */
let model: FeaModel;
/** The same model on the calling thread, for its internals (`preparePrompt`). */
let local: FeaModel;
const name = 'tiny-qwen2-vl';

async function photo(file: string, width: number, height: number, orientation?: number): Promise<string> {
  const data = Buffer.alloc(width * height * 3);
  for (let index = 0; index < data.length; index += 1) data[index] = (index * 37) % 251;
  const image = sharp(data, { raw: { width, height, channels: 3 } });
  await writeFile(file, await (orientation ? image.withMetadata({ orientation }) : image).jpeg().toBuffer());
  return file;
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'fr1-onnx-'));
  await writeTinyQwenVLModel(path.join(root, name), { architecture: 'qwen2-vl', seed: 3 });
  model = await createOnnxModel(path.join(root, name));
  local = await createOnnxModel(path.join(root, name), { workers: 0 });
});

afterAll(async () => {
  await model?.dispose();
  await local?.dispose();
  await rm(root, { recursive: true, force: true });
});

describe('createOnnxModel on a tiny Qwen2-VL', () => {
  it('generates greedily, deterministically, up to maxTokens', async () => {
    const request = {
      prompts: [{ messages: [{ role: 'user' as const, content: 'Hello there' }] }],
      sampling: { maxTokens: 12 },
    };
    const first = await model.doGenerate(request);
    const second = await model.doGenerate(request);
    const completion = first.results[0]?.completions[0];
    expect(completion?.finishReason).toBe('length');
    expect(completion?.completionTokens).toBe(12);
    expect(second.results[0]?.completions[0]?.text).toBe(completion?.text);
  });

  it('matches transformers.js token for token (image prompt, 32 greedy tokens)', async () => {
    env.allowRemoteModels = false;
    env.localModelPath = root;
    const processor = await AutoProcessor.from_pretrained(name);
    const reference = await Qwen2VLForConditionalGeneration.from_pretrained(name, { dtype: 'fp32' });
    const image = await photo(path.join(root, 'face.jpg'), 200, 150, 6);
    const messages = [
      {
        role: 'user',
        content: [{ type: 'image' }, { type: 'text', text: 'What is the emotion of this face?' }],
      },
    ];
    const text = processor.apply_chat_template(messages, { add_generation_prompt: true });
    const inputs = await processor(text, await RawImage.read(image));
    const output = (await reference.generate({ ...inputs, max_new_tokens: 32, do_sample: false })) as {
      tolist(): bigint[][];
    };
    const promptLength = inputs.input_ids.dims[1];
    const expected = output.tolist()[0]?.slice(promptLength).map(Number) ?? [];
    await reference.dispose();

    const internal = local as unknown as { preparePrompt: (prompt: unknown) => Promise<{ ids: number[] }> };
    const prompt = {
      messages: [
        {
          role: 'user' as const,
          content: [
            { type: 'image' as const },
            { type: 'text' as const, text: 'What is the emotion of this face?' },
          ],
        },
      ],
      images: [image],
    };
    const prepared = await internal.preparePrompt(prompt);
    expect(prepared.ids).toEqual(Array.from(inputs.input_ids.data as BigInt64Array, Number));
    const result = await model.doGenerate({ prompts: [prompt], sampling: { maxTokens: 32 } });
    expect(result.results[0]?.completions[0]?.completionTokens).toBe(32);
    expect(expected).toHaveLength(32);
    const tokenizerText = processor.tokenizer?.decode(expected, { skip_special_tokens: true });
    expect(result.results[0]?.completions[0]?.text).toBe(tokenizerText);
  }, 60_000);

  // transformers.js 4.3.1 (and 4.3.2) computes the text-only rope delta as max + 1 + length in
  // `_get_text_only_rope_index`, where the Python reference (`Qwen2VLModel.get_rope_index`, no
  // images) has max + 1 - length: its decode positions then run 2 x length ahead and its text-only
  // generations drift after the first token. The reference here is transformers.js with exactly
  // that sign corrected on the instance, everything else (sessions, cache, greedy search) its own.
  it('matches transformers.js token for token (text-only prompt, 32 greedy tokens; its rope-delta sign corrected)', async () => {
    env.allowRemoteModels = false;
    env.localModelPath = root;
    const processor = await AutoProcessor.from_pretrained(name);
    const reference = await Qwen2VLForConditionalGeneration.from_pretrained(name, { dtype: 'fp32' });
    const text = processor.apply_chat_template([{ role: 'user', content: 'Describe a smiling face.' }], {
      add_generation_prompt: true,
    });
    const inputs = await processor(text);
    const promptLength = inputs.input_ids.dims[1] as number;
    const generate = async () => {
      const output = (await reference.generate({ ...inputs, max_new_tokens: 32, do_sample: false })) as {
        tolist(): bigint[][];
      };
      return output.tolist()[0]?.slice(promptLength).map(Number) ?? [];
    };
    const asShipped = await generate();
    const patched = reference as unknown as {
      _get_text_only_rope_index: (ids: Tensor, mask: Tensor) => [Tensor, Tensor];
    };
    const original = patched._get_text_only_rope_index.bind(reference);
    patched._get_text_only_rope_index = (ids, mask) => {
      const [positions, deltas] = original(ids, mask);
      const length = BigInt(mask.dims.at(-1) as number);
      const corrected = (deltas.data as BigInt64Array).map((delta) => delta - 2n * length);
      expect(Array.from(corrected)).toEqual([0n]); // no padding: the Python delta is 0
      return [positions, new Tensor('int64', corrected, deltas.dims)];
    };
    const expected = await generate();
    await reference.dispose();

    const internal = local as unknown as { preparePrompt: (prompt: unknown) => Promise<{ ids: number[] }> };
    const prompt = { messages: [{ role: 'user' as const, content: 'Describe a smiling face.' }] };
    expect((await internal.preparePrompt(prompt)).ids).toEqual(
      Array.from(inputs.input_ids.data as BigInt64Array, Number),
    );
    const result = await model.doGenerate({ prompts: [prompt], sampling: { maxTokens: 32 } });
    const completion = result.results[0]?.completions[0];
    expect(expected).toHaveLength(32);
    expect(completion?.completionTokens).toBe(32);
    expect(completion?.text).toBe(processor.tokenizer?.decode(expected, { skip_special_tokens: true }));
    // The prefill is unaffected by the sign: as shipped, transformers.js agrees on the first token.
    expect(asShipped[0]).toBe(expected[0]);
  }, 60_000);

  it('shares one prefill across an n-sample group and reproduces seeded samples', async () => {
    const request = {
      prompts: [{ messages: [{ role: 'user' as const, content: 'Describe the face.' }] }],
      sampling: { n: 4, temperature: 1, topK: 50, topP: 0.9, seed: 42, maxTokens: 8 },
    };
    const first = await model.doGenerate(request);
    const second = await model.doGenerate(request);
    const texts = first.results[0]?.completions.map((completion) => completion.text);
    expect(texts).toHaveLength(4);
    expect(second.results[0]?.completions.map((completion) => completion.text)).toEqual(texts);
    expect(new Set(texts).size).toBeGreaterThan(1);
  });
});

describe('createOnnxModel on a tiny Qwen2.5-VL', () => {
  it('matches transformers.js token for token (image prompt, 32 greedy tokens)', async () => {
    const { Qwen2_5_VLForConditionalGeneration } = await import('@huggingface/transformers');
    const name25 = 'tiny-qwen2.5-vl';
    await writeTinyQwenVLModel(path.join(root, name25), { architecture: 'qwen2.5-vl', seed: 4 });
    env.allowRemoteModels = false;
    env.localModelPath = root;
    const processor = await AutoProcessor.from_pretrained(name25);
    const reference = await Qwen2_5_VLForConditionalGeneration.from_pretrained(name25, { dtype: 'fp32' });
    const image = await photo(path.join(root, 'wide.jpg'), 320, 120, 3);
    const messages = [
      { role: 'user', content: [{ type: 'image' }, { type: 'text', text: 'Which AUs are active?' }] },
    ];
    const inputs = await processor(
      processor.apply_chat_template(messages, { add_generation_prompt: true }),
      await RawImage.read(image),
    );
    const output = (await reference.generate({ ...inputs, max_new_tokens: 32, do_sample: false })) as {
      tolist(): bigint[][];
    };
    const expected = output.tolist()[0]?.slice(inputs.input_ids.dims[1]).map(Number) ?? [];
    await reference.dispose();
    const ours = await createOnnxModel(path.join(root, name25));
    const result = await ours.doGenerate({
      prompts: [
        {
          messages: [
            { role: 'user', content: [{ type: 'image' }, { type: 'text', text: 'Which AUs are active?' }] },
          ],
          images: [image],
        },
      ],
      sampling: { maxTokens: 32 },
    });
    await ours.dispose();
    expect(expected).toHaveLength(32);
    expect(result.results[0]?.completions[0]?.text).toBe(
      processor.tokenizer?.decode(expected, { skip_special_tokens: true }),
    );
  }, 60_000);
});
