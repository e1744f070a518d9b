import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/bin.ts'],
  // ESM and CommonJS: `require('@facial-r1/rewards')` works from any Node 20 (the bin runs the ESM build).
  format: ['esm', 'cjs'],
  // `import.meta.url` (bridgePath) in the CommonJS build.
  shims: true,
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
});
