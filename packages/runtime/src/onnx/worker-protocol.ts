import { FeaError } from '@facial-r1/spec';
import {
  ContextLengthError,
  ImagePixelLimitError,
  ImageSizeError,
  ModelFileError,
  UnsupportedArchitectureError,
} from '../errors';
import type { GenerateResult, PromptInput, SamplingOptions, StreamEvent } from '../model';
import { ImageInputError } from '../openai/errors';
import type { OnnxModelOptions } from './create-onnx-model';

/**
 * The messages between an ONNX model's proxy on the calling thread and its inference workers.
 * Everything here is structured-clone data; typed errors travel as {@link SerializedError} and
 * are rebuilt as the same classes on the other side.
 */

/** What a worker needs to open the model (the serializable part of the model options). */
export interface WorkerInit {
  readonly directory: string;
  readonly options: Omit<OnnxModelOptions, 'onWarning' | 'workers'>;
}

/** Calling thread -> worker. Images are paths or bytes by now (sharp objects are encoded first). */
export type ToWorker =
  | {
      readonly type: 'generate';
      readonly id: number;
      readonly prompt: PromptInput;
      readonly sampling: SamplingOptions | undefined;
      readonly stream: boolean;
    }
  | { readonly type: 'abort'; readonly id: number }
  | { readonly type: 'dispose' };

/** Worker -> calling thread. */
export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'init-error'; readonly error: SerializedError }
  | { readonly type: 'warning'; readonly message: string }
  | { readonly type: 'stream'; readonly id: number; readonly event: StreamEvent }
  | { readonly type: 'result'; readonly id: number; readonly result: GenerateResult }
  | { readonly type: 'error'; readonly id: number; readonly error: SerializedError };

/** An error as data: its class (by Facial-R1 code or built-in name), message and fields. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly stack?: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** Turns any thrown value into data that survives `postMessage`. */
export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), fields: {} };
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) {
    if (key === 'code' || key === 'cause') continue;
    if (value === null || ['string', 'number', 'boolean', 'undefined'].includes(typeof value))
      fields[key] = value;
  }
  return {
    name: error.name,
    message: error.message,
    ...(FeaError.isInstance(error) ? { code: error.code } : {}),
    ...(error.stack ? { stack: error.stack } : {}),
    fields,
  };
}

const REBUILD: Readonly<Record<string, (error: SerializedError) => Error>> = {
  'runtime/context-length': (error) =>
    new ContextLengthError(
      Number(error.fields.promptTokens),
      Number(error.fields.contextLength),
      error.message,
    ),
  'runtime/image-pixel-limit': (error) => new ImagePixelLimitError(error.message),
  'runtime/image-size': (error) => new ImageSizeError(error.message),
  'runtime/model-file': (error) => new ModelFileError(String(error.fields.file), error.message),
  'runtime/unsupported-architecture': (error) => new UnsupportedArchitectureError(error.message),
  'runtime/invalid-image': (error) => new ImageInputError(error.message),
};

const BUILT_IN: Readonly<Record<string, new (message: string) => Error>> = {
  RangeError,
  TypeError,
  SyntaxError,
};

/**
 * Rebuilds a serialized error as the class it was thrown as (the runtime's typed errors by
 * code, `RangeError`/`TypeError`/`SyntaxError` by name, `Error` otherwise), keeping the worker's
 * stack below the caller's.
 */
export function deserializeError(error: SerializedError): Error {
  const rebuild = error.code ? REBUILD[error.code] : undefined;
  const BuiltIn = BUILT_IN[error.name];
  const rebuilt = rebuild ? rebuild(error) : BuiltIn ? new BuiltIn(error.message) : new Error(error.message);
  if (!rebuild && !BuiltIn && error.name !== 'Error') rebuilt.name = error.name;
  if (error.stack) rebuilt.stack = `${rebuilt.stack}\n    --- in the inference worker ---\n${error.stack}`;
  return rebuilt;
}
