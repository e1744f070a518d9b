import { execFileSync } from 'node:child_process';

/**
 * Debian's Chromium (or CHROMIUM_PATH), or undefined with the reason printed once: for browser
 * tests and scripts that drive it with playwright-core (no browser download).
 */
export function findChromium(purpose) {
  for (const candidate of [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (!candidate) continue;
    try {
      execFileSync(candidate, ['--version'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // try the next one
    }
  }
  console.warn(`${purpose} skipped: no Chromium found (apt-get install chromium, or set CHROMIUM_PATH)`);
  return undefined;
}

/** Flags for a quiet, offline headless Chromium. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
