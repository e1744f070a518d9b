import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replaceFileAtomic, writeFileAtomic } from './write-file-atomic';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'fea-atomic-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('writes text and bytes, creating the folder, and leaves no temporary file', async () => {
    const file = path.join(directory, 'nested', 'report.json');
    await writeFileAtomic(file, '{"a":1}\n');
    expect(await readFile(file, 'utf8')).toBe('{"a":1}\n');
    await writeFileAtomic(file, new Uint8Array([104, 105]));
    expect(await readFile(file, 'utf8')).toBe('hi');
    expect(await readdir(path.dirname(file))).toEqual(['report.json']);
  });

  it('concurrent writers of one file never mix: the result is one of them, whole', async () => {
    const file = path.join(directory, 'race.txt');
    const texts = Array.from({ length: 20 }, (_, index) => `${String(index).repeat(50_000)}\n`);
    await Promise.all(texts.map((text) => writeFileAtomic(file, text)));
    expect(texts).toContain(await readFile(file, 'utf8'));
    expect((await readdir(directory)).filter((name) => name.includes('partial'))).toEqual([]);
  });

  it('gives the file its mode from the start (a secret is never readable by others)', async () => {
    const file = path.join(directory, 'token.json');
    await writeFileAtomic(file, '{"token":"x"}', { mode: 0o600 });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('a failing writer leaves the old file as it was and no temporary file', async () => {
    const file = path.join(directory, 'keep.txt');
    await writeFile(file, 'old');
    await expect(
      replaceFileAtomic(file, async (handle) => {
        await handle.write('half');
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(await readFile(file, 'utf8')).toBe('old');
    expect((await readdir(directory)).filter((name) => name.includes('partial'))).toEqual([]);
  });
});
