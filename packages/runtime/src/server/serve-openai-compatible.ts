import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FeaError } from '@facial-r1/spec';
import sharp from 'sharp';
import type { ChatMessage, ContentPart, FeaModel, SamplingOptions } from '../model';
import { decodeDataUrl } from '../image/image-input';

/** Options of {@link serveOpenAICompatible}. */
export interface ServeOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0 (a free port). */
  readonly port?: number;
  /** Largest request body accepted, in bytes (413 beyond). Default 64 MiB. */
  readonly maxBodyBytes?: number;
  /** Most completions one request may ask for (`n`; 400 beyond). Default 16. */
  readonly maxN?: number;
  /** Most tokens one request may ask for, `n` x `max_tokens` (400 beyond). Default 131,072. */
  readonly maxTotalTokens?: number;
  /**
   * Most pixels of one image, read from its header before anything is decoded (400 beyond:
   * the decompression-bomb guard). Default 100,000,000, the image processor's own limit.
   */
  readonly maxImagePixels?: number;
  /** Test-only fault injection, so clients' retry paths run against a real server. */
  readonly faults?: ServerFaults;
}

/** Faults a test server injects into `POST /v1/chat/completions`. */
export interface ServerFaults {
  /** The first `failFirst` chat requests answer `status` with an OpenAI error body. */
  readonly failFirst?: number;
  /** Status of the injected failures. Default 503. */
  readonly status?: number;
  /** `Retry-After` header (seconds) sent with the injected failures. */
  readonly retryAfter?: number;
  /** The first `dropFirst` chat requests (after the `failFirst` ones) have their socket destroyed: a network error. */
  readonly dropFirst?: number;
  /** Delay before every chat answer, in milliseconds. */
  readonly delayMs?: number;
}

/** A running server. */
export interface OpenAICompatibleServer {
  /** Base URL ending in `/v1`, ready for `createOpenAICompatibleModel({ baseURL })`. */
  readonly url: string;
  /** Chat requests seen, in flight now, and the most in flight at once. */
  readonly stats: { requests: number; inFlight: number; maxInFlight: number };
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

type WirePart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } | string };

class BadRequest extends Error {
  constructor(
    message: string,
    readonly status = 400,
    /** The request field at fault, as OpenAI's `error.param`. */
    readonly param: string | null = null,
  ) {
    super(message);
  }
}

/** A request field out of range: 400 with the field as `param` and at the start of the message. */
const badField = (param: string, message: string) => new BadRequest(`${param}: ${message}`, 400, param);

/** Error codes of model failures caused by the request (its images, its length): 400, not 500. */
const CLIENT_ERROR_CODES = new Set([
  'runtime/invalid-image',
  'runtime/image-pixel-limit',
  'runtime/image-size',
  'runtime/context-length',
  'vision/invalid-image',
]);

interface WireImage {
  readonly bytes: Uint8Array;
  /** Where it was in the request (`messages.0.content.1.image_url`). */
  readonly param: string;
}

function toPrompt(messages: unknown): { messages: ChatMessage[]; images: Uint8Array[]; where: WireImage[] } {
  if (!Array.isArray(messages) || messages.length === 0)
    throw new BadRequest('messages: expected a non-empty array');
  const images: Uint8Array[] = [];
  const where: WireImage[] = [];
  const converted = messages.map((message: { role?: unknown; content?: unknown }, index) => {
    if (message?.role !== 'system' && message?.role !== 'user' && message?.role !== 'assistant') {
      throw new BadRequest(`messages.${index}.role: expected system, user or assistant`);
    }
    if (typeof message.content === 'string')
      return { role: message.role, content: message.content } satisfies ChatMessage;
    if (!Array.isArray(message.content))
      throw new BadRequest(`messages.${index}.content: expected a string or an array of parts`);
    const parts: ContentPart[] = (message.content as WirePart[]).map((part, partIndex) => {
      if (part?.type === 'text' && typeof part.text === 'string') return { type: 'text', text: part.text };
      if (part?.type === 'image_url') {
        const url = typeof part.image_url === 'string' ? part.image_url : part.image_url?.url;
        const bytes = typeof url === 'string' ? decodeDataUrl(url) : null;
        if (!bytes)
          throw new BadRequest(
            `messages.${index}.content.${partIndex}.image_url: expected a base64 data URL (this server reads no remote URLs)`,
          );
        images.push(bytes);
        where.push({ bytes, param: `messages.${index}.content.${partIndex}.image_url` });
        return { type: 'image', index: images.length - 1 };
      }
      throw new BadRequest(`messages.${index}.content.${partIndex}: expected a text or image_url part`);
    });
    return { role: message.role, content: parts } satisfies ChatMessage;
  });
  return { messages: converted, images, where };
}

/**
 * Refuses images that are empty, unreadable or larger than `maxPixels` by their header, before
 * the model decodes anything (sharp reads only the header here).
 */
