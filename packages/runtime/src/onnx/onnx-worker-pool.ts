import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FeaModel, GenerateRequest, GenerateResult, PromptInput, PromptResult } from '../model';
import { encodedImageInput } from '../image/qwen-image-processor';
import { deserializeError, type FromWorker, type ToWorker, type WorkerInit } from './worker-protocol';

interface Pending {
  readonly resolve: (result: PromptResult) => void;
  readonly reject: (error: unknown) => void;
  readonly onStream: ((delta: { completionIndex: number; delta: string }) => void) | undefined;
  readonly signal: AbortSignal;
}

interface WorkerHandle {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
  /** Why the worker stopped, once it has. */
  stopped: Error | undefined;
  disposed: Promise<void> | undefined;
  /** Resolves when the thread has ended. */
  readonly exited: Promise<void>;
}

/**
 * Where the worker's code is: `dist/onnx-worker.js` beside the built bundle, or, when the
 * runtime runs from its TypeScript source, `onnx-worker.ts` started through a small bootstrap
 * that registers tsx's loader in the worker.
 */
function workerEntry(): { url: URL; execArgv?: string[]; bootstrap?: { tsx: string; entry: string } } {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return { url: new URL('./onnx-worker.js', here) };
  let tsx: string;
  try {
    // The ESM build of tsx's register API, read from tsx's own export map.
    const manifest = createRequire(here).resolve('tsx/package.json');
    const exports = JSON.parse(readFileSync(manifest, 'utf8')).exports['./esm/api'].import.default;
    tsx = pathToFileURL(path.join(path.dirname(manifest), exports)).href;
  } catch (cause) {
    throw new Error(
      'the ONNX inference worker runs from TypeScript source here and needs tsx to load it; install tsx, use the built package, or pass workers: 0',
      { cause },
    );
  }
  return {
    url: new URL('./worker-bootstrap.mjs', here),
    execArgv: ['--conditions=@facial-r1/source'],
    bootstrap: { tsx, entry: new URL('./onnx-worker.ts', here).href },
  };
}

/**
 * The ONNX model as seen from the calling thread: the sessions and the generation loop live in
 * `count` worker threads, so image decoding, tokenization, sampling and the KV-cache copies never
 * block this event loop. The prompts of a request are spread over the workers (each runs one
 * prompt at a time) and their results come back in request order; stream deltas, aborts and the
 * runtime's typed errors cross the thread boundary unchanged. Idle workers do not keep the
 * process alive.
 */
class OnnxWorkerModel implements FeaModel {
  readonly specificationVersion = 'v1' as const;
  readonly provider = 'onnx';
  #nextId = 1;
  #disposed = false;

  constructor(
    readonly modelId: string,
    private readonly handles: readonly WorkerHandle[],
  ) {}

  async doGenerate(request: GenerateRequest): Promise<GenerateResult> {
    if (this.#disposed) throw new Error(`onnx:${this.modelId}: the model was disposed`);
    request.signal?.throwIfAborted();
    const prompts: PromptInput[] = await Promise.all(
      request.prompts.map(async (prompt) =>
        // Sharp objects cannot cross threads: encode them here, as the in-thread path would.
        prompt.images
          ? { ...prompt, images: await Promise.all(prompt.images.map(encodedImageInput)) }
          : prompt,
      ),
    );
    // One failed prompt fails the request: its siblings are aborted rather than left running.
    const siblings = new AbortController();
    const signal = request.signal ? AbortSignal.any([request.signal, siblings.signal]) : siblings.signal;
    const results = await Promise.all(
      prompts.map((prompt, promptIndex) =>
        this.#submit(prompt, promptIndex, request, signal).catch((error: unknown) => {
          siblings.abort(error);
          throw request.signal?.aborted ? request.signal.reason : error;
        }),
      ),
    );
    return { results };
  }

  #submit(
    prompt: PromptInput,
    promptIndex: number,
    request: GenerateRequest,
    signal: AbortSignal,
  ): Promise<PromptResult> {
    const live = this.handles.filter((handle) => !handle.stopped);
    if (live.length === 0) {
      return Promise.reject(
        new Error(
          `onnx:${this.modelId}: every inference worker has stopped (${this.handles[0]?.stopped?.message})`,
        ),
      );
    }
    const handle = live.reduce((best, candidate) =>
      candidate.pending.size < best.pending.size ? candidate : best,
    );
    const id = this.#nextId;
    this.#nextId += 1;
    const onStream = request.onStream;
    return new Promise<PromptResult>((resolve, reject) => {
      const abort = () => handle.worker.postMessage({ type: 'abort', id } satisfies ToWorker);
      signal.addEventListener('abort', abort, { once: true });
      const settle =
        <T>(next: (value: T) => void) =>
        (value: T) => {
          signal.removeEventListener('abort', abort);
          next(value);
        };
      handle.pending.set(id, {
        resolve: settle(resolve),
        reject: settle(reject),
        onStream: onStream
          ? ({ completionIndex, delta }) => onStream({ promptIndex, completionIndex, delta })
          : undefined,
        signal,
      });
      if (handle.pending.size === 1) handle.worker.ref();
      handle.worker.postMessage({
        type: 'generate',
        id,
        prompt,
        sampling: request.sampling,
        stream: onStream !== undefined,
      } satisfies ToWorker);
    });
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    await Promise.all(this.handles.map((handle) => stopWorker(handle)));
  }
}

