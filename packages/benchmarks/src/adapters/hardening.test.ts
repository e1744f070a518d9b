import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from '../evaluate/evaluate';
import type { BenchmarkSample } from './benchmark-adapter';
import { BenchmarkDataError } from './errors';
import { getBenchmark } from './registry';

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

async function loadError(benchmark: string, root: string): Promise<BenchmarkDataError & { code: string }> {
  const error = await collect(getBenchmark(benchmark).load(root, { split: 'test' })).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error, 'expected the load to fail').toBeInstanceOf(Error);
  return error as BenchmarkDataError & { code: string };
}

const feaRow = (id: string, image: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ id, dataset: 'fea20k', image, AUs: ['AU4'], labels: ['anger'], ...extra });

describe('adapters keep to their data root and refuse bad rows', () => {
  let directory: string;
  let secret: string;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'fea-adapter-hardening-'));
    secret = path.join(directory, 'secret.txt');
    await writeFile(secret, 'not an image');
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  async function fea20k(name: string, lines: string[]): Promise<string> {
    const root = path.join(directory, name);
    await mkdir(path.join(root, 'images'), { recursive: true });
    await writeFile(path.join(root, 'images', 'ok.jpg'), 'jpeg');
    await writeFile(path.join(root, 'test.jsonl'), `${lines.join('\n')}\n`);
    return root;
  }

  it.each([
    ['a parent path', '../../../../../../../../etc/passwd'],
    ['an absolute path', '/etc/passwd'],
  ])('FEA-20K: refuses %s naming file, line and field', async (name, image) => {
    const root = await fea20k(`fea-${name.replace(/ /g, '-')}`, [feaRow('1', 'ok.jpg'), feaRow('2', image)]);
    const error = await loadError('fea20k', root);
    expect(error).toBeInstanceOf(BenchmarkDataError);
    expect(error.line).toBe(2);
    expect(error.field).toBe('image');
    expect(error.message).toContain('outside the image root');
  });

  it('FEA-20K: refuses a symbolic link that leads out, and reads it when allowed', async () => {
    const root = await fea20k('fea-link', [feaRow('1', 'link.jpg')]);
    await symlink(secret, path.join(root, 'images', 'link.jpg'));
    const error = await loadError('fea20k', root);
    expect(error.message).toContain('outside the image root');
    const samples = await collect(getBenchmark('fea20k').load(root, { allowOutsideRoot: true }));
    expect(samples.map((sample) => sample.image)).toEqual([path.join(root, 'images', 'link.jpg')]);
  });

  it('FEA-20K: refuses a FIFO named .jpg instead of hanging', async () => {
    const root = await fea20k('fea-fifo', [feaRow('1', 'pipe.jpg')]);
    execFileSync('mkfifo', [path.join(root, 'images', 'pipe.jpg')]);
    const error = await loadError('fea20k', root);
    expect(error.message).toContain('not a regular file');
  });

  it.each([
    [{ labels: ['banana'] }, 'labels.0'],
    [{ labels: ['7'] }, 'labels.0'],
    [{ AUs: ['AU999'] }, 'AUs.0'],
    [{ AUs: ['AU4.5'] }, 'AUs.0'],
  ])('FEA-20K: refuses %j naming line and field', async (extra, field) => {
    const root = await fea20k(`fea-bad-${field}-${Object.values(extra)[0]}`, [
      feaRow('1', 'ok.jpg'),
      feaRow('2', 'ok.jpg', extra),
    ]);
    const error = (await loadError('fea20k', root)) as unknown as { line: number; field: string };
    expect(error.line).toBe(2);
    expect(error.field).toBe(field);
  });

  it('FEA-20K: a duplicate id is an error, so evaluate never counts a sample twice', async () => {
    const root = await fea20k('fea-dupes', [feaRow('1', 'ok.jpg'), feaRow('1', 'ok.jpg')]);
    const error = (await loadError('fea20k', root)) as unknown as {
      line: number;
      field: string;
      message: string;
    };
    expect(error.line).toBe(2);
    expect(error.field).toBe('id');
    expect(error.message).toContain('line 1');
  });

  async function rafdb(name: string, lines: string[]): Promise<string> {
    const root = path.join(directory, name);
    await mkdir(path.join(root, 'EmoLabel'), { recursive: true });
    await mkdir(path.join(root, 'Image', 'aligned'), { recursive: true });
    await mkdir(path.join(root, 'Image', 'original'), { recursive: true });
    for (const stem of ['test_0001', 'test_0002'])
      await writeFile(path.join(root, 'Image', 'aligned', `${stem}_aligned.jpg`), 'jpeg');
    await writeFile(path.join(root, 'EmoLabel', 'list_patition_label.txt'), `${lines.join('\n')}\n`);
    return root;
  }

  it('RAF-DB: refuses a list line with folders or .. in the name, naming file and line', async () => {
    const root = await rafdb('raf-escape', [
      'test_0001.jpg 1',
      'test_x/../../../../../../../../etc/passwd 1',
    ]);
    const error = await loadError('rafdb', root);
    expect(error).toBeInstanceOf(BenchmarkDataError);
    expect(error.line).toBe(2);
    expect(error.field).toBe('image');
    expect(error.message).toContain('list_patition_label.txt:2');
  });

  it('RAF-DB: refuses an image symlinked out of the root', async () => {
    const root = await rafdb('raf-link', ['test_0003.jpg 1']);
    await symlink(secret, path.join(root, 'Image', 'aligned', 'test_0003_aligned.jpg'));
    const error = await loadError('rafdb', root);
    expect(error.message).toContain('outside the data root');
  });

  it('RAF-DB: refuses the code 01 (read as 1 before) and a repeated image', async () => {
    const zero = await loadError('rafdb', await rafdb('raf-01', ['test_0001.jpg 01']));
    expect(zero.line).toBe(1);
    expect(zero.message).toContain('"01"');
    const twice = await loadError(
      'rafdb',
      await rafdb('raf-dupe', ['test_0001.jpg 1', 'test_0002.jpg 4', 'test_0001.jpg 1']),
    );
    expect(twice.line).toBe(3);
    expect(twice.message).toContain('line 1');
  });

  it('evaluate refuses samples with a repeated id instead of counting them twice', () => {
    const sample: BenchmarkSample = { id: 'a', dataset: 'rafdb', image: 'a.jpg', AUs: [], labels: ['anger'] };
    expect(() =>
      evaluate([sample, sample], [{ id: 'a', text: '<answer>anger</answer>' }], getBenchmark('rafdb')),
    ).toThrow(/"a".*twice|twice.*"a"/);
  });
});
