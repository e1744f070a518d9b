import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeaModel, GenerateRequest, GenerateResult } from '../model';
import { ImageInputError, ModelRequestError } from '../openai/errors';
import { createOpenAICompatibleModel } from '../openai/openai-compatible-model';
import { type OpenAICompatibleServer, serveOpenAICompatible } from './serve-openai-compatible';

/** Answers "ok" n times; throws what `fail` returns for a request, if anything. */
function echoModel(fail?: (request: GenerateRequest) => Error | undefined) {
  const seen: GenerateRequest[] = [];
  const model: FeaModel = {
    specificationVersion: 'v1',
    provider: 'echo',
    modelId: 'echo',
    async doGenerate(request): Promise<GenerateResult> {
      seen.push(request);
      const error = fail?.(request);
      if (error) throw error;
      const n = request.sampling?.n ?? 1;
      const completions = Array.from({ length: n }, () => ({
        text: 'ok',
        finishReason: 'stop' as const,
        completionTokens: 1,
      }));
      return {
        results: [{ completions, promptTokens: 1, timings: { prefillMs: 0, decodeMs: 0, totalMs: 0 } }],
      };
    },
    async dispose() {},
  };
  return { model, seen };
}

const post = (url: string, body: unknown) =>
  fetch(`${url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const user = [{ role: 'user', content: 'x' }];
const withImage = (url: string) => [
  {
    role: 'user',
    content: [
      { type: 'image_url', image_url: { url } },
      { type: 'text', text: 'What is the emotion of this face?' },
    ],
  },
];
const dataUrl = (bytes: Uint8Array, type = 'image/png') =>
  `data:${type};base64,${Buffer.from(bytes).toString('base64')}`;

/** A real 8x8 PNG whose header then claims `width` x `height` (CRC fixed): a decompression bomb. */
async function bombPng(width: number, height: number): Promise<Buffer> {
  const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } })
    .png()
    .toBuffer();
  const bomb = Buffer.from(png);
  bomb.writeUInt32BE(width, 16);
  bomb.writeUInt32BE(height, 20);
  bomb.writeUInt32BE(crc32(bomb.subarray(12, 29)), 29);
  return bomb;
}

describe('serveOpenAICompatible: sampling fields and work are checked', () => {
  let server: OpenAICompatibleServer;
  let seen: GenerateRequest[];
  beforeAll(async () => {
    const echo = echoModel();
    seen = echo.seen;
    server = await serveOpenAICompatible(echo.model, { maxN: 8, maxTotalTokens: 1000 });
  });
  afterAll(() => server.close());

  it('refuses out-of-range sampling fields with 400 naming the parameter', async () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ n: 9 }, 'n', /at most 8 \(maxN\)/],
      [{ n: 3000 }, 'n', /at most 8/],
      [{ n: 4, max_tokens: 300 }, 'max_tokens', /1200 .*at most 1000 \(maxTotalTokens\)/],
      [{ temperature: -0.5 }, 'temperature', />= 0/],
      [{ top_p: 0 }, 'top_p', /\(0, 1\]/],
      [{ top_p: 1.5 }, 'top_p', /\(0, 1\]/],
      [{ top_k: 2.5 }, 'top_k', /integer/],
      [{ top_k: -3 }, 'top_k', /-1/],
      [{ max_tokens: 0 }, 'max_tokens', />= 1/],
      [{ max_tokens: -5 }, 'max_tokens', />= 1/],
      [{ max_tokens: 1.5 }, 'max_tokens', /integer/],
      [{ max_completion_tokens: 0 }, 'max_completion_tokens', />= 1/],
      [{ stop: '' }, 'stop', /empty/],
      [{ stop: ['a', ''] }, 'stop', /empty/],
      [{ seed: 1.5 }, 'seed', /integer/],
      [{ stop_token_ids: [1, 'x'] }, 'stop_token_ids', /integers/],
    ];
    for (const [fields, param, message] of cases) {
      const response = await post(server.url, { messages: user, ...fields });
      expect(response.status, JSON.stringify(fields)).toBe(400);
      const { error } = (await response.json()) as {
        error: { message: string; param: string; type: string };
      };
      expect(error.type).toBe('invalid_request_error');
      expect(error.param, JSON.stringify(fields)).toBe(param);
      expect(error.message, JSON.stringify(fields)).toMatch(message);
      expect(error.message.startsWith(`${param}: `)).toBe(true);
    }
    expect(seen).toHaveLength(0);
  });

  it('accepts the edges: temperature 0, top_p 1, top_k 0 and -1 (off), n at the cap', async () => {
    const response = await post(server.url, {
      messages: user,
      n: 8,
      temperature: 0,
      top_p: 1,
      top_k: -1,
      max_tokens: 125,
      stop: ['\n\n'],
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { choices: unknown[] }).choices).toHaveLength(8);
    expect(seen.at(-1)!.sampling).toMatchObject({
      n: 8,
      temperature: 0,
      topP: 1,
      topK: undefined,
      maxTokens: 125,
    });
    expect((await post(server.url, { messages: user, top_k: 0 })).status).toBe(200);
    expect(seen.at(-1)!.sampling?.topK).toBe(0);
  });

  it('defaults to n <= 16', async () => {
    const defaults = await serveOpenAICompatible(echoModel().model);
    try {
      expect((await post(defaults.url, { messages: user, n: 16 })).status).toBe(200);
      expect((await post(defaults.url, { messages: user, n: 17 })).status).toBe(400);
    } finally {
      await defaults.close();
    }
  });
});

describe('serveOpenAICompatible: images that cannot be read are 400s, never 500s', () => {
  let server: OpenAICompatibleServer;
  let seen: GenerateRequest[];
  beforeAll(async () => {
    const echo = echoModel((request) =>
      request.prompts[0]!.images?.length === 2
        ? new ImageInputError('cannot read image bytes: VipsJpeg: premature end of input file')
        : undefined,
    );
    seen = echo.seen;
    server = await serveOpenAICompatible(echo.model, { maxImagePixels: 1_000_000 });
  });
  afterAll(() => server.close());

  it('refuses empty, undecodable and bomb images before the model sees them', async () => {
    const bomb = await bombPng(30_000, 30_000);
    expect((await sharp(bomb, { limitInputPixels: false }).metadata()).width).toBe(30_000);
    const cases: [string, RegExp][] = [
      ['data:image/png;base64,', /empty/],
      [dataUrl(new TextEncoder().encode('not an image at all')), /cannot read/],
      [dataUrl(bomb), /900000000 pixels.*1000000 \(maxImagePixels\)/],
    ];
    for (const [url, message] of cases) {
      const response = await post(server.url, { messages: withImage(url) });
      expect(response.status).toBe(400);
      const { error } = (await response.json()) as { error: { message: string; param: string } };
      expect(error.param).toBe('messages.0.content.0.image_url');
      expect(error.message).toMatch(message);
    }
    expect(seen).toHaveLength(0);
    const fine = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#808080' } })
      .png()
      .toBuffer();
    expect((await post(server.url, { messages: withImage(dataUrl(fine)) })).status).toBe(200);
  });

  it("maps the model's image errors to 400, and the client does not retry them", async () => {
    const fine = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#808080' } })
      .jpeg()
      .toBuffer();
    const url = dataUrl(fine, 'image/jpeg');
    const messages = [
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url } },
          { type: 'image_url', image_url: { url } },
        ],
      },
    ];
    const response = await post(server.url, { messages });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(
      /premature end/,
    );
    const before = server.stats.requests;
    const client = createOpenAICompatibleModel({ baseURL: server.url, model: 'echo', retryBaseMs: 1 });
    const failure = await client
      .doGenerate({
        prompts: [
          {
            images: [fine, fine],
            messages: [
              { role: 'user', content: [{ type: 'image' }, { type: 'image' }, { type: 'text', text: 'x' }] },
            ],
          },
        ],
      })
      .catch((error: unknown) => error);
    expect(failure, String(failure)).toBeInstanceOf(ModelRequestError);
    expect((failure as ModelRequestError).status).toBe(400);
    expect(server.stats.requests - before).toBe(1);
  });
});
