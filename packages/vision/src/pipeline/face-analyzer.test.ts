import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FeaError, isFacsAu } from '@facial-r1/facs';
import { parseCompletion } from '@facial-r1/parsers';
import { scoreCompletions } from '@facial-r1/rewards';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { demoPhotoPaths } from '../shipped-assets';
import { EMOTION_CNN_LABELS } from './combine-emotions';
import { AU_MEASURES } from './estimate-action-units';
import { decodeImage, FaceAnalyzer, type ImageAnalysis } from './face-analyzer';

const faceSchema = z.object({
  box: z.object({
    x: z.number(),
    y: z.number(),
    width: z.number().positive(),
    height: z.number().positive(),
  }),
  source: z.enum(['detector', 'padded', 'whole-frame']),
  detectionScore: z.number().min(0.5).max(1),
  meshScore: z.number().min(0.5).max(1),
  rollDegrees: z.number().min(-90).max(90),
  landmarks: z.array(z.tuple([z.number(), z.number(), z.number()])).length(468),
  actionUnits: z
    .array(
      z.object({
        au: z.string().regex(/^AU\d+$/),
        measure: z.number(),
        threshold: z.number().min(0).max(1),
        score: z.number().min(0).max(1),
        present: z.boolean(),
        evidence: z.string().min(1),
      }),
    )
    .length(Object.keys(AU_MEASURES).length),
  presentAus: z.array(z.string()),
  emotion: z.object({
    label: z.enum(EMOTION_CNN_LABELS),
    probabilities: z.record(z.enum(EMOTION_CNN_LABELS), z.number().min(0).max(1)),
    models: z.object({
      human: z.record(z.enum(EMOTION_CNN_LABELS), z.number().min(0).max(1)),
      faceApi: z.record(z.enum(EMOTION_CNN_LABELS), z.number().min(0).max(1)),
    }),
    auSupport: z.record(z.enum(EMOTION_CNN_LABELS), z.number()),
    supportingAus: z.array(z.string()),
    expectedAus: z.array(z.string()),
  }),
  reasoning: z.string().regex(/^<think>[\s\S]+<\/think>\n<answer>[a-z]+<\/answer>$/),
});

let cacheDir: string;
let scratch: string;
let analyzer: FaceAnalyzer;
const analyses = new Map<string, ImageAnalysis>();

beforeAll(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), 'fr1-vision-cache-'));
  scratch = await mkdtemp(join(tmpdir(), 'fr1-vision-images-'));
  analyzer = await FaceAnalyzer.create({ cacheDir, maxPixels: 40_000_000 });
  for (const photo of demoPhotoPaths()) analyses.set(photo, await analyzer.analyze(photo));
}, 120_000);
afterAll(async () => {
  await analyzer?.dispose();
  await rm(cacheDir, { recursive: true, force: true });
  await rm(scratch, { recursive: true, force: true });
});

describe('FaceAnalyzer on the face-api demo photos', () => {
  it('finds faces in every photo and every face block is complete and schema-valid', () => {
    for (const [photo, analysis] of analyses) {
      expect(analysis.faces.length, photo).toBeGreaterThan(0);
      for (const face of analysis.faces) {
        faceSchema.parse(JSON.parse(JSON.stringify(face)));
        expect(face.box.x + face.box.width).toBeGreaterThan(0);
        expect(face.box.x).toBeLessThan(analysis.width);
        const total = Object.values(face.emotion.probabilities).reduce((sum, value) => sum + value, 0);
        expect(total).toBeCloseTo(1, 5);
      }
    }
  });

  it('cites exactly the AUs reported present, answers the label, and is consistent when the AUs carry it', () => {
    for (const analysis of analyses.values())
      for (const face of analysis.faces) {
        const parsed = parseCompletion(face.reasoning);
        expect(parsed.wellFormed).toBe(true);
        expect(parsed.formatIssues).toEqual([]);
        expect(parsed.negations).toEqual([]);
        expect(parsed.hedges).toEqual([]);
        expect(parsed.emotion).toBe(face.emotion.label);
        expect([...parsed.presentAus].sort()).toEqual([...face.presentAus].sort());
        for (const au of parsed.presentAus) expect(isFacsAu(au)).toBe(true);
        expect(face.presentAus).toEqual(
          face.actionUnits
            .filter((estimate) => estimate.score >= estimate.threshold)
            .map((estimate) => estimate.au),
        );
        const [result] = scoreCompletions(
          [{ completion: face.reasoning, sample: { labels: [face.emotion.label] } }],
          { preset: 'aligned' },
        );
        expect(result?.terms.format).toBe(1);
        // Where the measured AUs fall short of the label's FACS pattern, the text says so.
        if ((result?.terms.consistency ?? 1) < 1)
          expect(face.reasoning, face.reasoning).toMatch(/appearance beyond the measured movements/);
      }
  });

  it('sees happiness with AU12 on a broadly smiling face (sample6, first face)', () => {
    const face = analyses.get(demoPhotoPaths()[5] as string)?.faces[0];
    expect(face?.presentAus).toContain('AU12');
    expect(face?.emotion.label).toBe('happiness');
  });
});

