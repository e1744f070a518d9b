import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AutoProcessor, env, Qwen2VLForConditionalGeneration, RawImage } from '@huggingface/transformers';
import { writeTinyQwenVLModel } from '@facial-r1/tiny-models';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeaModel } from '../model';
import { createOnnxModel } from './create-onnx-model';

let root: string;
let model: FeaModel;
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
});

afterAll(async () => {
  await model?.dispose();
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

    const internal = model as unknown as { preparePrompt: (prompt: unknown) => Promise<{ ids: number[] }> };
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

  // transformers.js 4.3.1 computes text-only rope deltas as max + 1 + length (Python: max + 1 - length), so its
  // decode positions drift after the prefill; only the prefill (first token) can be compared for text-only prompts.
  it('matches transformers.js on the text-only prefill (first greedy token)', async () => {
    env.allowRemoteModels = false;
    env.localModelPath = root;
    const processor = await AutoProcessor.from_pretrained(name);
    const reference = await Qwen2VLForConditionalGeneration.from_pretrained(name, { dtype: 'fp32' });
    const text = processor.apply_chat_template([{ role: 'user', content: 'Describe a smiling face.' }], {
      add_generation_prompt: true,
    });
    const inputs = await processor(text);
    const output = (await reference.generate({ ...inputs, max_new_tokens: 32, do_sample: false })) as {
      tolist(): bigint[][];
    };
    const expected = output.tolist()[0]?.slice(inputs.input_ids.dims[1]).map(Number) ?? [];
    await reference.dispose();
    const internal = model as unknown as { preparePrompt: (prompt: unknown) => Promise<{ ids: number[] }> };
    const prompt = { messages: [{ role: 'user' as const, content: 'Describe a smiling face.' }] };
    expect((await internal.preparePrompt(prompt)).ids).toEqual(
      Array.from(inputs.input_ids.data as BigInt64Array, Number),
    );
    const result = await model.doGenerate({ prompts: [prompt], sampling: { maxTokens: 1 } });
    expect(result.results[0]?.completions[0]?.text).toBe(
      processor.tokenizer?.decode(expected.slice(0, 1), { skip_special_tokens: true }),
    );
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
