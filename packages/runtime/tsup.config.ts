import { defineConfig } from 'tsup';

export default defineConfig({
  // The inference worker is its own entry: createOnnxModel starts dist/onnx-worker.js in a
  // worker thread, found beside the bundle through import.meta.url.
  entry: { index: 'src/index.ts', 'onnx-worker': 'src/onnx/onnx-worker.ts' },
  format: ['esm'],
  dts: { entry: { index: 'src/index.ts' } },
  sourcemap: true,
  clean: true,
  target: 'node20',
});