describe('face crops and small faces', () => {
  // Faces cut from the demo photos: a 48x48 grey crop (FER2013-style) and a 600x450 group photo
  // with five ~90 px faces.
  const faceTiles = async (count: number, side: number) => {
    const tiles: Buffer[] = [];
    for (const [photo, analysis] of analyses)
      for (const face of analysis.faces) {
        if (tiles.length >= count) return tiles;
        const size = Math.round(Math.max(face.box.width, face.box.height) * 1.6);
        const left = Math.max(0, Math.round(face.box.x + face.box.width / 2 - size / 2));
        const top = Math.max(0, Math.round(face.box.y + face.box.height / 2 - size / 2));
        const width = Math.min(size, analysis.width - left);
        const height = Math.min(size, analysis.height - top);
        tiles.push(await sharp(photo).extract({ left, top, width, height }).resize(side, side).toBuffer());
      }
    return tiles;
  };

  it('analyses a 48x48 grey face crop as one face', async () => {
    for (const tile of await faceTiles(3, 48)) {
      const crop = await sharp(tile).grayscale().png().toBuffer();
      const analysis = await analyzer.analyze(crop);
      expect(analysis.faces).toHaveLength(1);
      const face = analysis.faces[0];
      // Loose landmarks (FaceMesh doubts the crop): no movement is claimed.
      if ((face?.meshScore ?? 0) < 0.5) expect(face?.presentAus).toEqual([]);
      faceSchema
        .extend({ detectionScore: z.number().min(0).max(1), meshScore: z.number().min(0).max(1) })
        .parse(JSON.parse(JSON.stringify(analysis.faces[0])));
    }
  });

  it('finds all five small faces of a group photo', async () => {
    const tiles = await faceTiles(5, 90);
    expect(tiles).toHaveLength(5);
    const group = await sharp({ create: { width: 600, height: 450, channels: 3, background: '#b0b8c0' } })
      .composite(
        tiles.map((input, index) => ({
          input,
          left: 20 + (index % 3) * 200,
          top: 40 + Math.floor(index / 3) * 220,
        })),
      )
      .jpeg()
      .toBuffer();
    const analysis = await analyzer.analyze(group);
    expect(analysis.faces).toHaveLength(5);
    for (const face of analysis.faces) expect(face.source).toBe('detector');
  });
});

describe('bad input', () => {
  it('a missing file is a typed error naming the path', async () => {
    const missing = join(scratch, 'nope.jpg');
    await expect(analyzer.analyze(missing)).rejects.toSatisfy(
      (error: unknown) =>
        FeaError.isInstance(error) &&
        error.code === 'vision/invalid-image' &&
        error.message.includes(missing),
    );
  });

  it('a non-image file is a typed error', async () => {
    const text = join(scratch, 'notes.jpg');
    await writeFile(text, 'this is plain text, not a JPEG');
    await expect(analyzer.analyze(text)).rejects.toThrow(/not an image/);
  });

  it('a truncated JPEG is a typed error', async () => {
    const bytes = await readFile(demoPhotoPaths()[0] as string);
    const truncated = join(scratch, 'truncated.jpg');
    await writeFile(truncated, bytes.subarray(0, Math.floor(bytes.length / 3)));
    await expect(analyzer.analyze(truncated)).rejects.toSatisfy(
      (error: unknown) => FeaError.isInstance(error) && error.code === 'vision/invalid-image',
    );
  });

  it('a flat-colour image has no face', async () => {
    const flat = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#7a8c99' } })
      .png()
      .toBuffer();
    const analysis = await analyzer.analyze(flat);
    expect(analysis.faces).toEqual([]);
  });

  it('an image over the pixel limit is refused before decoding', async () => {
    const huge = join(scratch, 'huge.png');
    await sharp({ create: { width: 8000, height: 6000, channels: 3, background: '#000000' } })
      .png({ compressionLevel: 9 })
      .toFile(huge);
    await expect(decodeImage(huge, 10_000_000)).rejects.toThrow(/larger than the limit of 10000000 pixels/);
  });
});
