import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeTinyQwenVLModel } from '@facial-r1/tiny-models';
import {
  AutoProcessor,
  env,
  Qwen2_5_VLForConditionalGeneration,
  Qwen2VLForConditionalGeneration,
  RawImage,
} from '@huggingface/transformers';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OnnxDtype } from './model-files';
import { createOnnxModel, type OnnxModelOptions } from './create-onnx-model';

// Tiny models written in every weight format real exports ship (the same weights in each), with
// grouped-query attention (4 heads, 2 key/value heads) and the optional decoder inputs: each
// format must load, and generate the same 32 greedy tokens as transformers.js on the same files.
let root: string;
let image: string;
const question = 'What is the emotion of this face?';
const DTYPES = ['fp32', 'fp16', 'q8', 'q4', 'q4f16'] as const satisfies readonly OnnxDtype[];

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'fr1-variants-'));
  await writeTinyQwenVLModel(path.join(root, 'gqa-logits'), {
    architecture: 'qwen2.5-vl',
    seed: 12,
    hiddenSize: 32,
    heads: 4,
    kvHeads: 2,
    dtypes: DTYPES,
    numLogitsToKeep: true,
  });
  // The same weights as 'gqa-logits', exported as ONNX Runtime GenAI's CPU int4 models are:
  // MatMulNBits at accuracy_level 4 (int8 activations).
  await writeTinyQwenVLModel(path.join(root, 'gqa-int8'), {
    architecture: 'qwen2.5-vl',
    seed: 12,
    hiddenSize: 32,
    heads: 4,
    kvHeads: 2,
    dtypes: ['q4', 'q4f16'],
    numLogitsToKeep: true,
    matMulNBitsAccuracyLevel: 4,
  });
  await writeTinyQwenVLModel(path.join(root, 'gqa-branch'), {
    architecture: 'qwen2-vl',
    seed: 13,
    hiddenSize: 48,
    heads: 6,
    kvHeads: 1,
    dtypes: ['fp32', 'fp16'],
    useCacheBranch: true,
  });
  await writeTinyQwenVLModel(path.join(root, 'short-context'), {
    architecture: 'qwen2-vl',
    seed: 14,
    hiddenSize: 32,
    heads: 4,
    kvHeads: 2,
    dtypes: ['fp32', 'q8'],
    maxPositionEmbeddings: 48,
  });
  const raw = Buffer.alloc(200 * 150 * 3).map((_, index) => (index * 37) % 251);
  image = path.join(root, 'face.jpg');
  await writeFile(
    image,
    await sharp(raw, { raw: { width: 200, height: 150, channels: 3 } })
      .jpeg()
      .toBuffer(),
  );
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function referenceTokens(name: string, dtype: OnnxDtype, qwen25: boolean): Promise<string> {
  env.allowRemoteModels = false;
  env.localModelPath = root;
  const processor = await AutoProcessor.from_pretrained(name);
  const Model = qwen25 ? Qwen2_5_VLForConditionalGeneration : Qwen2VLForConditionalGeneration;
  const reference = await Model.from_pretrained(name, { dtype });
  const text = processor.apply_chat_template(
    [{ role: 'user', content: [{ type: 'image' }, { type: 'text', text: question }] }],
    { add_generation_prompt: true },
  );
  const inputs = await processor(text, await RawImage.read(image));
  const output = (await reference.generate({ ...inputs, max_new_tokens: 32, do_sample: false })) as {
    tolist(): bigint[][];
  };
  await reference.dispose();
  const tokens = output.tolist()[0]?.slice(inputs.input_ids.dims[1]).map(Number) ?? [];
  expect(tokens).toHaveLength(32);
  return processor.tokenizer?.decode(tokens, { skip_special_tokens: true }) as string;
}

async function ourText(
  name: string,
  dtype: OnnxDtype,
  n = 1,
  options: OnnxModelOptions = { workers: 0 },
): Promise<string[]> {
  const model = await createOnnxModel(path.join(root, name), { dtype, ...options });
  try {
    const result = await model.doGenerate({
      prompts: [
        {
          messages: [{ role: 'user', content: [{ type: 'image' }, { type: 'text', text: question }] }],
          images: [image],
        },
      ],
      sampling: n === 1 ? { maxTokens: 32 } : { maxTokens: 32, n },
    });
    const completions = result.results[0]?.completions ?? [];
    for (const completion of completions) expect(completion.completionTokens).toBe(32);
    return completions.map((completion) => completion.text);
  } finally {
    await model.dispose();
  }
}

describe('createOnnxModel on each weight format (GQA, num_logits_to_keep)', () => {
  it.each(DTYPES)(
    '%s: the graph declares what it takes, and 32 greedy tokens equal transformers.js',
    async (dtype) => {
      const file = path.join(
        root,
        'gqa-logits',
        'onnx',
        `decoder_model_merged${dtype === 'fp32' ? '' : { fp16: '_fp16', q8: '_quantized', q4: '_q4', q4f16: '_q4f16' }[dtype]}.onnx`,
      );
      const session = await ort.InferenceSession.create(file);
      const embeds = session.inputMetadata.find((meta) => meta.name === 'inputs_embeds');
      await session.release();
      expect(embeds).toMatchObject({ type: dtype === 'fp16' || dtype === 'q4f16' ? 'float16' : 'float32' });
      const expected = await referenceTokens('gqa-logits', dtype, true);
      expect(await ourText('gqa-logits', dtype)).toEqual([expected]);
    },
    60_000,
  );

  it('an n-sample greedy group repeats the single completion (tiled fp16 GQA cache)', async () => {
    const [single] = await ourText('gqa-logits', 'q4f16');
    expect(await ourText('gqa-logits', 'q4f16', 3)).toEqual([single, single, single]);
  }, 60_000);
});

