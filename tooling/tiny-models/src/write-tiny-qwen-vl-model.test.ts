import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHalfBits } from './graph-builder';
import { quantizeBlockwise4 } from './linear';
import { writeTinyQwenVLModel } from './write-tiny-qwen-vl-model';

describe('writeTinyQwenVLModel', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'fr1-tiny-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it.each(['qwen2-vl', 'qwen2.5-vl'] as const)('writes a runnable %s export', async (architecture) => {
    const directory = path.join(root, architecture);
    await writeTinyQwenVLModel(directory, { architecture, seed: 1 });
    const config = JSON.parse(await readFile(path.join(directory, 'config.json'), 'utf8'));
    expect(config.model_type).toBe(architecture === 'qwen2-vl' ? 'qwen2_vl' : 'qwen2_5_vl');
    expect(config.vocab_size).toBe(151936);
    const tokenizer = JSON.parse(await readFile(path.join(directory, 'tokenizer.json'), 'utf8'));
    const ids = tokenizer.added_tokens.map((token: { id: number }) => token.id);
    expect(Math.max(...ids)).toBeGreaterThanOrEqual(151664);

    const vision = await ort.InferenceSession.create(path.join(directory, 'onnx', 'vision_encoder.onnx'));
    const gridName = architecture === 'qwen2-vl' ? 'grid_thw' : 'image_grid_thw';
    expect(vision.inputNames).toEqual(['pixel_values', gridName]);
    const features = await vision.run({
      pixel_values: new ort.Tensor('float32', new Float32Array(16 * 1176).fill(0.5), [16, 1176]),
      [gridName]: new ort.Tensor('int64', BigInt64Array.from([1n, 4n, 4n]), [1, 3]),
    });
    expect(features.image_features?.dims).toEqual([4, 16]);

    const decoder = await ort.InferenceSession.create(
      path.join(directory, 'onnx', 'decoder_model_merged.onnx'),
    );
    const run = async (positions: number[]) => {
      const length = positions.length / 3;
      const feeds: Record<string, ort.Tensor> = {
        inputs_embeds: new ort.Tensor(
          'float32',
          Float32Array.from({ length: length * 16 }, (_, i) => Math.sin(i)),
          [1, length, 16],
        ),
        attention_mask: new ort.Tensor('int64', new BigInt64Array(length).fill(1n), [1, length]),
        position_ids: new ort.Tensor('int64', BigInt64Array.from(positions, BigInt), [3, 1, length]),
      };
      for (let layer = 0; layer < 2; layer += 1) {
        for (const kind of ['key', 'value']) {
          feeds[`past_key_values.${layer}.${kind}`] = new ort.Tensor(
            'float32',
            new Float32Array(0),
            [1, 2, 0, 8],
          );
        }
      }
      const outputs = await decoder.run(feeds);
      expect(outputs['present.1.value']?.dims).toEqual([1, 2, length, 8]);
      return outputs.logits?.data as Float32Array;
    };
    const base = await run([0, 1, 2, 0, 1, 2, 0, 1, 2]);
    // Changing only the width row (M-RoPE) changes the logits.
    const moved = await run([0, 1, 2, 0, 1, 2, 0, 2, 2]);
    expect(moved.slice(-151936)).not.toEqual(base.slice(-151936));
  });

  it('is deterministic for a seed and differs across seeds', async () => {
    await writeTinyQwenVLModel(path.join(root, 'a'), { architecture: 'qwen2-vl', seed: 5 });
    await writeTinyQwenVLModel(path.join(root, 'b'), { architecture: 'qwen2-vl', seed: 5 });
    await writeTinyQwenVLModel(path.join(root, 'c'), { architecture: 'qwen2-vl', seed: 6 });
    const read = (name: string) => readFile(path.join(root, name, 'onnx', 'decoder_model_merged.onnx'));
    expect((await read('a')).equals(await read('b'))).toBe(true);
    expect((await read('a')).equals(await read('c'))).toBe(false);
  });

  it('writes every weight format under transformers.js names, GQA caches, num_logits_to_keep', async () => {
    const directory = path.join(root, 'variants');
    await writeTinyQwenVLModel(directory, {
      architecture: 'qwen2.5-vl',
      seed: 2,
      hiddenSize: 32,
      heads: 4,
      kvHeads: 2,
      dtypes: ['fp32', 'fp16', 'q8', 'q4', 'q4f16'],
      numLogitsToKeep: true,
      useCacheBranch: true,
      externalData: true,
    });
    const config = JSON.parse(await readFile(path.join(directory, 'config.json'), 'utf8'));
    expect(config.num_key_value_heads).toBe(2);
    const expectedFloat = {
      '': 'float32',
      _fp16: 'float16',
      _quantized: 'float32',
      _q4: 'float32',
      _q4f16: 'float16',
    };
    const lastLogits: Record<string, number[]> = {};
    for (const [suffix, float] of Object.entries(expectedFloat)) {
      const decoder = await ort.InferenceSession.create(
        path.join(directory, 'onnx', `decoder_model_merged${suffix}.onnx`),
      );
      const types = Object.fromEntries(decoder.inputMetadata.map((meta) => [meta.name, meta]));
      expect(types.inputs_embeds).toMatchObject({ type: float });
      expect(types['past_key_values.0.key']).toMatchObject({
        type: float,
        shape: ['batch_size', 2, 'past_sequence_length', 8],
      });
      expect(types.num_logits_to_keep).toMatchObject({ type: 'int64', shape: [] });
      expect(types.use_cache_branch).toMatchObject({ type: 'bool', shape: [1] });
      const embeds = Float32Array.from({ length: 3 * 32 }, (_, i) => Math.sin(i));
      const feeds: Record<string, ort.Tensor> = {
        inputs_embeds:
          float === 'float16'
            ? new ort.Tensor('float16', Uint16Array.from(embeds, toHalfBits), [1, 3, 32])
            : new ort.Tensor('float32', embeds, [1, 3, 32]),
        attention_mask: new ort.Tensor('int64', new BigInt64Array(3).fill(1n), [1, 3]),
        position_ids: new ort.Tensor(
          'int64',
          BigInt64Array.from([0n, 1n, 2n, 0n, 1n, 2n, 0n, 1n, 2n]),
          [3, 1, 3],
        ),
        use_cache_branch: new ort.Tensor('bool', Uint8Array.of(0), [1]),
      };
      for (let layer = 0; layer < 2; layer += 1)
        for (const kind of ['key', 'value'])
          feeds[`past_key_values.${layer}.${kind}`] = new ort.Tensor(
            float as 'float32',
            float === 'float16' ? new Uint16Array(0) : new Float32Array(0),
            [1, 2, 0, 8],
          );
      const all = await decoder.run({
        ...feeds,
        num_logits_to_keep: new ort.Tensor('int64', BigInt64Array.of(0n), []),
      });
      const last = await decoder.run({
        ...feeds,
        num_logits_to_keep: new ort.Tensor('int64', BigInt64Array.of(1n), []),
      });
      expect(all.logits?.dims).toEqual([1, 3, 151936]);
      expect(last.logits?.dims).toEqual([1, 1, 151936]);
      expect(all['present.1.value']?.dims).toEqual([1, 2, 3, 8]);
      expect(last.logits?.type).toBe(float);
      const kept = Array.from(last.logits?.data as ArrayLike<number>).slice(0, 100);
      const lastRow = Array.from(all.logits?.data as ArrayLike<number>).slice(2 * 151936, 2 * 151936 + 100);
      // q8 quantizes activations with one scale per tensor, so fewer rows give slightly other
      // values; the other formats differ by kernel rounding (one row vs three) at most.
      const digits = suffix === '_quantized' ? 0 : float === 'float16' ? 1 : 3;
      for (const [i, value] of kept.entries()) expect(value).toBeCloseTo(lastRow[i] as number, digits);
      lastLogits[suffix] = Array.from(last.logits?.data as Float32Array).slice(0, 1000);
      await decoder.release();
    }
    // The quantized float32 formats are the same weights, so their logits stay close to fp32's.
    const reference = lastLogits[''] as number[];
    for (const suffix of ['_quantized', '_q4']) {
      const logits = lastLogits[suffix] as number[];
      const error = Math.sqrt(
        logits.reduce((sum, value, i) => sum + (value - (reference[i] as number)) ** 2, 0) / logits.length,
      );
      const spread = Math.sqrt(reference.reduce((sum, value) => sum + value ** 2, 0) / reference.length);
      expect(error).toBeLessThan(0.5 * spread);
    }
  }, 60_000);

  it('streams external data: the same model as written inline', async () => {
    const inline = path.join(root, 'inline');
    const external = path.join(root, 'external');
    await writeTinyQwenVLModel(inline, { architecture: 'qwen2-vl', seed: 8, kvHeads: 1 });
    await writeTinyQwenVLModel(external, {
      architecture: 'qwen2-vl',
      seed: 8,
      kvHeads: 1,
      externalData: true,
    });
    const run = async (directory: string) => {
      const session = await ort.InferenceSession.create(path.join(directory, 'onnx', 'embed_tokens.onnx'));
      const output = await session.run({
        input_ids: new ort.Tensor('int64', BigInt64Array.of(5n, 151000n), [1, 2]),
      });
      return Array.from(output.inputs_embeds?.data as Float32Array);
    };
    expect(await run(external)).toEqual(await run(inline));
  });

  it('packs 4-bit blocks as MatMulNBits reads them (many sizes, padding included)', () => {
    for (const [k, n, seed] of [
      [1, 1, 0],
      [31, 2, 1],
      [32, 3, 2],
      [33, 1, 3],
      [70, 5, 4],
      [64, 4, 5],
    ] as const) {
      const weights = Float32Array.from({ length: k * n }, (_, i) => Math.sin(seed + i * 1.7) * (i % 7));
      const { packed, scales, blocks } = quantizeBlockwise4(weights, k, n);
      expect(blocks).toBe(Math.ceil(k / 32));
      for (let column = 0; column < n; column += 1) {
        for (let row = 0; row < blocks * 32; row += 1) {
          const block = Math.floor(row / 32);
          const byte = packed[(column * blocks + block) * 16 + ((row % 32) >> 1)] as number;
          const level = row % 2 ? byte >> 4 : byte & 15;
          const scale = scales[column * blocks + block] as number;
          if (row >= k) expect(level).toBe(8);
          else
            expect(Math.abs((level - 8) * scale - (weights[row * n + column] as number))).toBeLessThanOrEqual(
              scale / 2 + 1e-6,
            );
        }
      }
    }
  });

  it('rounds to half precision as numpy does', () => {
    expect(toHalfBits(1)).toBe(0x3c00);
    expect(toHalfBits(-2)).toBe(0xc000);
    expect(toHalfBits(65504)).toBe(0x7bff);
    expect(toHalfBits(1e6)).toBe(0x7c00);
    expect(toHalfBits(2 ** -24)).toBe(1);
    expect(toHalfBits(1 + 2 ** -11)).toBe(0x3c00); // a tie rounds to even
    expect(toHalfBits(1 + 3 * 2 ** -11)).toBe(0x3c02);
  });

  it('sets MatMulNBits accuracy_level as ONNX Runtime GenAI CPU exports do, and leaves it unset by default', async () => {
    const levels = async (name: string, options: { matMulNBitsAccuracyLevel?: 0 | 4 }) => {
      const directory = path.join(root, name);
      await writeTinyQwenVLModel(directory, {
        architecture: 'qwen2-vl',
        seed: 3,
        dtypes: ['q4'],
        ...options,
      });
      const file = path.join(directory, 'onnx', 'decoder_model_merged_q4.onnx');
      const model = onnxProto.onnx.ModelProto.decode(await readFile(file));
      // The graph loads and runs its 4-bit nodes at that level.
      await (await ort.InferenceSession.create(file)).release();
      return (model.graph?.node ?? [])
        .filter((node) => node.opType === 'MatMulNBits')
        .map((node) =>
          node.attribute?.filter((attribute) => attribute.name === 'accuracy_level').map((a) => Number(a.i)),
        );
    };
    const unset = await levels('level-unset', {});
    expect(unset.length).toBeGreaterThan(0);
    expect(unset.every((found) => found?.length === 0)).toBe(true);
    const int8 = await levels('level-4', { matMulNBitsAccuracyLevel: 4 });
    expect(int8).toEqual(unset.map(() => [4]));
    await expect(
      writeTinyQwenVLModel(path.join(root, 'level-9'), {
        architecture: 'qwen2-vl',
        matMulNBitsAccuracyLevel: 9 as 4,
      }),
    ).rejects.toThrow(/matMulNBitsAccuracyLevel 9/);
  });

  it('rejects key/value heads that do not divide the heads', async () => {
    await expect(
      writeTinyQwenVLModel(path.join(root, 'bad-kv'), { architecture: 'qwen2-vl', heads: 2, kvHeads: 3 }),
    ).rejects.toThrow(/kvHeads/);
  });

  it('rejects head sizes M-RoPE cannot split', async () => {
    await expect(
      writeTinyQwenVLModel(path.join(root, 'bad'), { architecture: 'qwen2-vl', hiddenSize: 10, heads: 2 }),
    ).rejects.toThrow(RangeError);
  });
});
