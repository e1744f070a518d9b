import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { writeTinyQwenVLModel } from '@facial-r1/tiny-models';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContextLengthError } from '../errors';
import type { FeaModel, GenerateRequest, StreamEvent } from '../model';
import { ImageInputError } from '../openai/errors';
import { createOnnxModel } from './create-onnx-model';

let root: string;
let directory: string;
let image: string;
let inThread: FeaModel;
let pooled: FeaModel;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'fr1-onnx-workers-'));
  directory = path.join(root, 'tiny');
  await writeTinyQwenVLModel(directory, { architecture: 'qwen2.5-vl', seed: 11, maxPositionEmbeddings: 512 });
  image = path.join(root, 'face.jpg');
  const pixels = Buffer.alloc(90 * 70 * 3);
  for (let index = 0; index < pixels.length; index += 1) pixels[index] = (index * 29) % 253;
  await sharp(pixels, { raw: { width: 90, height: 70, channels: 3 } })
    .jpeg()
    .toFile(image);
  inThread = await createOnnxModel(directory, { workers: 0 });
  pooled = await createOnnxModel(directory, { workers: 2 });
});

afterAll(async () => {
  await inThread?.dispose();
  await pooled?.dispose();
  await rm(root, { recursive: true, force: true });
});

const imagePrompt = (source: unknown) => ({
  messages: [
    {
      role: 'user' as const,
      content: [{ type: 'image' as const }, { type: 'text' as const, text: 'Which emotion?' }],
    },
  ],
  images: [source as string],
});

describe('createOnnxModel with inference workers', () => {
  it('gives the same completions as the calling thread, for paths, bytes and sharp images, greedy and seeded', async () => {
    const bytes = await readFile(image);
    const prompts = [
      { messages: [{ role: 'user' as const, content: 'Describe the face.' }] },
      imagePrompt(image),
      imagePrompt(new Uint8Array(bytes)),
      imagePrompt(sharp(image)),
    ];
    for (const sampling of [
      { maxTokens: 10 },
      { n: 3, temperature: 1, topK: 40, topP: 0.9, seed: 5, maxTokens: 10 },
    ]) {
      const request: GenerateRequest = { prompts, sampling };
      const expected = await inThread.doGenerate({
        ...request,
        prompts: [...prompts.slice(0, 3), imagePrompt(sharp(image))],
      });
      const actual = await pooled.doGenerate(request);
      const texts = (result: typeof actual) =>
        result.results.map((entry) =>
          entry.completions.map((completion) => [completion.text, completion.finishReason]),
        );
      expect(texts(actual)).toEqual(texts(expected));
      expect(actual.results.map((entry) => entry.promptTokens)).toEqual(
        expected.results.map((entry) => entry.promptTokens),
      );
    }
  });

  it('streams deltas tagged with the request-wide prompt index, adding up to each completion', async () => {
    const events: StreamEvent[] = [];
    const result = await pooled.doGenerate({
      prompts: [
        { messages: [{ role: 'user', content: 'one' }] },
        { messages: [{ role: 'user', content: 'two' }] },
        { messages: [{ role: 'user', content: 'three' }] },
      ],
      sampling: { n: 2, temperature: 0.8, seed: 1, maxTokens: 12 },
      onStream: (event) => events.push(event),
    });
    for (const [promptIndex, entry] of result.results.entries()) {
      for (const [completionIndex, completion] of entry.completions.entries()) {
        const streamed = events
          .filter((event) => event.promptIndex === promptIndex && event.completionIndex === completionIndex)
          .map((event) => event.delta)
          .join('');
        expect(streamed).toBe(completion.text);
      }
    }
  });

  it('rethrows typed errors from the worker and fails the request when one prompt fails', async () => {
    const long = { messages: [{ role: 'user' as const, content: 'face '.repeat(600) }] };
    const error = await pooled
      .doGenerate({ prompts: [{ messages: [{ role: 'user', content: 'hi' }] }, long] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ContextLengthError);
    expect((error as ContextLengthError).contextLength).toBe(512);
    expect((error as ContextLengthError).promptTokens).toBeGreaterThan(512);
    expect((error as Error).stack).toMatch(/in the inference worker/);
    const unreadable = await pooled
      .doGenerate({ prompts: [imagePrompt(Buffer.from('not an image'))] })
      .catch((caught: unknown) => caught);
    expect(unreadable).toBeInstanceOf(ImageInputError);
    expect((unreadable as Error).message).toMatch(/cannot read image bytes/);
    // The workers are still healthy afterwards.
    const after = await pooled.doGenerate({ prompts: [{ messages: [{ role: 'user', content: 'hi' }] }] });
    expect(after.results[0]?.completions[0]?.text).toBeTypeOf('string');
  });

  it('aborts a running generation with the signal reason, and keeps working', async () => {
    const controller = new AbortController();
    const running = pooled.doGenerate({
      prompts: [{ messages: [{ role: 'user', content: 'go on' }] }],
      sampling: { maxTokens: 400 },
      signal: controller.signal,
      onStream: () => controller.abort(new DOMException('stop now', 'AbortError')),
    });
    await expect(running).rejects.toMatchObject({ name: 'AbortError', message: 'stop now' });
    const next = await pooled.doGenerate({
      prompts: [{ messages: [{ role: 'user', content: 'hi' }] }],
      sampling: { maxTokens: 3 },
    });
    expect(next.results[0]?.completions[0]?.completionTokens).toBeGreaterThan(0);
  });

  it('decodes the same greedy text with or without the single-stream decoder session', async () => {
    const prompts = [
      { messages: [{ role: 'user' as const, content: 'Which Action Units show anger?' }] },
      imagePrompt(image),
    ];
    const packedOnly = await createOnnxModel(directory, { workers: 0, singleStreamDecoder: false });
    try {
      const expected = await packedOnly.doGenerate({ prompts, sampling: { maxTokens: 24 } });
      const actual = await inThread.doGenerate({ prompts, sampling: { maxTokens: 24 } });
      expect(actual.results.map((entry) => entry.completions[0]?.text)).toEqual(
        expected.results.map((entry) => entry.completions[0]?.text),
      );
    } finally {
      await packedOnly.dispose();
    }
  });

  it('refuses a bad worker count, and refuses requests after dispose', async () => {
    await expect(createOnnxModel(directory, { workers: -1 })).rejects.toThrow(
      /workers=-1; expected a whole number/,
    );
    const model = await createOnnxModel(directory, { workers: 1 });
    await model.dispose();
    await model.dispose();
    await expect(model.doGenerate({ prompts: [] })).rejects.toThrow(/disposed/);
  });

  it('idle workers do not keep the process alive (a script that never disposes exits)', async () => {
    const script = path.join(root, 'no-dispose.mts');
    const entry = path.join(path.dirname(fileURLToPath(import.meta.url)), 'create-onnx-model.ts');
    await writeFile(
      script,
      `import { createOnnxModel } from ${JSON.stringify(entry)};
const model = await createOnnxModel(${JSON.stringify(directory)});
const result = await model.doGenerate({ prompts: [{ messages: [{ role: 'user', content: 'hi' }] }], sampling: { maxTokens: 4 } });
console.log(JSON.stringify({ tokens: result.results[0].completions[0].completionTokens }));
`,
    );
    const tsx = createRequire(import.meta.url).resolve('tsx');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--conditions=@facial-r1/source', '--import', tsx, script],
      { timeout: 60_000 },
    );
    expect(JSON.parse(stdout.trim())).toEqual({ tokens: 4 });
  }, 90_000);
});