async function checkImages(images: readonly WireImage[], maxPixels: number): Promise<void> {
  for (const { bytes, param } of images) {
    if (bytes.byteLength === 0) throw badField(param, 'the image is empty');
    let width: number | undefined;
    let height: number | undefined;
    try {
      ({ width, height } = await sharp(bytes, { limitInputPixels: false }).metadata());
    } catch (error) {
      throw badField(
        param,
        `cannot read the image (${(error as Error).message}); send a JPEG, PNG, WebP, GIF, TIFF or AVIF as a base64 data URL`,
      );
    }
    if (!width || !height) throw badField(param, 'cannot read the image size from its header');
    if (width * height > maxPixels)
      throw badField(
        param,
        `the image is ${width}x${height} = ${width * height} pixels; at most ${maxPixels} (maxImagePixels)`,
      );
  }
}

function toSampling(
  body: Record<string, unknown>,
  limits: { readonly maxN: number; readonly maxTotalTokens: number },
): SamplingOptions {
  const number = (key: string) => {
    const value = body[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value))
      throw badField(key, `expected a number, got ${JSON.stringify(value)}`);
    return value;
  };
  const integer = (key: string) => {
    const value = number(key);
    if (value !== undefined && !Number.isInteger(value))
      throw badField(key, `expected an integer, got ${value}`);
    return value;
  };
  const n = integer('n') ?? 1;
  if (n < 1) throw badField('n', `expected a positive integer, got ${n}`);
  if (n > limits.maxN) throw badField('n', `${n} completions asked; at most ${limits.maxN} (maxN)`);
  const temperature = number('temperature');
  if (temperature !== undefined && temperature < 0)
    throw badField('temperature', `expected a number >= 0 (0 is greedy), got ${temperature}`);
  const topP = number('top_p');
  if (topP !== undefined && !(topP > 0 && topP <= 1))
    throw badField('top_p', `expected a number in (0, 1], got ${topP}`);
  const topK = integer('top_k');
  if (topK !== undefined && topK < -1)
    throw badField('top_k', `expected an integer >= 0, or -1 for no limit, got ${topK}`);
  const tokensKey =
    body.max_tokens !== undefined && body.max_tokens !== null ? 'max_tokens' : 'max_completion_tokens';
  const maxTokens = integer(tokensKey);
  if (maxTokens !== undefined && maxTokens < 1)
    throw badField(tokensKey, `expected an integer >= 1, got ${maxTokens}`);
  if (maxTokens !== undefined && n * maxTokens > limits.maxTotalTokens)
    throw badField(
      tokensKey,
      `n x ${tokensKey} = ${n * maxTokens} tokens asked; at most ${limits.maxTotalTokens} (maxTotalTokens)`,
    );
  let stop: string[] | undefined;
  if (typeof body.stop === 'string') stop = [body.stop];
  else if (Array.isArray(body.stop) && body.stop.every((item) => typeof item === 'string'))
    stop = body.stop as string[];
  else if (body.stop !== undefined && body.stop !== null)
    throw badField('stop', 'expected a string or an array of strings');
  if (stop?.some((item) => item === ''))
    throw badField('stop', 'an empty stop string would end every completion at once; remove it');
  let stopTokenIds: number[] | undefined;
  if (body.stop_token_ids !== undefined && body.stop_token_ids !== null) {
    if (
      !Array.isArray(body.stop_token_ids) ||
      !body.stop_token_ids.every((id) => typeof id === 'number' && Number.isInteger(id) && id >= 0)
    )
      throw badField('stop_token_ids', 'expected an array of token ids (integers >= 0)');
    stopTokenIds = body.stop_token_ids as number[];
  }
  return {
    n,
    temperature,
    topP,
    topK: topK === -1 ? undefined : topK,
    seed: integer('seed'),
    maxTokens,
    stop,
    stopTokenIds,
  };
}

