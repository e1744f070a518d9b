import { type ChildProcess, spawn } from 'node:child_process';
import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CorruptJsonlError } from './errors';
import { createJsonlAppender } from './jsonl-appender';

const worker = fileURLToPath(new URL('./__fixtures__/append-worker.ts', import.meta.url));
const tsx = createRequire(import.meta.url).resolve('tsx');

function runWorker(file: string, count: number): { child: ChildProcess; done: Promise<number | null> } {
  const child = spawn(
    process.execPath,
    ['--conditions=@facial-r1/source', '--import', tsx, worker, file, String(count)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const done = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, done };
}

async function readIds(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8');
  expect(text === '' || text.endsWith('\n')).toBe(true);
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { id: string }).id);
}

describe('createJsonlAppender', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'fea-append-'));
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  it('appends, skips known keys and resumes with the keys of an existing file', async () => {
    const file = path.join(directory, 'simple', 'out.jsonl');
    const appender = await createJsonlAppender<{ id: string }>(file, { key: (record) => record.id });
    expect(await appender.append({ id: 'a' })).toBe(true);
    expect(await appender.append({ id: 'a' })).toBe(false);
    await Promise.all([appender.append({ id: 'b' }), appender.append({ id: 'c' })]);
    await appender.close();
    const reopened = await createJsonlAppender<{ id: string }>(file, { key: (record) => record.id });
    expect(reopened.size).toBe(3);
    expect(reopened.has('b')).toBe(true);
    await reopened.close();
    expect(await readIds(file)).toEqual(['a', 'b', 'c']);
  });

  it('cuts off a torn last line on open, and refuses a damaged middle line', async () => {
    const file = path.join(directory, 'torn.jsonl');
    await writeFile(file, '{"id":"a"}\n{"id":"b"}\n{"id":"c","pay');
    const appender = await createJsonlAppender<{ id: string }>(file, { key: (record) => record.id });
    expect(appender.size).toBe(2);
    await appender.append({ id: 'c' });
    await appender.close();
    expect(await readIds(file)).toEqual(['a', 'b', 'c']);

    const broken = path.join(directory, 'broken.jsonl');
    await writeFile(broken, '{"id":"a"}\n{"id":\n{"id":"c"}\n');
    await expect(createJsonlAppender(broken, { key: (record: { id: string }) => record.id })).rejects.toThrow(
      CorruptJsonlError,
    );
    await expect(createJsonlAppender(broken, { key: (record: { id: string }) => record.id })).rejects.toThrow(
      /broken\.jsonl:2: not valid JSON/,
    );
  });

  it('survives kill -9 mid-write: no torn line, no duplicate, and a rerun completes to the same file', async () => {
    const count = 4000;
    const reference = path.join(directory, 'uninterrupted.jsonl');
    expect(await runWorker(reference, count).done).toBe(0);

    const file = path.join(directory, 'killed.jsonl');
    const { child, done } = runWorker(file, count);
    // Kill once a few hundred records have landed.
    for (;;) {
      const size = await stat(file).then(
        (info) => info.size,
        () => 0,
      );
      if (size > 300 * 220) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    child.kill('SIGKILL');
    expect(await done).toBeNull();
    // Simulate the worst case too: a write cut short after the kill.
    await appendFile(file, '{"id":"sample-99999","payl');

    const reopened = await createJsonlAppender<{ id: string }>(file, { key: (record) => record.id });
    const partialCount = reopened.size;
    await reopened.close();
    expect(partialCount).toBeGreaterThan(0);
    expect(partialCount).toBeLessThan(count);
    const partialIds = await readIds(file);
    expect(new Set(partialIds).size).toBe(partialIds.length);

    expect(await runWorker(file, count).done).toBe(0);
    const resumed = await readIds(file);
    expect(new Set(resumed).size).toBe(count);
    expect([...resumed].sort()).toEqual([...(await readIds(reference))].sort());
    expect(resumed.slice(0, partialIds.length)).toEqual(partialIds);
  });
});
