import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withAtomicFile, writeFileAtomic } from './write-file-atomic';
import { writeJsonlAtomic } from './write-jsonl-atomic';

describe('writeFileAtomic', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'fr1-atomic-'));
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  it('writes text, bytes and chunk streams, creating the folder, leaving no temporary file', async () => {
    const folder = path.join(directory, 'a', 'b');
    await writeFileAtomic(path.join(folder, 'text.json'), '{"x":1}\n');
    await writeFileAtomic(path.join(folder, 'bytes.bin'), new Uint8Array([1, 2, 3]));
    async function* chunks() {
      yield 'one\n';
      yield new TextEncoder().encode('two\n');
    }
    await writeFileAtomic(path.join(folder, 'chunks.txt'), chunks());
    expect(await readFile(path.join(folder, 'text.json'), 'utf8')).toBe('{"x":1}\n');
    expect([...(await readFile(path.join(folder, 'bytes.bin')))]).toEqual([1, 2, 3]);
    expect(await readFile(path.join(folder, 'chunks.txt'), 'utf8')).toBe('one\ntwo\n');
    expect((await readdir(folder)).sort()).toEqual(['bytes.bin', 'chunks.txt', 'text.json']);
  });

  it('a failed write leaves the old file whole and no temporary file', async () => {
    const file = path.join(directory, 'keep.txt');
    await writeFile(file, 'old\n');
    async function* failing() {
      yield 'new, half';
      throw new Error('disk gone');
    }
    await expect(writeFileAtomic(file, failing())).rejects.toThrow('disk gone');
    expect(await readFile(file, 'utf8')).toBe('old\n');
    await expect(
      withAtomicFile(file, async (temporary) => {
        await writeFile(temporary, 'partial');
        throw new Error('writer failed');
      }),
    ).rejects.toThrow('writer failed');
    expect(await readFile(file, 'utf8')).toBe('old\n');
    expect((await readdir(directory)).filter((name) => name.includes('keep'))).toEqual(['keep.txt']);
  });

  it('concurrent writers of one file never share a temporary name: the result is one of them, whole', async () => {
    const file = path.join(directory, 'race.txt');
    const bodies = Array.from({ length: 8 }, (_, index) => `${String(index).repeat(100_000)}\n`);
    await Promise.all(bodies.map((body) => writeFileAtomic(file, body)));
    expect(bodies).toContain(await readFile(file, 'utf8'));
    expect((await readdir(directory)).filter((name) => name.includes('race'))).toEqual(['race.txt']);
  });

  it('sets the mode it is given, also through a path writer', async () => {
    const secret = path.join(directory, 'secret.json');
    await writeFileAtomic(secret, '{}', { mode: 0o600 });
    expect((await stat(secret)).mode & 0o777).toBe(0o600);
    const viaPath = path.join(directory, 'via-path.bin');
    const returned = await withAtomicFile(viaPath, (temporary) => writeFile(temporary, 'x').then(() => 42), {
      mode: 0o640,
    });
    expect(returned).toBe(42);
    expect((await stat(viaPath)).mode & 0o777).toBe(0o640);
  });

  it('writeJsonlAtomic counts records and writes an empty file for none', async () => {
    const file = path.join(directory, 'records.jsonl');
    expect(await writeJsonlAtomic(file, [{ a: 1 }, { b: 2 }])).toBe(2);
    expect(await readFile(file, 'utf8')).toBe('{"a":1}\n{"b":2}\n');
    expect(await writeJsonlAtomic(file, [])).toBe(0);
    expect(await readFile(file, 'utf8')).toBe('');
  });
});
