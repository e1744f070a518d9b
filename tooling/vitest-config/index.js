// @ts-check
import { defineProject } from 'vitest/config';

/**
 * The shared vitest preset of every workspace package: tests live beside the code
 * (`src/**\/*.test.ts`) and import sibling packages from their `src/` through the
 * `@facial-r1/source` export condition, so `pnpm test` needs no build.
 *
 * Plain JavaScript on purpose: vitest loads config files with Node, which cannot import a
 * workspace package's `.ts` source.
 *
 * @param {string} name the project name shown by vitest (the package folder name)
 * @param {import('vitest/config').TestProjectInlineConfiguration['test']} [overrides]
 */
export function defineFeaProject(name, overrides = {}) {
  return defineProject({
    resolve: { conditions: ['@facial-r1/source'] },
    ssr: { resolve: { conditions: ['@facial-r1/source'] } },
    test: {
      name,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: 30_000,
      hookTimeout: 60_000,
      ...overrides,
    },
  });
}
