import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeaModelV1, GenerateRequest, GenerateResult } from '../model';
import { type OpenAICompatibleServer, serveOpenAICompatible } from '../server/serve-openai-compatible';
import { InvalidModelOptionError, ModelRequestError } from './errors';
import { createOpenAICompatibleModel, mapFinishReason, parseRetryAfter } from './openai-compatible-model';

/**
 * A deterministic local model served by the real HTTP server: it answers with what it
 * received (text, image digests, sampling), so the test can see every field cross the wire.
 */
class EchoModel implements FeaModelV1 {
  readonly specificationVersion = 'v1' as const;
  readonly provider = 'echo';
  readonly modelId = 'echo-model';
  constructor(private readonly delayMs = 0) {}
  async doGenerate(request: GenerateRequest): Promise<GenerateResult> {
    if (this.delayMs) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    return {
      results: await Promise.all(
        request.prompts.map(async (prompt, promptIndex) => {
          const text = prompt.messages
            .map((message) =>
              typeof message.content === 'string'
                ? message.content
                : message.content
                    .map((part) => (part.type === 'text' ? part.text : `<image ${part.index}>`))
                    .join(''),
            )
            .join('|');
          const digests = (prompt.images ?? []).map((image) =>
            createHash('sha256')
              .update(image as Uint8Array)
              .digest('hex')
              .slice(0, 12),
          );
          const n = request.sampling?.n ?? 1;
          const completions = Array.from({ length: n }, (_, index) => {
            const output = JSON.stringify({
              text,
              digests,
              index,
              seed: request.sampling?.seed ?? null,
              temperature: request.sampling?.temperature ?? null,
              topK: request.sampling?.topK ?? null,
            });
            for (const piece of output.match(/.{1,16}/g) ?? [])
              request.onStream?.({ promptIndex, completionIndex: index, delta: piece });
            return { text: output, finishReason: 'stop' as const, completionTokens: 10 };
          });
          return {
            completions,
            promptTokens: text.length,
            timings: { prefillMs: 0, decodeMs: 0, totalMs: 0 },
          };
        }),
      ),
    };
  }
  async dispose() {}
}

describe('parseRetryAfter and mapFinishReason', () => {
  it('reads seconds and HTTP dates, ignores garbage', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter(' 0.5 ')).toBe(500);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:03 GMT', now)).toBe(3000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
  });

  it('maps OpenAI, vLLM, TGI and Ollama finish reasons', () => {
    expect(['stop', 'eos_token', 'stop_sequence', null, undefined].map(mapFinishReason)).toEqual(
      Array(5).fill('stop'),
    );
    expect(['length', 'max_tokens', 'model_length'].map(mapFinishReason)).toEqual(Array(3).fill('length'));
    expect(['content_filter', 'abort', 'error'].map(mapFinishReason)).toEqual(Array(3).fill('error'));
  });
});

