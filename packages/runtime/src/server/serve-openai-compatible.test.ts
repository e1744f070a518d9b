import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeaModel, GenerateRequest, GenerateResult } from '../model';
import { ModelRequestError } from '../openai/errors';
import { createOpenAICompatibleModel } from '../openai/openai-compatible-model';
import { type OpenAICompatibleServer, serveOpenAICompatible } from './serve-openai-compatible';

/** Answers "reply <n>" per completion, streaming it word by word; can fail mid-stream. */
function scriptedModel(
  options: { failAfterFirstDelta?: boolean; hangUntilAborted?: boolean; silent?: boolean } = {},
) {
  const seen: GenerateRequest[] = [];
  const model: FeaModel = {
    specificationVersion: 'v1',
    provider: 'scripted',
    modelId: 'scripted-model',
    async doGenerate(request): Promise<GenerateResult> {
      seen.push(request);
      if (options.hangUntilAborted)
        await new Promise((_, reject) =>
          request.signal?.addEventListener('abort', () => reject(request.signal?.reason), { once: true }),
        );
      const n = request.sampling?.n ?? 1;
      const completions = Array.from({ length: n }, (_, index) => {
        const text = `reply number ${index} done`;
        for (const [position, word] of text.split(' ').entries()) {
          if (!options.silent)
            request.onStream?.({
              promptIndex: 0,
              completionIndex: index,
              delta: position ? ` ${word}` : word,
            });
          if (options.failAfterFirstDelta) throw new Error('the model crashed');
        }
        return {
          text,
          finishReason: index === 0 ? ('stop' as const) : ('length' as const),
          completionTokens: 4,
        };
      });
      return {
        results: [{ completions, promptTokens: 7, timings: { prefillMs: 0, decodeMs: 0, totalMs: 0 } }],
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
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('serveOpenAICompatible', () => {
  let server: OpenAICompatibleServer;
  let seen: GenerateRequest[];
  beforeAll(async () => {
    const scripted = scriptedModel();
    seen = scripted.seen;
    server = await serveOpenAICompatible(scripted.model);
  });
  afterAll(() => server.close());

  it('answers /health and /v1/models, and 404 in the OpenAI error shape', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(await (await fetch(server.url.replace(/\/v1$/, '/health'))).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${server.url}/models`)).json()).toEqual({
      object: 'list',
      data: [{ id: 'scripted-model', object: 'model', owned_by: 'scripted' }],
    });
    const missing = await fetch(`${server.url}/completions`, { method: 'POST' });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
  });

  it('maps the wire fields to a GenerateRequest and answers n choices with usage', async () => {
    const response = await post(server.url, {
      model: 'scripted-model',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: [{ type: 'text', text: 'hi' }] },
      ],
      n: 2,
      temperature: 0.5,
      top_p: 0.9,
      top_k: 3,
      seed: 11,
      max_tokens: 9,
      stop: '</answer>',
      stop_token_ids: [151645],
    });
    const json = await response.json();
    expect(json).toMatchObject({
      object: 'chat.completion',
      model: 'scripted-model',
      choices: [
        { index: 0, message: { role: 'assistant', content: 'reply number 0 done' }, finish_reason: 'stop' },
        { index: 1, message: { role: 'assistant', content: 'reply number 1 done' }, finish_reason: 'length' },
      ],
      usage: { prompt_tokens: 7, completion_tokens: 8, total_tokens: 15 },
    });
    expect(seen.at(-1)?.sampling).toEqual({
      n: 2,
      temperature: 0.5,
      topP: 0.9,
      topK: 3,
      seed: 11,
      maxTokens: 9,
      stop: ['</answer>'],
      stopTokenIds: [151645],
    });
    expect(seen.at(-1)?.prompts[0]?.messages).toEqual([
      { role: 'system', content: 'be brief' },
      { role: 'user', content: [{ type: 'text', text: 'hi' }] },
    ]);
  });

  it('streams SSE chunks, finish reasons, usage and [DONE]', async () => {
    const response = await post(server.url, {
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      n: 2,
    });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const lines = (await response.text()).split('\n\n').filter(Boolean);
    expect(lines.at(-1)).toBe('data: [DONE]');
    const events = lines.slice(0, -1).map((line) => JSON.parse(line.replace(/^data: /, '')));
    const text = (index: number) =>
      events
        .flatMap((event) => event.choices)
        .filter((choice: { index: number }) => choice.index === index)
        .map((choice: { delta: { content?: string } }) => choice.delta.content ?? '')
        .join('');
    expect(text(0)).toBe('reply number 0 done');
    expect(text(1)).toBe('reply number 1 done');
    expect(events.at(-1).usage).toEqual({ prompt_tokens: 7, completion_tokens: 8, total_tokens: 15 });
  });

  it('streams the whole text of a model that does not stream', async () => {
    const silent = await serveOpenAICompatible(scriptedModel({ silent: true }).model);
    try {
      const client = createOpenAICompatibleModel({ baseURL: silent.url, model: 'm' });
      const deltas: string[] = [];
      const { results } = await client.doGenerate({
        prompts: [{ messages: [{ role: 'user', content: 'x' }] }],
        sampling: { n: 2 },
        onStream: (event) => deltas.push(`${event.completionIndex}:${event.delta}`),
      });
      expect(results[0]?.completions.map((completion) => completion.text)).toEqual([
        'reply number 0 done',
        'reply number 1 done',
      ]);
      expect(deltas).toEqual(['0:reply number 0 done', '1:reply number 1 done']);
    } finally {
      await silent.close();
    }
  });

  it('rejects bad requests with 400 and a message naming the field', async () => {
    const cases: [unknown, RegExp][] = [
      ['{not json', /not valid JSON/],
      [[1, 2], /must be a JSON object/],
      [{ messages: [] }, /messages: expected a non-empty array/],
      [{ messages: [{ role: 'user', content: 'x' }], n: 0 }, /n: expected a positive integer/],
      [{ messages: [{ role: 'user', content: 'x' }], temperature: 'hot' }, /temperature: expected a number/],
      [{ messages: [{ role: 'user', content: 'x' }], stop: [1] }, /stop: expected a string or an array/],
      [
        {
          messages: [
            { role: 'user', content: [{ type: 'image_url', image_url: { url: 'http://x/a.jpg' } }] },
          ],
        },
        /messages\.0\.content\.0\.image_url: expected a base64 data URL/,
      ],
    ];
    for (const [body, message] of cases) {
      const response = await post(server.url, body);
      expect(response.status).toBe(400);
      const json = (await response.json()) as { error: { message: string; type: string } };
      expect(json.error.type).toBe('invalid_request_error');
      expect(json.error.message).toMatch(message);
    }
  });

  it('refuses bodies over maxBodyBytes with 413', async () => {
    const small = await serveOpenAICompatible(scriptedModel().model, { maxBodyBytes: 100 });
    try {
      const response = await post(small.url, { messages: [{ role: 'user', content: 'x'.repeat(500) }] });
      expect(response.status).toBe(413);
    } finally {
      await small.close();
    }
  });

  it('drops connections on request (network faults) and the client retries past them', async () => {
    const flaky = await serveOpenAICompatible(scriptedModel().model, { faults: { dropFirst: 2 } });
    try {
      const client = createOpenAICompatibleModel({ baseURL: flaky.url, model: 'm', retryBaseMs: 1 });
      const { results } = await client.doGenerate({
        prompts: [{ messages: [{ role: 'user', content: 'x' }] }],
      });
      expect(results[0]?.completions[0]?.text).toBe('reply number 0 done');
      expect(flaky.stats.requests).toBe(3);
    } finally {
      await flaky.close();
    }
  });

  it('reports a model failure mid-stream as an error event that the client turns into a typed error', async () => {
    const broken = await serveOpenAICompatible(scriptedModel({ failAfterFirstDelta: true }).model);
    try {
      const client = createOpenAICompatibleModel({
        baseURL: broken.url,
        model: 'm',
        maxRetries: 1,
        retryBaseMs: 1,
      });
      const deltas: string[] = [];
      const error = await client
        .doGenerate({
          prompts: [{ messages: [{ role: 'user', content: 'x' }] }],
          onStream: (event) => deltas.push(event.delta),
        })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ModelRequestError);
      expect((error as Error).message).toMatch(/reported an error mid-stream: the model crashed/);
      expect(broken.stats.requests).toBe(2);
      expect(deltas[0]).toBe('reply');
    } finally {
      await broken.close();
    }
  });

  it('aborts the model when the client goes away', async () => {
    const hanging = scriptedModel({ hangUntilAborted: true });
    const slow = await serveOpenAICompatible(hanging.model);
    try {
      const client = createOpenAICompatibleModel({
        baseURL: slow.url,
        model: 'm',
        timeoutMs: 100,
        maxRetries: 0,
      });
      await expect(
        client.doGenerate({ prompts: [{ messages: [{ role: 'user', content: 'x' }] }] }),
      ).rejects.toThrow(/timed out after 100 ms/);
      await expect.poll(() => hanging.seen[0]?.signal?.aborted).toBe(true);
      await expect.poll(() => slow.stats.inFlight).toBe(0);
    } finally {
      await slow.close();
    }
  });
});
