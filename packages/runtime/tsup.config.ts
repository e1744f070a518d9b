import { defineConfig } from 'tsup';

// One entry per public subpath (the root stays free of onnxruntime-node and sharp). The
// inference worker is its own entry: createOnnxModel starts dist/onnx-worker.js in a worker
// thread, found beside the bundle (and its chunks) through import.meta.url.
const entries = {
  index: 'src/index.ts',
  onnx: 'src/onnx/index.ts',
  openai: 'src/openai/index.ts',
  server: 'src/server/index.ts',
};

export default defineConfig({
  entry: { ...entries, 'onnx-worker': 'src/onnx/onnx-worker.ts' },
  format: ['esm'],
  dts: { entry: entries },
  sourcemap: true,
  clean: true,
  target: 'node20',
});
