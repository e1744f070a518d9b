import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseCompletion } from '@facial-r1/parsers';
import { demoPhotoPaths } from '@facial-r1/vision';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runCli } from './__fixtures__/run-cli';

const faceSchema = z.object({
  box: z.object({
    x: z.number(),
    y: z.number(),
    width: z.number().positive(),
    height: z.number().positive(),
  }),
  detectionScore: z.number().min(0).max(1),
  landmarks: z.array(z.tuple([z.number(), z.number(), z.number()])).length(468),
  actionUnits: z
    .array(
      z.object({
        au: z.string().regex(/^AU\d+$/),
        score: z.number().min(0).max(1),
        present: z.boolean(),
        evidence: z.string(),
      }),
    )
    .min(10),
  presentAus: z.array(z.string()),
  emotion: z.object({
    label: z.string(),
    probabilities: z.record(z.string(), z.number()),
    supportingAus: z.array(z.string()),
  }),
  reasoning: z.string(),
});
const outputSchema = z.array(
  z.object({
    file: z.string(),
    width: z.number().optional(),
    height: z.number().optional(),
    faces: z.array(faceSchema),
    error: z.string().optional(),
  }),
);

describe('fea-eval analyze (built-in face baseline, offline)', () => {
  let directory: string;
  let cache: string;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'fea-analyze-'));
    cache = path.join(directory, 'cache');
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));
  const cli = (args: string[]) =>
    runCli(args, {
      cwd: directory,
      env: { ...process.env, FACIAL_R1_CACHE: cache },
      maxBuffer: 64 * 1024 * 1024,
    });

  it('analyses the shipped sample photos: faces found, every block complete, reasoning cites only measured AUs', async () => {
    const result = await cli(['analyze', '--json', '--out', 'analysis.html']);
    expect(result.code).toBe(0);
    const images = outputSchema.parse(JSON.parse(result.stdout));
    expect(images.map((image) => path.basename(image.file))).toEqual(
      demoPhotoPaths().map((file) => path.basename(file)),
    );
    for (const image of images) {
      expect(image.error).toBeUndefined();
      expect(image.faces.length).toBeGreaterThan(0);
      for (const face of image.faces) {
        const parsed = parseCompletion(face.reasoning);
        expect(parsed.formatIssues.filter((issue) => issue.code !== 'text-outside-tags')).toEqual([]);
        expect(parsed.emotion).toBe(face.emotion.label);
        expect([...parsed.presentAus].sort()).toEqual([...face.presentAus].sort());
      }
    }
    const html = await readFile(path.join(directory, 'analysis.html'), 'utf8');
    expect(html.match(/<article class="face">/g)?.length).toBe(
      images.reduce((sum, image) => sum + image.faces.length, 0),
    );
    expect(html).toContain('<circle');
    // Each photo shown whole with one numbered box per face, numbered as the cards are.
    expect(html.match(/<svg class="overview"/g)?.length).toBe(images.length);
    const sections = html.split('<section class="image">').slice(1);
    sections.forEach((section, index) => {
      const count = images[index]!.faces.length;
      const numbers = [...section.matchAll(/font-weight="bold" fill="#1a202c">(\d+)<\/text>/g)].map((m) =>
        Number(m[1]),
      );
      expect(numbers).toEqual(Array.from({ length: count }, (_, face) => face + 1));
      expect(section.match(/<p id="face-\d+">/g)?.length).toBe(count);
    });
  });

  it('prints one text block per face', async () => {
    const result = await cli(['analyze', demoPhotoPaths()[0]!]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /face 1\/\d+\n {2}box: x \d+, y \d+, \d+x\d+ \(score 0\.\d+, roll -?\d+\.\d deg\)\n {2}AUs: .*\n {2}emotion: \w+ {2}\(.*%\)\n {2}<think>/,
    );
  });

  it('bad input: each a clear message and exit 1, the other images still analysed', async () => {
    const truncated = path.join(directory, 'truncated.jpg');
    const photo = await readFile(demoPhotoPaths()[0]!);
    await writeFile(truncated, photo.subarray(0, 2000));
    const text = path.join(directory, 'notes.txt');
    await writeFile(text, 'not an image');
    const flat = path.join(directory, 'flat.png');
    await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 90, g: 120, b: 150 } } })
      .png()
      .toFile(flat);
    const huge = path.join(directory, 'huge.png');
    await sharp({ create: { width: 9000, height: 6000, channels: 3, background: { r: 0, g: 0, b: 0 } } })
      .png({ compressionLevel: 9 })
      .toFile(huge);
    const good = demoPhotoPaths()[3]!;
    const result = await cli([
      'analyze',
      path.join(directory, 'missing.jpg'),
      text,
      truncated,
      flat,
      huge,
      good,
      '--json',
    ]);
    expect(result.code).toBe(1);
    const images = outputSchema.parse(JSON.parse(result.stdout));
    expect(images[0]!.error).toMatch(/missing/i);
    expect(images[1]!.error).toMatch(/not an image/);
    expect(images[2]!.error).toMatch(/truncated|corrupt|premature|unexpected end/i);
    expect(images[3]!.error).toBeUndefined();
    expect(images[3]!.faces).toEqual([]);
    expect(images[4]!.error).toMatch(/pixel/i);
    expect(images[5]!.faces.length).toBeGreaterThan(0);
    expect(result.stderr).toMatch(/fea-eval: .*missing\.jpg: /);
  }, 120_000);

  it('takes a folder (recursively, images only) and writes one CSV row per face', async () => {
    const folder = path.join(directory, 'photos');
    await mkdir(path.join(folder, 'nested'), { recursive: true });
    await copyFile(demoPhotoPaths()[5]!, path.join(folder, 'b.jpg'));
    await writeFile(path.join(folder, 'notes.txt'), 'skipped: not an image extension');
    const crop = await sharp(demoPhotoPaths()[5]!).resize(48, 48).grayscale().png().toBuffer();
    await writeFile(path.join(folder, 'nested', 'a.png'), crop);
    const result = await cli(['analyze', folder, '--json', '--out', 'faces.csv']);
    expect(result.code).toBe(0);
    const images = outputSchema.parse(JSON.parse(result.stdout));
    expect(images.map((image) => path.relative(folder, image.file))).toEqual([
      'b.jpg',
      path.join('nested', 'a.png'),
    ]);
    const lines = (await readFile(path.join(directory, 'faces.csv'), 'utf8')).trim().split('\n');
    const header = lines[0]!.split(',');
    expect(header.slice(0, 8)).toEqual([
      'file',
      'face',
      'source',
      'x',
      'y',
      'width',
      'height',
      'detection_score',
    ]);
    expect(header).toEqual(
      expect.arrayContaining(['AU1', 'AU6', 'AU12', 'AU24', 'happiness', 'neutral', 'label']),
    );
    const rows = lines
      .slice(1)
      .map((line) => Object.fromEntries(line.split(',').map((cell, i) => [header[i]!, cell])));
    expect(rows).toHaveLength(images.reduce((sum, image) => sum + image.faces.length, 0));
    const faces = images.flatMap((image) => image.faces.map((face, index) => ({ image, face, index })));
    rows.forEach((row, i) => {
      const { image, face, index } = faces[i]!;
      expect(row.file).toBe(image.file);
      expect(Number(row.face)).toBe(index + 1);
      expect(row.label).toBe(face.emotion.label);
      expect(Number(row.AU12)).toBeCloseTo(
        face.actionUnits.find((estimate) => estimate.au === 'AU12')!.score,
        3,
      );
      const total = ['anger', 'disgust', 'fear', 'happiness', 'sadness', 'surprise', 'neutral'].reduce(
        (sum, label) => sum + Number(row[label]),
        0,
      );
      expect(total).toBeCloseTo(1, 2);
    });
  }, 120_000);

  it('exit 2 for a usage error', async () => {
    expect((await cli(['analyze', '--colour'])).code).toBe(2);
  });
});
