/**
 * The inference worker: opens the model's onnxruntime sessions in this thread and runs the
 * generation loop for the prompts its proxy sends, one at a time, streaming deltas back.
 * Started by `createOnnxModel` (never imported by users).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FeaModel } from '../model';
import { createOnnxModel } from './create-onnx-model';
import { type FromWorker, serializeError, type ToWorker, type WorkerInit } from './worker-protocol';

const port = parentPort;
if (!port) throw new Error('onnx-worker must run in a worker thread started by createOnnxModel');
const post = (message: FromWorker) => port.postMessage(message);
const init = workerData as WorkerInit;
const aborts = new Map<number, AbortController>();
// Messages may arrive while the sessions are still opening: every handler awaits this.
const opening: Promise<FeaModel> = createOnnxModel(init.directory, {
  ...init.options,
  workers: 0,
  onWarning: (warning) => post({ type: 'warning', message: warning }),
});

port.on('message', (message: ToWorker) => {
  if (message.type === 'abort') {
    aborts.get(message.id)?.abort(new DOMException('The operation was aborted.', 'AbortError'));
    return;
  }
  if (message.type === 'dispose') {
    void (async () => {
      await (await opening.catch(() => undefined))?.dispose();
      port.close(); // the thread ends; the proxy waits for its exit
    })();
    return;
  }
  const { id, prompt, sampling, stream } = message;
  const controller = new AbortController();
  aborts.set(id, controller);
  void (async () => {
    try {
      const model = await opening;
      const result = await model.doGenerate({
        prompts: [prompt],
        ...(sampling ? { sampling } : {}),
        signal: controller.signal,
        ...(stream ? { onStream: (event) => post({ type: 'stream', id, event }) } : {}),
      });
      post({ type: 'result', id, result });
    } catch (error) {
      post({ type: 'error', id, error: serializeError(error) });
    } finally {
      aborts.delete(id);
    }
  })();
});

opening.then(
  () => post({ type: 'ready' }),
  (error: unknown) => {
    // Nothing is loading any more (createOnnxModel settles every session first): report and
    // let the thread end by itself, which is safe where terminating it mid-load is not.
    post({ type: 'init-error', error: serializeError(error) });
    port.close();
  },
);
