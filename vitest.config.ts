import { defineConfig } from 'vitest/config';

// One vitest process runs every workspace project against `src/` (no build needed): each
// project's config comes from @facial-r1/vitest-config, which resolves `@facial-r1/*` through
// the `@facial-r1/source` export condition. In CI a JSON report is written for .ci/run.
export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'apps/*/vitest.config.ts', 'tooling/*/vitest.config.ts'],
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: process.env.CI ? { json: 'test-results.json' } : undefined,
  },
});
