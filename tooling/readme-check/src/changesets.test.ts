// The pending changesets are ones `changeset version` accepts: each names workspace packages
// with a patch, minor or major bump and says what changed, and none mixes packages changesets
// leaves alone (the config's `ignore`, and private packages under `privatePackages.version:
// false`) with published ones, which changesets refuses as a whole ("Mixed changesets ... are
// not allowed"), stopping every release.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const folder = path.join(root, '.changeset');

function workspacePackages(): Map<string, { private: boolean }> {
  const packages = new Map<string, { private: boolean }>();
  for (const group of ['packages', 'apps', 'tooling'])
    for (const name of readdirSync(path.join(root, group))) {
      let manifest: { name?: string; private?: boolean };
      try {
        manifest = JSON.parse(readFileSync(path.join(root, group, name, 'package.json'), 'utf8'));
      } catch {
        continue;
      }
      if (manifest.name) packages.set(manifest.name, { private: manifest.private === true });
    }
  return packages;
}

describe('pending changesets', () => {
  const config = JSON.parse(readFileSync(path.join(folder, 'config.json'), 'utf8')) as {
    ignore?: string[];
    privatePackages?: { version?: boolean };
  };
  const packages = workspacePackages();
  const leftAlone = (name: string) =>
    (config.ignore ?? []).includes(name) ||
    (packages.get(name)?.private === true && config.privatePackages?.version === false);
  const files = readdirSync(folder).filter((file) => file.endsWith('.md') && file !== 'README.md');

  it.each(files)('%s', (file) => {
    const text = readFileSync(path.join(folder, file), 'utf8');
    const match = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text);
    expect(match, `${file}: no front matter between --- lines`).not.toBeNull();
    const releases = match![1]!
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line, index) => {
        const release = /^\s*"([^"]+)"\s*:\s*(patch|minor|major)\s*$/.exec(line);
        expect(
          release,
          `${file}:${index + 2}: expected "<package>": patch|minor|major, got ${line}`,
        ).not.toBeNull();
        return release![1]!;
      });
    expect(releases.length, `${file}: names no package`).toBeGreaterThan(0);
    for (const name of releases)
      expect(packages.has(name), `${file}: ${name} is not a workspace package`).toBe(true);
    expect(match![2]!.trim(), `${file}: says nothing about the change`).not.toBe('');
    const ignored = releases.filter(leftAlone);
    expect(
      ignored.length === 0 || ignored.length === releases.length,
      `${file}: mixes packages changesets leaves alone (${ignored.join(', ')}) with published ones; split it in two`,
    ).toBe(true);
  });
});
