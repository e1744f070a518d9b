import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FeaSample } from '@facial-r1/dataset';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completion } from '../__fixtures__/scripted-model';
import { splitTrainTest } from '../split/split-dataset';
import { mergeRounds } from '../split/merge-rounds';
import { REVIEW_COLUMNS, exportReviewSheet, importReviewDecisions } from './review-sheet';

describe('human review, splits and dataset versions', () => {
  let directory: string;
  const samples: FeaSample[] = ['a', 'b', 'c', 'd'].map((id, index) => ({
    id,
    dataset: 'rafdb',
    image: '',
    AUs: ['AU6', 'AU12'],
    labels: ['happiness'],
    description: completion(['AU6', 'AU12'], 'happiness', ` number ${index}`),
    meta_info: { subject: `s${index % 2}` },
  }));
  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'fea-review-'));
    for (const item of samples) {
      item.image = path.join(directory, 'images', `${item.id}.jpg`);
      await (await import('node:fs/promises')).mkdir(path.dirname(item.image), { recursive: true });
      await writeFile(item.image, Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
    }
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  it('exports a review sheet, imports decisions, and re-verifies edits', async () => {
    const sheet = await exportReviewSheet(samples, {
      directory: path.join(directory, 'review'),
      size: 4,
      embedImages: true,
    });
    expect(sheet.count).toBe(4);
    const html = await readFile(sheet.htmlFile, 'utf8');
    expect(html).toContain('data:image/jpeg;base64,');
    expect(html).toContain('&lt;think&gt;');
    const rows = parse(await readFile(sheet.csvFile, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0]!)).toEqual([...REVIEW_COLUMNS]);
    rows[0]!.decision = 'accept';
    rows[1]!.decision = 'reject';
    rows[2]!.decision = 'edit';
    rows[2]!.edited_description = completion(['AU6', 'AU12'], 'happiness', ' after review');
    rows[3]!.decision = 'edit';
    rows[3]!.edited_description = completion(['AU6'], 'happiness');
    await writeFile(sheet.csvFile, stringify(rows, { header: true, columns: [...REVIEW_COLUMNS] }));
    const result = await importReviewDecisions(sheet.csvFile, samples);
    expect(result.kept.map((item) => item.id)).toEqual(['a', 'c']);
    expect(result.kept[1]!.description).toContain('after review');
    expect(result.rejected).toEqual(['b']);
    expect(result.failedEdits).toEqual([{ id: 'd', problems: ['name these missing AUs: AU12'] }]);

    rows[0]!.decision = 'maybe';
    await writeFile(sheet.csvFile, stringify(rows, { header: true, columns: [...REVIEW_COLUMNS] }));
    await expect(importReviewDecisions(sheet.csvFile, samples)).rejects.toThrow(
      /review\.csv:2: column "decision": expected accept, reject or edit, got "maybe"/,
    );
  });

  it('splits without any subject or image in both parts, deterministically', () => {
    const many: FeaSample[] = Array.from({ length: 400 }, (_, index) => ({
      id: `x${index}`,
      dataset: 'd',
      image: `/i/${index % 150}.jpg`,
      AUs: [],
      labels: [],
      meta_info: index % 2 ? { subject: `s${index % 30}` } : {},
    }));
    const { train, test } = splitTrainTest(many, { testFraction: 0.2, seed: 3 });
    expect(train.length + test.length).toBe(400);
    expect(test.length).toBeGreaterThan(20);
    const key = (item: FeaSample) =>
      item.meta_info?.subject ? `s:${item.meta_info.subject}` : `i:${item.image}`;
    const trainKeys = new Set(train.map(key));
    expect(test.filter((item) => trainKeys.has(key(item)))).toEqual([]);
    expect(splitTrainTest(many, { testFraction: 0.2, seed: 3 }).test.map((item) => item.id)).toEqual(
      test.map((item) => item.id),
    );
  });

  it('merges rounds into a dataset version: later rounds win, duplicates dropped', async () => {
    const first = path.join(directory, 'r1.jsonl');
    const second = path.join(directory, 'r2.jsonl');
    await writeFile(first, `${samples.map((item) => JSON.stringify(item)).join('\n')}\n`);
    await writeFile(
      second,
      `${JSON.stringify({ ...samples[0], description: completion(['AU6', 'AU12'], 'happiness', ' rewritten in round two') })}\n${JSON.stringify({ ...samples[1], id: 'dup', description: samples[1]!.description })}\n`,
    );
    const manifest = await mergeRounds([first, second], {
      directory: path.join(directory, 'v1'),
      version: 'fea-fixture-v1',
      testFraction: 0.5,
    });
    expect(manifest.counts).toMatchObject({ merged: 5, duplicates: 1 });
    expect(manifest.counts.train + manifest.counts.test).toBe(4);
    const all = [
      ...(await readFile(path.join(directory, 'v1/train.jsonl'), 'utf8')).trim().split('\n'),
      ...(await readFile(path.join(directory, 'v1/test.jsonl'), 'utf8')).trim().split('\n'),
    ]
      .filter(Boolean)
      .map((line) => JSON.parse(line) as FeaSample);
    expect(all.find((item) => item.id === 'a')!.description).toContain('round two');
  });
});
