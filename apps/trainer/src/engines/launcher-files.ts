import { fileURLToPath } from 'node:url';

/** Absolute path of a Python launcher shipped in this app's `launchers/` folder. */
export function launcherPath(name: 'trl_launcher.py'): string {
  // src/engines/*.ts and dist/*.js both sit two levels below the app root or one below dist.
  const candidates = [
    new URL(`../../launchers/${name}`, import.meta.url),
    new URL(`../launchers/${name}`, import.meta.url),
  ];
  return fileURLToPath(candidates[import.meta.url.includes('/dist/') ? 1 : 0]!);
}
