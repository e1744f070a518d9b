import { z } from 'zod';
import type { Completion, FinishReason } from '../model';
import { ModelRequestError } from './errors';

/**
 * A server answered 2xx with a body that is not the chat-completions shape. Not retried: the
 * same request would get the same answer.
 */
export class MalformedResponseError extends ModelRequestError {
  constructor(
    url: string,
    status: number,
    /** Where the body went wrong, as a path (`choices[0].message.content`); empty for the body itself. */
    readonly field: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(url, status, message, options);
  }
}

// Lenient where servers differ (vLLM, SGLang, TGI, Ollama, OpenAI): unknown fields are ignored,
// null stands for absent, `finish_reason` is any string. Strict on the types of what is read.
const usageSchema = z
  .object({ prompt_tokens: z.number().nullish(), completion_tokens: z.number().nullish() })
  .nullish();
const finishReasonSchema = z.string().nullish();

/** The body of a non-streamed `POST /chat/completions` answer (the fields read). */
export const chatCompletionSchema = z.object({
  choices: z.array(
    z.object({
      index: z.number().int().nonnegative().nullish(),
      message: z.object({ content: z.string().nullish() }).nullish(),
      finish_reason: finishReasonSchema,
    }),
  ),
  usage: usageSchema,
});

/** A chat completion as decoded: choices with their text, plus usage. */
export type ChatCompletion = z.infer<typeof chatCompletionSchema>;

/** One `data:` event of a streamed answer (the fields read). */
export const chatCompletionChunkSchema = z.object({
  choices: z
    .array(
      z.object({
        index: z.number().int().nonnegative().nullish(),
        delta: z.object({ content: z.string().nullish() }).nullish(),
        finish_reason: finishReasonSchema,
      }),
    )
    .nullish(),
  usage: usageSchema,
  error: z
    .union([
      z.looseObject({ message: z.string().nullish(), code: z.union([z.number(), z.string()]).nullish() }),
      z.string(),
    ])
    .nullish(),
});

const fieldPath = (path: readonly PropertyKey[]) =>
  path.reduce<string>(
    (text, key) =>
      typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key),
    '',
  );

function parseBody<T>(schema: z.ZodType<T>, value: unknown, response: Response, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0] as z.core.$ZodIssue;
  const field = fieldPath(issue.path);
  throw new MalformedResponseError(
    response.url,
    response.status,
    field,
    `${response.url} answered ${response.status} with ${what} that is not a chat completion: ${field || 'the body'}: ${issue.message}`,
    { cause: result.error },
  );
}

/** Reads and validates a non-streamed answer. */
export async function readChatCompletion(response: Response): Promise<ChatCompletion> {
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new MalformedResponseError(
      response.url,
      response.status,
      '',
      `${response.url} answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`,
      { cause },
    );
  }
  return parseBody(chatCompletionSchema, json, response, 'a body');
}

/**
 * Reads a server-sent-events answer, calling `onChunk` with each text delta, and returns the
 * texts put together in the shape of a non-streamed answer. An `error` event becomes a
 * {@link ModelRequestError} with the event's code as status (500 when it has none).
 */
export async function readChatCompletionStream(
  response: Response,
  onChunk: (delta: string, choice: number) => void,
): Promise<ChatCompletion> {
  const texts: string[] = [];
  const reasons: (string | null | undefined)[] = [];
  let usage: ChatCompletion['usage'];
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      const line = buffer.slice(0, newline).replace(/\r$/, '');
      buffer = buffer.slice(newline + 1);
      newline = buffer.indexOf('\n');
      // Comments (`: ping`), `event:`/`id:` fields and blank separators carry no text.
      if (!line.startsWith('data:')) continue;
      const data = line.slice(5).trim();
      if (!data || data === '[DONE]') continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(data);
      } catch (cause) {
        throw new MalformedResponseError(
          response.url,
          response.status,
          '',
          `${response.url} streamed a data line that is not JSON: ${data.slice(0, 200)}`,
          { cause },
        );
      }
      const event = parseBody(chatCompletionChunkSchema, parsed, response, 'a streamed event');
      if (event.error) {
        const code = typeof event.error === 'string' ? Number.NaN : Number(event.error.code);
        const detail =
          typeof event.error === 'string'
            ? JSON.stringify(event.error)
            : (event.error.message ?? JSON.stringify(event.error));
        throw new ModelRequestError(
          response.url,
          Number.isInteger(code) && code >= 400 ? code : 500,
          `${response.url} reported an error mid-stream: ${detail}`,
        );
      }
      if (event.usage) usage = event.usage;
      for (const choice of event.choices ?? []) {
        const index = choice.index ?? 0;
        const delta = choice.delta?.content ?? '';
        texts[index] = (texts[index] ?? '') + delta;
        if (delta) onChunk(delta, index);
        if (choice.finish_reason) reasons[index] = choice.finish_reason;
      }
    }
  }
  return {
    choices: Array.from(texts, (text, index) => ({
      index,
      message: { content: text ?? '' },
      finish_reason: reasons[index],
    })),
    usage,
  };
}

/** Maps OpenAI / vLLM / TGI / Ollama finish reasons to ours. */
export function mapFinishReason(reason: unknown): FinishReason {
  switch (reason) {
    case 'length':
    case 'max_tokens':
    case 'model_length':
      return 'length';
    case 'content_filter':
    case 'error':
    case 'abort':
      return 'error';
    default:
      // 'stop', 'eos', 'eos_token', 'stop_sequence', 'tool_calls', null: the model ended on its own.
      return 'stop';
  }
}

/** The completions of an answer in choice order, the completion tokens split evenly among them. */
export function decodeChatCompletion(json: ChatCompletion): {
  completions: Completion[];
  promptTokens: number;
} {
  const choices = [...json.choices].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
  const usage = json.usage ?? {};
  const perCompletion = choices.length ? Math.round((usage.completion_tokens ?? 0) / choices.length) : 0;
  return {
    completions: choices.map((choice) => ({
      text: choice.message?.content ?? '',
      finishReason: mapFinishReason(choice.finish_reason),
      completionTokens: perCompletion,
    })),
    promptTokens: usage.prompt_tokens ?? 0,
  };
}
