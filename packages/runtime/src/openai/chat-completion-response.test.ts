import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MalformedResponseError } from './chat-completion-response';
import { ModelRequestError } from './errors';
import { createOpenAICompatibleModel } from './openai-compatible-model';

// A real HTTP server on 127.0.0.1 that answers 200 with whatever body the test names in the
// model field, as a misbehaving OpenAI-compatible server would.
const bodies: Record<string, string> = {
  'content-number': JSON.stringify({ choices: [{ index: 0, message: { content: 5 } }] }),
  'no-choices': JSON.stringify({ id: 'x', object: 'chat.completion' }),
  'null-body': 'null',
  'tokens-as-text': JSON.stringify({
    choices: [{ index: 0, message: { content: 'ok' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: '7', completion_tokens: 2 },
  }),
  'not-json': '<html>gateway</html>',
  'vllm-extras': JSON.stringify({
    id: 'cmpl-1',
    choices: [
      {
        index: 1,
        message: { role: 'assistant', content: 'b', tool_calls: [] },
        finish_reason: 'length',
        logprobs: null,
      },
      { index: 0, message: { role: 'assistant', content: null }, finish_reason: null, stop_reason: 151645 },
    ],
    usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13, prompt_tokens_details: null },
  }),
};
const streams: Record<string, string[]> = {
  'stream-delta-number': [JSON.stringify({ choices: [{ index: 0, delta: { content: 3 } }] })],
  'stream-ok': [
    JSON.stringify({ choices: [{ index: 0, delta: { role: 'assistant' } }], usage: null }),
    JSON.stringify({ choices: [{ index: 0, delta: { content: 'hi' }, finish_reason: null }] }),
    JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }),
    JSON.stringify({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 1 } }),
  ],
};

let server: Server;
let baseURL: string;
let requests = 0;
beforeAll(async () => {
  server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk) => {
      text += chunk;
    });
    request.on('end', () => {
      requests += 1;
      const { model } = JSON.parse(text) as { model: string };
      const events = streams[model];
      if (events) {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        for (const event of events) response.write(`data: ${event}\n\n`);
        response.end('data: [DONE]\n\n');
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(bodies[model]);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const generate = (model: string, stream = false) =>
  createOpenAICompatibleModel({ baseURL, model, retryBaseMs: 1 }).doGenerate({
    prompts: [{ messages: [{ role: 'user', content: 'x' }] }],
    ...(stream ? { onStream: () => {} } : {}),
  });

async function failure(model: string, stream = false) {
  const before = requests;
  const error = await generate(model, stream).catch((caught: unknown) => caught);
  expect(requests - before, 'a malformed answer is not retried').toBe(1);
  expect(error).toBeInstanceOf(MalformedResponseError);
  expect(error).toBeInstanceOf(ModelRequestError);
  return error as MalformedResponseError;
}

describe('server answers are validated against the chat-completions shape', () => {
  it('names the field of a wrong type', async () => {
    const error = await failure('content-number');
    expect(error.field).toBe('choices[0].message.content');
    expect(error.status).toBe(200);
    expect(error.url).toBe(`${baseURL}/chat/completions`);
    expect(error.message).toMatch(/choices\[0\]\.message\.content: .*expected string, received number/);
    expect((await failure('tokens-as-text')).field).toBe('usage.prompt_tokens');
  });

  it('names a missing field, and the body itself when it is not an object', async () => {
    expect((await failure('no-choices')).field).toBe('choices');
    const error = await failure('null-body');
    expect(error.field).toBe('');
    expect(error.message).toMatch(/the body: .*expected object/);
    expect((await failure('not-json')).message).toMatch(/not JSON: <html>gateway/);
  });

  it('names the field of a streamed event', async () => {
    const error = await failure('stream-delta-number', true);
    expect(error.field).toBe('choices[0].delta.content');
    expect(error.message).toMatch(/streamed event/);
  });

  it('accepts what real servers add: unknown fields, nulls, choices out of order', async () => {
    const { results } = await generate('vllm-extras');
    expect(results[0]?.completions).toEqual([
      { text: '', finishReason: 'stop', completionTokens: 2 },
      { text: 'b', finishReason: 'length', completionTokens: 2 },
    ]);
    expect(results[0]?.promptTokens).toBe(9);
    const streamed = await generate('stream-ok', true);
    expect(streamed.results[0]?.completions).toEqual([
      { text: 'hi', finishReason: 'stop', completionTokens: 1 },
    ]);
    expect(streamed.results[0]?.promptTokens).toBe(3);
  });
});
