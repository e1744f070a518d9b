import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ImageOutsideRootError } from '@facial-r1/dataset';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePlan } from '../plan/load-plan';
import { collectDataset } from './collect-samples';

describe('plan datasets keep images inside their folders', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'fea-collect-root-'));
    await mkdir(path.join(directory, 'data', 'images'), { recursive: true });
    await writeFile(path.join(directory, 'data', 'images', 'ok.jpg'), 'jpeg');
    await writeFile(path.join(directory, 'elsewhere.jpg'), 'jpeg');
    const row = (id: string, image: string) =>
      JSON.stringify({ id, dataset: 'fea20k', image, AUs: ['AU4'], labels: ['anger'] });
    await writeFile(
      path.join(directory, 'data', 'train.jsonl'),
      `${row('1', 'ok.jpg')}\n${row('2', '../../elsewhere.jpg')}\n`,
    );
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  const plan = (extra: string) =>
    parsePlan(
      `name: p\nbaseModel: m\ndatasets:\n  - { jsonl: data/train.jsonl, images: data/images${extra} }\n`,
      path.join(directory, 'plan.yaml'),
    );

  it('refuses an image outside the images folder, and reads it when the plan says imagesOutsideRoot', async () => {
    const strict = plan('');
    await expect(collectDataset(strict, strict.plan.datasets[0]!)).rejects.toBeInstanceOf(
      ImageOutsideRootError,
    );
    const lenient = plan(', imagesOutsideRoot: true');
    const samples = await collectDataset(lenient, lenient.plan.datasets[0]!);
    expect(samples.map((sample) => sample.image)).toEqual([
      path.join(directory, 'data', 'images', 'ok.jpg'),
      path.join(directory, 'elsewhere.jpg'),
    ]);
  });
});
