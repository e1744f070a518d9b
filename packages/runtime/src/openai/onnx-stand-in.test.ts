import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeTinyQwenVLModel } from '@facial-r1/tiny-models';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeaModel, GenerateRequest, StreamEvent } from '../model';
import { createOnnxModel } from '../onnx/create-onnx-model';
import { type OpenAICompatibleServer, serveOpenAICompatible } from '../server/serve-openai-compatible';
import { createOpenAICompatibleModel } from './openai-compatible-model';

// The OpenAI-compatible client against a real server on 127.0.0.1 that answers with the ONNX
// backend on a tiny Qwen2.5-VL: the stand-in for a vLLM server, with real generations.
let root: string;
let image: string;
let onnx: FeaModel;
let server: OpenAICompatibleServer;
let client: FeaModel;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'fr1-stand-in-'));
  await writeTinyQwenVLModel(path.join(root, 'model'), { architecture: 'qwen2.5-vl', seed: 21 });
  image = path.join(root, 'face.png');
  const pixels = Buffer.alloc(64 * 48 * 3).map((_, index) => (index * 13) % 251);
  await sharp(pixels, { raw: { width: 64, height: 48, channels: 3 } })
    .png()
    .toFile(image);
  onnx = await createOnnxModel(path.join(root, 'model'));
  server = await serveOpenAICompatible(onnx);
  client = createOpenAICompatibleModel({ baseURL: server.url, model: onnx.modelId });
});

afterAll(async () => {
  await client?.dispose();
  await server?.close();
  await onnx?.dispose();
  await rm(root, { recursive: true, force: true });
});

describe('OpenAI-compatible backend against a local server running the tiny ONNX model', () => {
  it('returns what the ONNX model generates directly: images as data URLs, n, seeded sampling', async () => {
    const request: GenerateRequest = {
      prompts: [
        {
          messages: [
            {
              role: 'user',
              content: [{ type: 'image' }, { type: 'text', text: 'What is the emotion of this face?' }],
            },
          ],
          images: [image],
        },
        { messages: [{ role: 'user', content: 'Name an Action Unit.' }] },
      ],
      sampling: { n: 3, temperature: 0.9, topK: 30, seed: 17, maxTokens: 16 },
    };
    const direct = await onnx.doGenerate(request);
    const served = await client.doGenerate(request);
    const texts = (result: typeof direct) =>
      result.results.map((entry) => entry.completions.map((completion) => completion.text));
    expect(texts(served)).toEqual(texts(direct));
    expect(
      served.results.map((entry) => entry.completions.map((completion) => completion.finishReason)),
    ).toEqual(direct.results.map((entry) => entry.completions.map((completion) => completion.finishReason)));
  });

  it('streams the same text the direct model writes, and stops at stop strings on both sides', async () => {
    const prompt = { messages: [{ role: 'user' as const, content: 'Describe the brows.' }] };
    const direct = await onnx.doGenerate({ prompts: [prompt], sampling: { maxTokens: 24 } });
    const full = direct.results[0]?.completions[0]?.text ?? '';
    const events: StreamEvent[] = [];
    const streamed = await client.doGenerate({
      prompts: [prompt],
      sampling: { maxTokens: 24 },
      onStream: (event) => events.push(event),
    });
    expect(streamed.results[0]?.completions[0]?.text).toBe(full);
    expect(events.map((event) => event.delta).join('')).toBe(full);
    const stop = full.slice(5, 7);
    if (stop.trim().length > 0) {
      const cut = await client.doGenerate({ prompts: [prompt], sampling: { maxTokens: 24, stop: [stop] } });
      expect(cut.results[0]?.completions[0]?.text).toBe(full.slice(0, full.indexOf(stop)));
      expect(cut.results[0]?.completions[0]?.finishReason).toBe('stop');
    }
  });
});
