/**
 * Debian's Chromium (or CHROMIUM_PATH), or undefined with the reason printed once: for browser
 * tests and scripts that drive it with playwright-core (no browser download).
 */
export declare function findChromium(purpose: string): string | undefined;

/** Flags for a quiet, offline headless Chromium. */
export declare const CHROMIUM_ARGS: readonly string[];
