/**
 * The model interface every Facial-R1 backend implements: the local ONNX VLM, an
 * OpenAI-compatible server (vLLM, SGLang, TGI, Ollama, OpenAI), the built-in face baseline.
 * Stages (GRPO rollouts, synthesis, evaluation) only ever see this interface.
 *
 * Treat this file as the most expensive thing in the repository to change: bump
 * `specificationVersion` on any breaking change.
 */

/** An image handed to a model: a file path, encoded bytes (JPEG, PNG, WebP, ...), or a sharp instance. */
export type ImageInput = string | Uint8Array | { readonly toBuffer: (...args: never[]) => Promise<unknown> };

/** One part of a chat message's content. */
export type ContentPart =
  | { readonly type: 'text'; readonly text: string }
  /** Marks where an image goes; `index` points into the prompt's `images` (default: the next unused one). */
  | { readonly type: 'image'; readonly index?: number };

/** One chat turn. A plain string is a single text part. */
export interface ChatMessage {
  /** Who speaks. */
  readonly role: 'system' | 'user' | 'assistant';
  /** The turn's text, or its parts (text and image placeholders in order). */
  readonly content: string | readonly ContentPart[];
}

/** One prompt of a batch: the conversation so far and the images it refers to. */
export interface PromptInput {
  /** The chat messages, oldest first. The model continues as the assistant. */
  readonly messages: readonly ChatMessage[];
  /** Images referenced by `image` content parts, in order. */
  readonly images?: readonly ImageInput[];
}

/** Sampling options shared by every prompt of a request. */
export interface SamplingOptions {
  /** Completions per prompt (a GRPO group). Default 1. */
  readonly n?: number;
  /** Softmax temperature; 0 means greedy decoding. Default 0. */
  readonly temperature?: number;
  /** Keep only the `topK` most likely tokens (0 or undefined: no limit). */
  readonly topK?: number;
  /** Nucleus sampling mass in (0, 1]. Default 1. */
  readonly topP?: number;
  /** Seed that makes sampling reproducible run to run. */
  readonly seed?: number;
  /** Maximum new tokens per completion. */
  readonly maxTokens?: number;
  /** Stop when any of these strings appears in the output (the stop string is not included). */
  readonly stop?: readonly string[];
  /** Stop when any of these token ids is generated (in addition to the model's end-of-sequence ids). */
  readonly stopTokenIds?: readonly number[];
}

/** A piece of streamed output. */
export interface StreamEvent {
  /** Index of the prompt in the request. */
  readonly promptIndex: number;
  /** Index of the completion within the prompt's `n`. */
  readonly completionIndex: number;
  /** Newly generated text. */
  readonly delta: string;
}

/** A batch generation request. */
export interface GenerateRequest {
  /** The prompts to complete. */
  readonly prompts: readonly PromptInput[];
  /** Sampling options for every prompt. */
  readonly sampling?: SamplingOptions;
  /** Called as text is generated, where the backend can stream. */
  readonly onStream?: (event: StreamEvent) => void;
  /** Aborts the request; the promise rejects with an `AbortError`. */
  readonly signal?: AbortSignal;
}

/** Why a completion ended. */
export type FinishReason = 'stop' | 'length' | 'error';

/** One generated completion. */
export interface Completion {
  /** The generated text (stop strings and end-of-sequence tokens removed). */
  readonly text: string;
  /** Why generation ended. */
  readonly finishReason: FinishReason;
  /** Number of generated tokens. */
  readonly completionTokens: number;
  /** Backend-specific structured output (e.g. the face baseline's measurements). */
  readonly providerMetadata?: Readonly<Record<string, unknown>>;
}

/** Timings of one prompt's generation, in milliseconds. */
export interface GenerationTimings {
  /** Image preprocessing and prompt prefill (time to first token). */
  readonly prefillMs: number;
  /** Decoding after the first token. */
  readonly decodeMs: number;
  /** Wall time for the prompt end to end. */
  readonly totalMs: number;
}

/** The `n` completions of one prompt. */
export interface PromptResult {
  /** Exactly `sampling.n` completions, in order. */
  readonly completions: readonly Completion[];
  /** Tokens in the prompt, images included. */
  readonly promptTokens: number;
  /** Where the time went. */
  readonly timings: GenerationTimings;
}

/** The result of a batch request: one entry per prompt, in request order. */
export interface GenerateResult {
  /** Per-prompt results. */
  readonly results: readonly PromptResult[];
}

/**
 * A model that looks at face images and writes. Implemented by every backend; created by
 * factories (`createOnnxModel`, `createOpenAICompatibleModel`, `createFaceBaselineModel`) and
 * resolved by id through a model registry.
 */
export interface FeaModelV1 {
  /** Version of this interface the backend implements. */
  readonly specificationVersion: 'v1';
  /** Backend family: `onnx`, `openai`, `baseline`, ... */
  readonly provider: string;
  /** The model's id within its provider (a directory, a served model name, ...). */
  readonly modelId: string;
  /** Generates completions for a batch of prompts. */
  doGenerate(request: GenerateRequest): Promise<GenerateResult>;
  /** Releases sessions, workers and sockets. The model is unusable afterwards. */
  dispose(): Promise<void>;
}

/** The current model interface. */
export type FeaModel = FeaModelV1;