function stopWorker(handle: WorkerHandle): Promise<void> {
  handle.disposed ??= (async () => {
    if (!handle.stopped) {
      handle.worker.ref();
      handle.worker.postMessage({ type: 'dispose' } satisfies ToWorker);
      const timeout = new Promise<'timeout'>((resolve) => setTimeout(resolve, 10_000, 'timeout').unref());
      if ((await Promise.race([handle.exited, timeout])) === 'timeout') await handle.worker.terminate();
    }
    fail(handle, new Error('the model was disposed'));
  })();
  return handle.disposed;
}

/** Rejects everything still pending on a worker that stopped. */
function fail(handle: WorkerHandle, error: Error): void {
  handle.stopped ??= error;
  for (const pending of handle.pending.values()) pending.reject(error);
  handle.pending.clear();
}

/**
 * Starts `count` inference workers for the model in `init.directory` and resolves once every
 * one has opened its sessions (or rejects with the first worker's error, rebuilt as its typed
 * class: a missing file is a `ModelFileError` here as it is in-thread).
 */
export async function startOnnxWorkers(
  init: WorkerInit,
  count: number,
  warn: (message: string) => void,
): Promise<FeaModel> {
  const entry = workerEntry();
  const warned = new Set<string>();
  const handles: WorkerHandle[] = [];
  const starting: Promise<void>[] = [];
  for (let index = 0; index < count; index += 1) {
    const worker = new Worker(entry.url, {
      workerData: { ...init, ...(entry.bootstrap ? { bootstrap: entry.bootstrap } : {}) },
      ...(entry.execArgv ? { execArgv: entry.execArgv } : {}),
      name: `fea-onnx-${index}`,
    });
    const handle: WorkerHandle = {
      worker,
      pending: new Map(),
      stopped: undefined,
      disposed: undefined,
      exited: new Promise((resolve) => worker.once('exit', () => resolve())),
    };
    handles.push(handle);
    starting.push(
      new Promise<void>((resolve, reject) => {
        worker.on('message', (message: FromWorker) => {
          switch (message.type) {
            case 'ready':
              worker.unref();
              resolve();
              return;
            case 'init-error': {
              const error = deserializeError(message.error);
              handle.stopped = error;
              reject(error);
              return;
            }
            case 'warning':
              if (!warned.has(message.message)) {
                warned.add(message.message);
                warn(message.message);
              }
              return;
            case 'stream':
              handle.pending.get(message.id)?.onStream?.(message.event);
              return;
            case 'result':
            case 'error': {
              const pending = handle.pending.get(message.id);
              if (!pending) return;
              handle.pending.delete(message.id);
              if (handle.pending.size === 0) worker.unref();
              if (message.type === 'result') pending.resolve(message.result.results[0] as PromptResult);
              else
                pending.reject(
                  pending.signal.aborted ? pending.signal.reason : deserializeError(message.error),
                );
              return;
            }
          }
        });
        worker.on('error', (error) => {
          const stopped = new Error(`the ONNX inference worker failed: ${error.message}`, { cause: error });
          fail(handle, stopped);
          reject(stopped);
        });
        worker.on('exit', (code) => {
          const stopped = new Error(`the ONNX inference worker exited (code ${code})`);
          fail(handle, stopped);
          reject(stopped);
        });
      }),
    );
  }
  try {
    await Promise.all(starting);
  } catch (error) {
    // Workers that did start are disposed; one that failed ends by itself once its loads have
    // settled (terminating a thread while onnxruntime loads a graph in it aborts the process).
    await Promise.all(handles.map((handle) => (handle.stopped ? handle.exited : stopWorker(handle))));
    throw error;
  }
  return new OnnxWorkerModel(init.directory, handles);
}