describe('OpenAI-compatible backend against a real local server', () => {
  let directory: string;
  let image: string;
  let server: OpenAICompatibleServer;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'fea-openai-'));
    image = path.join(directory, 'face.jpg');
    await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 200, g: 100, b: 50 } } })
      .jpeg()
      .toFile(image);
    server = await serveOpenAICompatible(new EchoModel());
  });
  afterAll(async () => {
    await server.close();
    await rm(directory, { recursive: true, force: true });
  });

  const request = (extra: Partial<GenerateRequest> = {}): GenerateRequest => ({
    prompts: [
      {
        messages: [
          { role: 'user', content: [{ type: 'image' }, { type: 'text', text: 'What is the emotion?' }] },
        ],
        images: [image],
      },
    ],
    sampling: { n: 2, temperature: 0.7, seed: 42, topK: 5, maxTokens: 64 },
    ...extra,
  });

  it('sends images as data URLs that arrive as the same bytes, with n, seed and sampling', async () => {
    const model = createOpenAICompatibleModel({ baseURL: server.url, model: 'echo-model' });
    const { results } = await model.doGenerate(request());
    expect(results[0]!.completions).toHaveLength(2);
    const echoed = JSON.parse(results[0]!.completions[1]!.text);
    const { readFile } = await import('node:fs/promises');
    expect(echoed).toEqual({
      text: '<image 0>What is the emotion?',
      digests: [
        createHash('sha256')
          .update(await readFile(image))
          .digest('hex')
          .slice(0, 12),
      ],
      index: 1,
      seed: 42,
      temperature: 0.7,
      topK: 5,
    });
    expect(results[0]!.completions[0]!.finishReason).toBe('stop');
    expect(results[0]!.completions[0]!.completionTokens).toBe(10);
  });

  it('gives the same completions through server and client as the model gives directly', async () => {
    const { readFile } = await import('node:fs/promises');
    const bytes = new Uint8Array(await readFile(image));
    const direct = await new EchoModel().doGenerate({
      ...request(),
      // The server numbers image parts explicitly; the echo prints the index, so name it here too.
      prompts: [
        {
          messages: [
            {
              role: 'user',
              content: [
                { type: 'image', index: 0 },
                { type: 'text', text: 'What is the emotion?' },
              ],
            },
          ],
          images: [bytes],
        },
      ],
    });
    const client = createOpenAICompatibleModel({ baseURL: server.url, model: 'echo-model' });
    for (const onStream of [undefined, () => {}]) {
      const remote = await client.doGenerate({ ...request(), ...(onStream ? { onStream } : {}) });
      expect(remote.results[0]!.completions).toEqual(direct.results[0]!.completions);
      expect(remote.results[0]!.promptTokens).toBe(direct.results[0]!.promptTokens);
    }
  });

  it('streams deltas that concatenate to the full text', async () => {
    const model = createOpenAICompatibleModel({ baseURL: server.url, model: 'echo-model' });
    const deltas: string[] = [];
    const { results } = await model.doGenerate(
      request({ sampling: { n: 1 }, onStream: (event) => deltas.push(event.delta) }),
    );
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe(results[0]!.completions[0]!.text);
  });

  it('retries 503 and 429 (honouring Retry-After) and then succeeds', async () => {
    const flaky = await serveOpenAICompatible(new EchoModel(), { faults: { failFirst: 2, status: 503 } });
    const limited = await serveOpenAICompatible(new EchoModel(), {
      faults: { failFirst: 1, status: 429, retryAfter: 0 },
    });
    try {
      const model = createOpenAICompatibleModel({ baseURL: flaky.url, model: 'm', retryBaseMs: 5 });
      expect((await model.doGenerate(request())).results[0]!.completions).toHaveLength(2);
      expect(flaky.stats.requests).toBe(3);
      // A one-minute backoff would time the test out: finishing proves Retry-After: 0 was used instead.
      const second = createOpenAICompatibleModel({ baseURL: limited.url, model: 'm', retryBaseMs: 60_000 });
      await second.doGenerate(request());
      expect(limited.stats.requests).toBe(2);
    } finally {
      await flaky.close();
      await limited.close();
    }
  });

  it('fails with a typed error naming the URL when the server is gone, and does not retry 400', async () => {
    const gone = await serveOpenAICompatible(new EchoModel());
    await gone.close();
    const model = createOpenAICompatibleModel({
      baseURL: gone.url,
      model: 'm',
      maxRetries: 1,
      retryBaseMs: 5,
    });
    await expect(model.doGenerate(request())).rejects.toThrow(
      new RegExp(`cannot reach ${gone.url.replace(/[/.]/g, '\\$&')}/chat/completions`),
    );
    const bad = createOpenAICompatibleModel({ baseURL: server.url, model: 'm' });
    const before = server.stats.requests;
    await expect(
      bad.doGenerate({ prompts: [{ messages: [{ role: 'tool' as never, content: 'x' }] }] }),
    ).rejects.toThrow(/answered 400: .*messages\.0\.role/);
    expect(server.stats.requests).toBe(before + 1);
  });

  it('times out slow requests', async () => {
    const slow = await serveOpenAICompatible(new EchoModel(300));
    try {
      const model = createOpenAICompatibleModel({
        baseURL: slow.url,
        model: 'm',
        timeoutMs: 50,
        maxRetries: 0,
      });
      await expect(model.doGenerate(request())).rejects.toThrow(/timed out after 50 ms/);
    } finally {
      await slow.close();
    }
  });

  it('honours the concurrency limit and spreads requests round-robin over endpoints', async () => {
    const a = await serveOpenAICompatible(new EchoModel(30));
    const b = await serveOpenAICompatible(new EchoModel(30));
    try {
      const model = createOpenAICompatibleModel({ baseURL: [a.url, b.url], model: 'm', concurrency: 2 });
      const prompts = Array.from({ length: 8 }, () => request().prompts[0]!);
      await model.doGenerate({ prompts, sampling: { n: 1 } });
      expect(a.stats.requests).toBe(4);
      expect(b.stats.requests).toBe(4);
      expect(a.stats.maxInFlight + b.stats.maxInFlight).toBeLessThanOrEqual(2);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('skips an endpoint that just failed and sends its share to the healthy one', async () => {
    const gone = await serveOpenAICompatible(new EchoModel());
    await gone.close();
    const healthy = await serveOpenAICompatible(new EchoModel());
    try {
      const model = createOpenAICompatibleModel({
        baseURL: [gone.url, healthy.url],
        model: 'm',
        concurrency: 1,
        maxRetries: 1,
        retryBaseMs: 1,
        endpointCooldownMs: 600_000,
      });
      const prompts = Array.from({ length: 6 }, () => request().prompts[0]!);
      const { results } = await model.doGenerate({ prompts, sampling: { n: 1 } });
      expect(results).toHaveLength(6);
      // One failed attempt on the dead endpoint, then it is skipped while it cools down.
      expect(healthy.stats.requests).toBe(6);
    } finally {
      await healthy.close();
    }
  });

  it('gives up after the retries with a typed error naming the URL and the status', async () => {
    const down = await serveOpenAICompatible(new EchoModel(), { faults: { failFirst: 100, status: 503 } });
    try {
      const model = createOpenAICompatibleModel({
        baseURL: down.url,
        model: 'm',
        maxRetries: 2,
        retryBaseMs: 1,
      });
      const error = await model.doGenerate(request()).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ModelRequestError);
      expect(error).toMatchObject({
        code: 'runtime/request-failed',
        status: 503,
        url: `${down.url}/chat/completions`,
      });
      expect(down.stats.requests).toBe(3);
    } finally {
      await down.close();
    }
  });

  it('validates its options with typed errors', () => {
    const make = (extra: Record<string, unknown>) => () =>
      createOpenAICompatibleModel({ baseURL: server.url, model: 'm', ...extra });
    expect(make({ baseURL: [] })).toThrow(InvalidModelOptionError);
    expect(make({ baseURL: 'localhost:8000/v1' })).toThrow(/must start with http:\/\/ or https:\/\//);
    expect(make({ model: '' })).toThrow(/model: expected the served model name/);
    expect(make({ concurrency: 0 })).toThrow(/concurrency: expected an integer >= 1, got 0/);
    expect(make({ maxRetries: -1 })).toThrow(/maxRetries: expected an integer >= 0/);
  });

  it('rejects an image part without an image with a typed error', async () => {
    const model = createOpenAICompatibleModel({ baseURL: server.url, model: 'm' });
    await expect(
      model.doGenerate({
        prompts: [{ messages: [{ role: 'user', content: [{ type: 'image', index: 2 }] }] }],
      }),
    ).rejects.toThrow(/points at image 2, but the prompt has 0 image/);
  });

  it('stops at once when the caller aborts, also while waiting to retry', async () => {
    const down = await serveOpenAICompatible(new EchoModel(), { faults: { failFirst: 100, status: 503 } });
    try {
      // A ten-minute backoff: only the abort can end this request within the test's time.
      const model = createOpenAICompatibleModel({ baseURL: down.url, model: 'm', retryBaseMs: 600_000 });
      const controller = new AbortController();
      const pending = model.doGenerate({ ...request(), signal: controller.signal });
      await expect.poll(() => down.stats.requests).toBe(1);
      controller.abort(new Error('stopped by the caller'));
      await expect(pending).rejects.toThrow('stopped by the caller');
      expect(down.stats.requests).toBe(1);
    } finally {
      await down.close();
    }
  });

  it('rejects an unreadable or non-image input with a typed error', async () => {
    const model = createOpenAICompatibleModel({ baseURL: server.url, model: 'm' });
    const text = path.join(directory, 'not-an-image.txt');
    await writeFile(text, 'hello');
    await expect(
      model.doGenerate(
        request({
          prompts: [{ messages: [{ role: 'user', content: [{ type: 'image' }] }], images: [text] }],
        }),
      ),
    ).rejects.toThrow(/is not a JPEG, PNG, GIF, WebP or BMP image/);
    await expect(
      model.doGenerate(
        request({
          prompts: [
            {
              messages: [{ role: 'user', content: [{ type: 'image' }] }],
              images: [path.join(directory, 'missing.jpg')],
            },
          ],
        }),
      ),
    ).rejects.toThrow(/cannot read image .*missing\.jpg: ENOENT/);
  });
});