describe('MatMulNBits accuracy level 4 (int8 activations)', () => {
  it.each(['q4', 'q4f16'] as const)(
    '%s: an export that sets it generates what transformers.js generates from the same file',
    async (dtype) => {
      const expected = await referenceTokens('gqa-int8', dtype, true);
      expect(await ourText('gqa-int8', dtype)).toEqual([expected]);
    },
    60_000,
  );

  it.each(['q4', 'q4f16'] as const)(
    '%s: matMulNBitsAccuracyLevel on an export without it equals the export with it, in a worker too',
    async (dtype) => {
      const exported = await ourText('gqa-int8', dtype, 2, { workers: 0 });
      expect(await ourText('gqa-logits', dtype, 2, { workers: 1, matMulNBitsAccuracyLevel: 4 })).toEqual(
        exported,
      );
    },
    60_000,
  );
});

describe('createOnnxModel on a decoder with use_cache_branch (one key/value head)', () => {
  it.each(['fp32', 'fp16'] as const)(
    '%s: 32 greedy tokens equal transformers.js',
    async (dtype) => {
      const expected = await referenceTokens('gqa-branch', dtype, false);
      expect(await ourText('gqa-branch', dtype)).toEqual([expected]);
    },
    60_000,
  );
});

describe('speculative greedy decoding (draftDtype)', () => {
  it.each([
    ['fp32', 'q8', 3],
    ['fp32', 'q4', 1],
    ['fp32', 'fp16', 5],
    ['fp16', 'q4f16', 3],
    ['q4', 'q8', 16],
  ] as const)(
    '%s drafted by %s (%i a run): 32 greedy tokens equal transformers.js on the main file',
    async (dtype, draftDtype, draftTokens) => {
      const expected = await referenceTokens('gqa-logits', dtype, true);
      expect(await ourText('gqa-logits', dtype, 1, { workers: 0, draftDtype, draftTokens })).toEqual([
        expected,
      ]);
    },
    60_000,
  );

  it.each(['q4', 'q4f16'] as const)(
    '%s at accuracy level 4 (int8 activations, quantized per row) drafted by q8 equals it undrafted',
    async (dtype) => {
      const options = { workers: 0, matMulNBitsAccuracyLevel: 4 as const };
      const plain = await ourText('gqa-logits', dtype, 1, options);
      expect(await ourText('gqa-logits', dtype, 1, { ...options, draftDtype: 'q8', draftTokens: 4 })).toEqual(
        plain,
      );
    },
    60_000,
  );

  it('works on a decoder without num_logits_to_keep (use_cache_branch), in a worker', async () => {
    const expected = await referenceTokens('gqa-branch', 'fp32', false);
    expect(await ourText('gqa-branch', 'fp32', 1, { workers: 1, draftDtype: 'fp16' })).toEqual([expected]);
  }, 60_000);

  it('stops where plain decoding stops (max tokens inside a drafted run), and leaves sampling alone', async () => {
    const prompt = {
      messages: [
        {
          role: 'user' as const,
          content: [{ type: 'image' as const }, { type: 'text' as const, text: question }],
        },
      ],
      images: [image],
    };
    const plain = await createOnnxModel(path.join(root, 'gqa-logits'), { workers: 0 });
    const drafted = await createOnnxModel(path.join(root, 'gqa-logits'), {
      workers: 0,
      draftDtype: 'q8',
      draftTokens: 4,
    });
    try {
      for (const sampling of [
        { maxTokens: 1 },
        { maxTokens: 6 },
        { maxTokens: 9, stop: ['e'] },
        { maxTokens: 12, n: 3, temperature: 1, topK: 20, seed: 4 },
      ]) {
        const texts = async (model: typeof plain) =>
          (await model.doGenerate({ prompts: [prompt], sampling })).results[0]?.completions.map((c) => [
            c.text,
            c.completionTokens,
            c.finishReason,
          ]);
        expect(await texts(drafted), JSON.stringify(sampling)).toEqual(await texts(plain));
      }
    } finally {
      await Promise.all([plain.dispose(), drafted.dispose()]);
    }
  }, 60_000);

  it('drafts nothing past the context length and ends where plain decoding ends', async () => {
    const request = {
      prompts: [{ messages: [{ role: 'user' as const, content: 'Describe the face.' }] }],
      sampling: { maxTokens: 100 },
    };
    const results = [];
    for (const options of [{}, { draftDtype: 'q8' as const, draftTokens: 16 }]) {
      const model = await createOnnxModel(path.join(root, 'short-context'), { workers: 0, ...options });
      try {
        results.push((await model.doGenerate(request)).results[0]!);
      } finally {
        await model.dispose();
      }
    }
    const [plain, drafted] = results as [(typeof results)[0], (typeof results)[0]];
    const completion = drafted.completions[0]!;
    expect(completion.finishReason).toBe('length');
    expect(drafted.promptTokens + completion.completionTokens).toBe(48);
    expect(completion.text).toBe(plain.completions[0]!.text);
  }, 60_000);

  it('refuses a draftTokens outside 1-16, a q8 main decoder, and names a missing draft format', async () => {
    await expect(
      createOnnxModel(path.join(root, 'gqa-logits'), { workers: 0, dtype: 'q8', draftDtype: 'q4' }),
    ).rejects.toThrow(/dtype q8 quantizes the activations of each run together/);
    await expect(
      createOnnxModel(path.join(root, 'gqa-branch'), { workers: 0, draftDtype: 'q8', draftTokens: 0 }),
    ).rejects.toThrow(/draftTokens=0; expected a whole number from 1 to 16/);
    await expect(
      createOnnxModel(path.join(root, 'gqa-branch'), { workers: 0, draftDtype: 'q8' }),
    ).rejects.toThrow(/q8/);
  });
});
