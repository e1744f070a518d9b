// Starts the TypeScript inference worker when the runtime runs from source (tests, benches,
// `tsx`): registers tsx's loader in this worker thread, then imports the entry. A built
// package starts dist/onnx-worker.js directly and never uses this file.
import { workerData } from 'node:worker_threads';

const { register } = await import(workerData.bootstrap.tsx);
register();
await import(workerData.bootstrap.entry);
