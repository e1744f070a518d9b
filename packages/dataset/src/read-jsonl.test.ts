import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageNotFoundError, type InvalidRecordError } from './errors';
import { parseFeaSample, safeParseFeaSample } from './fea-sample';
import { type ReadStats, readFeaJsonl, readJsonl } from './read-jsonl';
import { resolveImagePath } from './resolve-image';
import { writeJsonlAtomic } from './write-jsonl-atomic';

const sample = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  dataset: 'fea20k',
  image: `images/${id}.jpg`,
  question: '<image>What is the emotion of this face?',
  AUs: ['AU6', 'AU12'],
  labels: ['happiness'],
  description: '<think>Raised cheeks (AU6) and a smile (AU12).</think><answer>happiness</answer>',
  meta_info: { source: 'RAF-DB' },
  ...extra,
});

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

describe('FEA JSONL', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'fea-read-'));
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  it('reads FEA-20K samples, skips is_valid:false and keeps unknown fields on a round trip', async () => {
    const file = path.join(directory, 'train.jsonl');
    const rows = [sample('1', { extra_field: [1, 2] }), sample('2', { is_valid: false }), sample('3')];
    await writeFile(file, `${rows.map((row) => JSON.stringify(row)).join('\n')}\n\n`);
    const stats: ReadStats = { read: 0, skippedInvalid: 0, skippedNotValid: 0 };
    const samples = await collect(readFeaJsonl(file, { stats }));
    expect(samples.map((item) => item.id)).toEqual(['1', '3']);
    expect(stats).toEqual({ read: 2, skippedInvalid: 0, skippedNotValid: 1 });
    const copy = path.join(directory, 'copy.jsonl');
    await writeJsonlAtomic(copy, samples);
    const lines = (await readFile(copy, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines[0]).toEqual(rows[0]);
  });

  it('names file, line and field of a bad record, or skips and counts it', async () => {
    const file = path.join(directory, 'bad.jsonl');
    await writeFile(
      file,
      [
        JSON.stringify(sample('1')),
        '{not json',
        JSON.stringify({ ...sample('3'), AUs: 'AU4' }),
        JSON.stringify(sample('4')),
      ].join('\n'),
    );
    await expect(collect(readFeaJsonl(file))).rejects.toThrow(/bad\.jsonl:2: not valid JSON/);
    const skipped: InvalidRecordError[] = [];
    const stats: ReadStats = { read: 0, skippedInvalid: 0, skippedNotValid: 0 };
    const samples = await collect(
      readFeaJsonl(file, { onInvalid: 'skip', onSkip: (error) => skipped.push(error), stats }),
    );
    expect(samples.map((item) => item.id)).toEqual(['1', '4']);
    expect(skipped.map((error) => [error.line, error.field])).toEqual([
      [2, undefined],
      [3, 'AUs'],
    ]);
    expect(skipped[1]!.message).toMatch(/bad\.jsonl:3: field "AUs": .*array/i);
    expect(stats.skippedInvalid).toBe(2);
  });

  it('reads plain JSONL without a schema and parses single samples both ways', async () => {
    const file = path.join(directory, 'plain.jsonl');
    await writeFile(file, '{"a":1}\n{"a":2}\n');
    expect(await collect(readJsonl(file))).toEqual([{ a: 1 }, { a: 2 }]);
    expect(parseFeaSample(sample('x')).id).toBe('x');
    const result = safeParseFeaSample({ id: 'x' }, { file: 'f.jsonl', line: 9 });
    expect(result.success).toBe(false);
    if (!result.success) expect(result.error.message).toMatch(/^f\.jsonl:9: field "dataset"/);
  });

  it('resolves images against roots and names every path tried', async () => {
    const roots = [path.join(directory, 'a'), path.join(directory, 'b')];
    await writeFile(path.join(directory, 'face.jpg'), 'x');
    await expect(resolveImagePath('face.jpg', [...roots, directory])).resolves.toBe(
      path.join(directory, 'face.jpg'),
    );
    await expect(
      resolveImagePath(path.join(directory, 'face.jpg'), [], { allowOutsideRoot: true }),
    ).resolves.toBe(path.join(directory, 'face.jpg'));
    const error = await resolveImagePath('missing.jpg', roots).catch((caught) => caught);
    expect(error).toBeInstanceOf(ImageNotFoundError);
    expect(error.message).toContain(path.join(directory, 'a', 'missing.jpg'));
    expect(error.message).toContain(path.join(directory, 'b', 'missing.jpg'));
  });

  it('writes atomically: a failing source leaves the old file and no temp file', async () => {
    const file = path.join(directory, 'atomic.jsonl');
    await writeJsonlAtomic(file, [{ a: 1 }]);
    async function* failing() {
      yield { a: 2 };
      throw new Error('source failed');
    }
    await expect(writeJsonlAtomic(file, failing())).rejects.toThrow('source failed');
    expect(await readFile(file, 'utf8')).toBe('{"a":1}\n');
    const { readdir } = await import('node:fs/promises');
    expect((await readdir(directory)).filter((name) => name.includes('partial'))).toEqual([]);
  });
});
