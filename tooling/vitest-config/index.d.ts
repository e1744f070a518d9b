import type { UserWorkspaceConfig } from 'vitest/config';

/** The shared vitest preset: tests beside the code, sibling packages resolved to `src/`. */
export declare function defineFeaProject(
  name: string,
  overrides?: UserWorkspaceConfig['test'],
): UserWorkspaceConfig;