async function readBody(request: IncomingMessage, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new BadRequest(`the request body is over ${maxBytes} bytes`, 413);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const sendJson = (
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) => {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
};

/**
 * Serves any {@link FeaModel} over the OpenAI chat-completions protocol on a real HTTP
 * server: `POST /v1/chat/completions` (JSON or SSE streaming, `n`, sampling fields, data-URL
 * images), `GET /v1/models`, `GET /health`. It is the test stand-in for vLLM and a way to put
 * the local ONNX model or the face baseline behind any OpenAI client.
 */
export async function serveOpenAICompatible(
  model: FeaModel,
  options: ServeOptions = {},
): Promise<OpenAICompatibleServer> {
  const stats = { requests: 0, inFlight: 0, maxInFlight: 0 };
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024 * 1024;
  const limits = { maxN: options.maxN ?? 16, maxTotalTokens: options.maxTotalTokens ?? 131_072 };
  const maxImagePixels = options.maxImagePixels ?? 100_000_000;
  const server = createServer(async (request, response) => {
    const path = request.url?.split('?')[0];
    if (request.method === 'GET' && path === '/health') return sendJson(response, 200, { status: 'ok' });
    if (request.method === 'GET' && path === '/v1/models') {
      return sendJson(response, 200, {
        object: 'list',
        data: [{ id: model.modelId, object: 'model', owned_by: model.provider }],
      });
    }
    if (request.method !== 'POST' || path !== '/v1/chat/completions') {
      return sendJson(response, 404, {
        error: { message: `no route ${request.method} ${path}`, type: 'invalid_request_error' },
      });
    }
    stats.requests += 1;
    stats.inFlight += 1;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    // A client that goes away (timeout, abort) cancels the model's work.
    const abort = new AbortController();
    response.on('close', () => {
      if (!response.writableFinished) abort.abort(new Error('the client closed the connection'));
    });
    try {
      const faults = options.faults;
      if (faults?.delayMs) await new Promise((resolve) => setTimeout(resolve, faults.delayMs));
      if (faults?.failFirst && stats.requests <= faults.failFirst) {
        const headers: Record<string, string> =
          faults.retryAfter !== undefined ? { 'retry-after': String(faults.retryAfter) } : {};
        return sendJson(
          response,
          faults.status ?? 503,
          { error: { message: 'injected fault', type: 'server_error' } },
          headers,
        );
      }
      const dropFirst = faults?.dropFirst ?? 0;
      if (dropFirst && stats.requests - (faults?.failFirst ?? 0) <= dropFirst) {
        request.socket.destroy();
        return;
      }
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(await readBody(request, maxBodyBytes)) as Record<string, unknown>;
      } catch (error) {
        if (error instanceof BadRequest) throw error;
        return sendJson(response, 400, {
          error: { message: 'the body is not valid JSON', type: 'invalid_request_error' },
        });
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body))
        throw new BadRequest('the body must be a JSON object');
      const { where, ...prompt } = toPrompt(body.messages);
      const sampling = toSampling(body, limits);
      await checkImages(where, maxImagePixels);
      const id = `chatcmpl-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
      const created = Math.floor(Date.now() / 1000);
      if (body.stream === true) {
        response.writeHead(200, {
          'content-type': 'text/event-stream',
          'cache-control': 'no-cache',
          connection: 'keep-alive',
        });
        const streamed: string[] = [];
        const send = (payload: unknown) => response.write(`data: ${JSON.stringify(payload)}\n\n`);
        const result = await model.doGenerate({
          prompts: [prompt],
          sampling,
          signal: abort.signal,
          onStream: (event) => {
            streamed[event.completionIndex] = (streamed[event.completionIndex] ?? '') + event.delta;
            send({
              id,
              object: 'chat.completion.chunk',
              created,
              model: model.modelId,
              choices: [
                { index: event.completionIndex, delta: { content: event.delta }, finish_reason: null },
              ],
            });
          },
        });
        const first = result.results[0]!;
        first.completions.forEach((completion, index) => {
          // Models that do not stream (or stream only part) still deliver their whole text.
          const sent = streamed[index] ?? '';
          const rest = completion.text.startsWith(sent) ? completion.text.slice(sent.length) : '';
          send({
            id,
            object: 'chat.completion.chunk',
            created,
            model: model.modelId,
            choices: [
              { index, delta: rest ? { content: rest } : {}, finish_reason: completion.finishReason },
            ],
          });
        });
        const completionTokens = first.completions.reduce(
          (sum, completion) => sum + completion.completionTokens,
          0,
        );
        send({
          id,
          object: 'chat.completion.chunk',
          created,
          model: model.modelId,
          choices: [],
          usage: {
            prompt_tokens: first.promptTokens,
            completion_tokens: completionTokens,
            total_tokens: first.promptTokens + completionTokens,
          },
        });
        response.end('data: [DONE]\n\n');
        return;
      }
      const result = await model.doGenerate({ prompts: [prompt], sampling, signal: abort.signal });
      const first = result.results[0]!;
      const completionTokens = first.completions.reduce(
        (sum, completion) => sum + completion.completionTokens,
        0,
      );
      return sendJson(response, 200, {
        id,
        object: 'chat.completion',
        created,
        model: model.modelId,
        choices: first.completions.map((completion, index) => ({
          index,
          message: { role: 'assistant', content: completion.text },
          finish_reason: completion.finishReason,
        })),
        usage: {
          prompt_tokens: first.promptTokens,
          completion_tokens: completionTokens,
          total_tokens: first.promptTokens + completionTokens,
        },
      });
    } catch (error) {
      if (response.headersSent) {
        // Mid-stream: the status is gone; vLLM-style error event, then close the stream.
        if (!response.writableEnded) {
          response.write(
            `data: ${JSON.stringify({ error: { message: (error as Error).message, type: 'server_error', code: 500 } })}\n\n`,
          );
          response.end();
        }
        return;
      }
      if (error instanceof BadRequest)
        return sendJson(response, error.status, {
          error: { message: error.message, type: 'invalid_request_error', param: error.param, code: null },
        });
      // The model refused the request's own content (an image it cannot decode, a prompt
      // too long): a client error, which clients must not retry.
      if (FeaError.isInstance(error) && CLIENT_ERROR_CODES.has(error.code))
        return sendJson(response, 400, {
          error: {
            message: error.message,
            type: 'invalid_request_error',
            param: 'messages',
            code: error.code,
          },
        });
      return sendJson(response, 500, {
        error: { message: (error as Error).message, type: 'server_error', param: null, code: null },
      });
    } finally {
      stats.inFlight -= 1;
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}/v1`,
    stats,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
