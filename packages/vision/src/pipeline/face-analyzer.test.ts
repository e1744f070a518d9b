import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FeaError, isFacsAu } from '@facial-r1/facs';
import { parseCompletion } from '@facial-r1/parsers';
import { scoreCompletions } from '@facial-r1/rewards';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createFaceBaselineModel } from '../face-baseline-model';
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
  detectionScore: z.number().min(0.5).max(1),
  meshScore: z.number().min(0.5).max(1),
  rollDegrees: z.number().min(-90).max(90),
  landmarks: z.array(z.tuple([z.number(), z.number(), z.number()])).length(468),
  actionUnits: z
    .array(
      z.object({
        au: z.string().regex(/^AU\d+$/),
        measure: z.number(),
        threshold: z.number(),
        score: z.number().min(0).max(1),
        present: z.boolean(),
        evidence: z.string().min(1),
      }),
    )
    .length(Object.keys(AU_MEASURES).length),
  presentAus: z.array(z.string()),
  emotion: z.object({
    label: z.enum(EMOTION_CNN_LABELS),
    probabilities: z.record(z.string(), z.number()),
    cnn: z.record(z.string(), z.number()),
    auSupport: z.record(z.string(), z.number()),
    citedAus: z.array(z.string()),
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

  it('reasons only from measured AUs, parses cleanly, and scores format 1 and consistency 1', () => {
    for (const analysis of analyses.values())
      for (const face of analysis.faces) {
        const parsed = parseCompletion(face.reasoning);
        expect(parsed.wellFormed).toBe(true);
        expect(parsed.formatIssues).toEqual([]);
        expect(parsed.negations).toEqual([]);
        expect(parsed.hedges).toEqual([]);
        expect(parsed.emotion).toBe(face.emotion.label);
        expect(parsed.presentAus).toEqual(face.emotion.citedAus);
        for (const au of parsed.presentAus) {
          expect(face.presentAus).toContain(au);
          expect(isFacsAu(au)).toBe(true);
        }
        const [result] = scoreCompletions(
          [{ completion: face.reasoning, sample: { labels: [face.emotion.label] } }],
          {
            preset: 'aligned',
          },
        );
        expect(result?.terms.format).toBe(1);
        expect(result?.terms.consistency, face.reasoning).toBe(1);
      }
  });

  it('sees happiness with AU12 on a broadly smiling face (sample6, first face)', () => {
    const face = analyses.get(demoPhotoPaths()[5] as string)?.faces[0];
    expect(face?.presentAus).toContain('AU12');
    expect(face?.emotion.label).toBe('happiness');
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

describe('createFaceBaselineModel', () => {
  it('answers with the reasoning and carries the analysis in providerMetadata', async () => {
    const model = await createFaceBaselineModel({ cacheDir });
    try {
      const photo = demoPhotoPaths()[5] as string;
      const { results } = await model.doGenerate({
        prompts: [
          { messages: [{ role: 'user', content: 'What is the emotion of this face?' }], images: [photo] },
        ],
        sampling: { n: 2 },
      });
      const completions = results[0]?.completions ?? [];
      expect(model.provider).toBe('baseline');
      expect(completions).toHaveLength(2);
      const analysis = completions[0]?.providerMetadata?.analysis as ImageAnalysis;
      expect(completions[0]?.text).toBe(
        analysis.faces[completions[0]?.providerMetadata?.face as number]?.reasoning,
      );
      expect(completions[0]?.finishReason).toBe('stop');
    } finally {
      await model.dispose();
    }
  });
});
