import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

  it('rejects head sizes M-RoPE cannot split', async () => {
    await expect(
      writeTinyQwenVLModel(path.join(root, 'bad'), { architecture: 'qwen2-vl', hiddenSize: 10, heads: 2 }),
    ).rejects.toThrow(RangeError);
  });
});
