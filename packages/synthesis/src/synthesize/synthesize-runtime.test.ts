import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FeaSample } from '@facial-r1/dataset';
import { createOnnxModel } from '@facial-r1/runtime/onnx';
import { createOpenAICompatibleModel } from '@facial-r1/runtime/openai';
import { serveOpenAICompatible } from '@facial-r1/runtime/server';
import { writeTinyQwenVLModel } from '@facial-r1/tiny-models';
import { writeFile } from 'node:fs/promises';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesize } from './synthesize';

/** A solid-colour RGB PNG (synthesis has no image library; the runtime decodes it with sharp). */
function solidPng(width: number, height: number, [r, g, b]: readonly number[]): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.alloc(height * (1 + 3 * width));
  for (let y = 0; y < height; y += 1)
    for (let x = 0; x < width; x += 1) rows.set([r!, g!, b!], y * (1 + 3 * width) + 1 + 3 * x);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// End to end through the real runtime: the tiny ONNX model (random weights, so its answers fail
// verification) directly and behind the OpenAI-compatible server. Every sample must be asked,
// verified, retried and accounted for in the manifest.
describe('synthesize through the real runtime', () => {
  let directory: string;
  let samples: FeaSample[];
  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'fea-synthesis-runtime-'));
    await writeTinyQwenVLModel(path.join(directory, 'model'), { architecture: 'qwen2.5-vl', seed: 5 });
    samples = [];
    for (const [index, [aus, label]] of (
      [
        [['AU6', 'AU12'], 'happiness'],
        [['AU1', 'AU4', 'AU15'], 'sadness'],
        [['AU1', 'AU2'], ''],
      ] as const
    ).entries()) {
      const image = path.join(directory, `face-${index}.png`);
      await writeFile(image, solidPng(56, 56, [40 * index, 120, 200]));
      samples.push({
        id: `s${index}`,
        dataset: 'fixture',
        image,
        AUs: [...aus],
        labels: label ? [label] : [],
      });
    }
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  it('with the tiny ONNX model, and through a local OpenAI-compatible server', async () => {
    const onnx = await createOnnxModel(path.join(directory, 'model'));
    const server = await serveOpenAICompatible(onnx);
    try {
      const direct = await synthesize(samples, onnx, {
        output: path.join(directory, 'direct.jsonl'),
        retries: 1,
        maxTokens: 12,
        seed: 1,
      });
      const remote = await synthesize(
        samples,
        createOpenAICompatibleModel({ baseURL: server.url, model: 'tiny' }),
        {
          output: path.join(directory, 'remote.jsonl'),
          retries: 1,
          maxTokens: 12,
          seed: 1,
        },
      );
      for (const manifest of [direct, remote]) {
        expect(manifest.counts.finished).toBe(3);
        expect(manifest.counts.accepted + manifest.counts.rejected).toBe(3);
        expect(
          Object.values(manifest.rejectionReasons).reduce((sum, count) => sum + count, 0),
        ).toBeGreaterThanOrEqual(manifest.counts.rejected);
      }
      const outcomes = (await readFile(path.join(directory, 'remote.jsonl.outcomes.jsonl'), 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(outcomes.map((outcome) => outcome.id).sort()).toEqual(['s0', 's1', 's2']);
      for (const outcome of outcomes) if (!outcome.accepted) expect(outcome.attempts).toBe(2);
      // Every attempt reached the model over HTTP.
      expect(server.stats.requests).toBe(outcomes.reduce((sum, outcome) => sum + outcome.attempts, 0));
    } finally {
      await server.close();
      await onnx.dispose();
    }
  }, 120_000);
});
