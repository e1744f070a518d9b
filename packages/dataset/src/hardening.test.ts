import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageNotRegularFileError, ImageOutsideRootError, InvalidRecordError } from './errors';
import { createJsonlAppender } from './jsonl-appender';
import { readFeaJsonl, readJsonl } from './read-jsonl';
import { resolveImagePath } from './resolve-image';

const sample = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  dataset: 'fea20k',
  image: `${id}.jpg`,
  AUs: ['AU6', 'AU12'],
  labels: ['happiness'],
  ...extra,
});

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

async function failure(promise: Promise<unknown>): Promise<InvalidRecordError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(InvalidRecordError);
  return error as InvalidRecordError;
}

describe('hardened data reading', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'fea-hardening-'));
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  const write = async (name: string, content: string | Buffer) => {
    const file = path.join(directory, name);
    await writeFile(file, content);
    return file;
  };

  it('reads JSONL that starts with a UTF-8 byte-order mark', async () => {
    const file = await write(
      'bom.jsonl',
      `\uFEFF${JSON.stringify(sample('1'))}\n${JSON.stringify(sample('2'))}\r\n`,
    );
    expect((await collect(readFeaJsonl(file))).map((item) => item.id)).toEqual(['1', '2']);
  });

  it('refuses invalid UTF-8 naming the line instead of replacing it with U+FFFD', async () => {
    const good = Buffer.from(`${JSON.stringify(sample('1'))}\n`);
    const bad = Buffer.concat([
      Buffer.from('{"id":"2","dataset":"x","image":"a'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('.jpg","AUs":[],"labels":[]}\n'),
    ]);
    const file = await write('latin1.jsonl', Buffer.concat([good, bad]));
    const error = await failure(collect(readJsonl(file)));
    expect(error.line).toBe(2);
    expect(error.message).toMatch(/latin1\.jsonl:2: .*UTF-8/);
    const skipped: InvalidRecordError[] = [];
    const read = await collect(readJsonl(file, { onInvalid: 'skip', onSkip: (item) => skipped.push(item) }));
    expect(read).toHaveLength(1);
    expect(skipped.map((item) => item.line)).toEqual([2]);
  });

  it('refuses a duplicate sample id, naming both lines', async () => {
    const rows = [sample('a'), sample('b'), sample('a', { labels: ['anger'] })];
    const file = await write('dupes.jsonl', `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`);
    const error = await failure(collect(readFeaJsonl(file)));
    expect(error.line).toBe(3);
    expect(error.field).toBe('id');
    expect(error.message).toContain('line 1');
  });

  it.each([
    ['labels', 'banana', 'labels.0'],
    ['labels', '7', 'labels.0'],
    ['AUs', 'AU999', 'AUs.1'],
    ['AUs', 'AU4.5', 'AUs.1'],
  ])('refuses %s value %s, naming line and field', async (key, value, field) => {
    const bad = key === 'labels' ? { labels: [value] } : { AUs: ['AU4', value] };
    const file = await write(
      `bad-${value}.jsonl`,
      `${JSON.stringify(sample('1'))}\n${JSON.stringify(sample('2', bad))}\n`,
    );
    const error = await failure(collect(readFeaJsonl(file)));
    expect(error.line).toBe(2);
    expect(error.field).toBe(field);
  });

  it('still accepts label synonyms and case, and AU codes FACS defines', async () => {
    const file = await write(
      'ok-labels.jsonl',
      `${JSON.stringify(sample('1', { labels: ['<answer>Happy</answer>'], AUs: ['AU04', 'AU43'] }))}\n${JSON.stringify(sample('2', { labels: [''] }))}\n`,
    );
    expect(await collect(readFeaJsonl(file))).toHaveLength(2);
  });

  describe('image paths', () => {
    let root: string;
    beforeAll(async () => {
      root = path.join(directory, 'dataset');
      await mkdir(path.join(root, 'images'), { recursive: true });
      await writeFile(path.join(root, 'images', 'face.jpg'), 'jpeg');
      await writeFile(path.join(directory, 'secret.txt'), 'secret');
      await symlink(path.join(directory, 'secret.txt'), path.join(root, 'images', 'link.jpg'));
    });

    it('resolves inside the root', async () => {
      await expect(resolveImagePath('images/face.jpg', [root])).resolves.toBe(
        path.join(root, 'images', 'face.jpg'),
      );
      await expect(resolveImagePath(path.join(root, 'images', 'face.jpg'), [root])).resolves.toBe(
        path.join(root, 'images', 'face.jpg'),
      );
    });

    it.each([
      ['a parent path', '../secret.txt'],
      ['a deep parent path', '../../../../../../etc/passwd'],
      ['an absolute path', '/etc/passwd'],
      ['a symbolic link out of the root', 'images/link.jpg'],
    ])('refuses %s', async (_, image) => {
      const error = await resolveImagePath(image, [root]).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ImageOutsideRootError);
      expect((error as Error).message).toContain(image);
      expect((error as Error).message).toContain('allowOutsideRoot');
    });

    it('reads outside the root only when asked to', async () => {
      await expect(resolveImagePath('../secret.txt', [root], { allowOutsideRoot: true })).resolves.toBe(
        path.join(directory, 'secret.txt'),
      );
      await expect(resolveImagePath('images/link.jpg', [root], { allowOutsideRoot: true })).resolves.toBe(
        path.join(root, 'images', 'link.jpg'),
      );
    });

    it('refuses a FIFO or a folder named like an image', async () => {
      execFileSync('mkfifo', [path.join(root, 'images', 'pipe.jpg')]);
      await mkdir(path.join(root, 'images', 'folder.jpg'));
      await expect(resolveImagePath('images/pipe.jpg', [root])).rejects.toBeInstanceOf(
        ImageNotRegularFileError,
      );
      await expect(resolveImagePath('images/folder.jpg', [root])).rejects.toBeInstanceOf(
        ImageNotRegularFileError,
      );
    });
  });

  describe('appender resume', () => {
    it('resumes a file with a byte-order mark and multi-byte text, cutting a torn tail at the right byte', async () => {
      const file = path.join(directory, 'resume-bom.jsonl');
      const lines = ['é', 'ü😀', '中文'].map((text, index) => JSON.stringify({ id: String(index), text }));
      await writeFile(file, `\uFEFF${lines.join('\n')}\n{"id":"3","text":"ü`);
      const appender = await createJsonlAppender<{ id: string }>(file, { key: (record) => record.id });
      expect(appender.size).toBe(3);
      await appender.append({ id: '3' });
      await appender.close();
      expect(await readFile(file, 'utf8')).toBe(`\uFEFF${lines.join('\n')}\n{"id":"3"}\n`);
    });

    it('resumes a 40,000-record file with every key', async () => {
      const file = path.join(directory, 'resume-40k.jsonl');
      const count = 40_000;
      await writeFile(
        file,
        Array.from(
          { length: count },
          (_, index) => `${JSON.stringify({ id: `s${index}`, text: 'é'.repeat(index % 7) })}\n`,
        ).join(''),
      );
      const appender = await createJsonlAppender<{ id: string }>(file, { key: (record) => record.id });
      expect(appender.size).toBe(count);
      expect(appender.has('s0') && appender.has(`s${count - 1}`)).toBe(true);
      expect(await appender.append({ id: 's17' })).toBe(false);
      await appender.close();
    });
  });
});
