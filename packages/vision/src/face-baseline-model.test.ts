import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FeaModelV1 } from '@facial-r1/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFaceBaselineModel, readBaselineMetadata } from './face-baseline-model';
import { FaceAnalyzer } from './pipeline/face-analyzer';
import { demoPhotoPaths } from './shipped-assets';

let cacheDir: string;
let model: FeaModelV1;

beforeAll(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), 'fr1-baseline-model-'));
  model = await createFaceBaselineModel({ cacheDir });
});
afterAll(async () => {
  await model.dispose();
  await rm(cacheDir, { recursive: true, force: true });
});

describe('createFaceBaselineModel', () => {
  it('answers with the reasoning and carries the measurements, per face, in providerMetadata', async () => {
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
    expect(completions[0]?.finishReason).toBe('stop');
    const metadata = readBaselineMetadata(completions[0]?.providerMetadata);
    expect(metadata).toBeDefined();
    // It survives a JSON round trip (a prediction file) unchanged.
    expect(readBaselineMetadata(JSON.parse(JSON.stringify(completions[0]?.providerMetadata)))).toEqual(
      metadata,
    );

    // The same numbers the analyzer measures, for the face the text answers for.
    const analyzer = await FaceAnalyzer.create({ cacheDir });
    try {
      const analysis = await analyzer.analyze(photo);
      expect(metadata!.faces).toHaveLength(analysis.faces.length);
      expect(metadata!.image).toEqual({ width: analysis.width, height: analysis.height });
      const face = analysis.faces[metadata!.face!]!;
      expect(completions[0]?.text).toBe(face.reasoning);
      const reported = metadata!.faces[metadata!.face!]!;
      expect(reported.box).toEqual(face.box);
      expect(reported.label).toBe(face.emotion.label);
      expect(reported.presentAus).toEqual(face.presentAus);
      expect(reported.emotionProbabilities).toEqual(face.emotion.probabilities);
      expect(Object.keys(reported.auProbabilities)).toEqual(face.actionUnits.map((unit) => unit.au));
      for (const unit of face.actionUnits) expect(reported.auProbabilities[unit.au]).toBe(unit.score);
      // No landmarks: the metadata stays small enough for one prediction line.
      expect(JSON.stringify(completions[0]?.providerMetadata).length).toBeLessThan(
        2_000 * analysis.faces.length,
      );
    } finally {
      await analyzer.dispose();
    }
  });

  it('a prompt without an image is an error completion with the reason and no faces', async () => {
    const { results } = await model.doGenerate({
      prompts: [{ messages: [{ role: 'user', content: 'hi' }] }],
    });
    const completion = results[0]!.completions[0]!;
    expect(completion.finishReason).toBe('error');
    expect(completion.text).toBe('');
    expect(readBaselineMetadata(completion.providerMetadata)).toEqual({
      faces: [],
      error: 'the prompt has no image',
    });
  });

  it('readBaselineMetadata refuses what is not the baseline shape', () => {
    for (const value of [
      undefined,
      null,
      'faces',
      { error: 'no face found' },
      { faces: [{ box: { x: 1 } }] },
      { faces: [{ box: { x: 0, y: 0, width: 1, height: 1 }, detectionScore: 1, label: 'happiness' }] },
    ])
      expect(readBaselineMetadata(value)).toBeUndefined();
    const face = {
      box: { x: 0, y: 0, width: 1, height: 1 },
      detectionScore: 0.9,
      auProbabilities: { AU12: 0.8 },
      presentAus: ['AU12'],
      emotionProbabilities: { happiness: 1 },
      label: 'happiness',
    };
    // An out-of-range face index is dropped, not trusted.
    expect(readBaselineMetadata({ faces: [face], face: 3 })).toEqual({ faces: [face] });
  });
});
