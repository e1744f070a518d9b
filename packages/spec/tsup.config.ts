import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', test: 'src/test/index.ts' },
  // ESM and CommonJS: packages with a `require` entry (facs, parsers, rewards) depend on it.
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
});
