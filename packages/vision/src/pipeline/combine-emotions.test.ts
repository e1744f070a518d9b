import { type AuId, scoreEmotionsFromAus } from '@facial-r1/facs';
import { parseCompletion } from '@facial-r1/parsers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  combineEmotions,
  EMOTION_CNN_LABELS,
  EMOTION_FUSION,
  type EmotionModelOutputs,
} from './combine-emotions';
import { composeReasoning } from './compose-reasoning';
import { decodeBlazeface } from './decode-blazeface';
import { AU_MEASURES, estimateActionUnits } from './estimate-action-units';

const measuredAus = Object.keys(AU_MEASURES) as AuId[];
const distribution = fc
  .array(fc.float({ min: 0, max: 1, noNaN: true }), { minLength: 7, maxLength: 7 })
  .map((raw) => {
    const total = raw.reduce((sum, value) => sum + value, 0) || 1;
    return Object.fromEntries(
      EMOTION_CNN_LABELS.map((label, index) => [label, (raw[index] as number) / total]),
    ) as EmotionModelOutputs['human'];
  });
const outputs = fc.record({ human: distribution, faceApi: distribution });
const mesh = Array.from(
  { length: 468 },
  (_, index) => [index % 20, Math.floor(index / 20), 0] as [number, number, number],
);

describe('combineEmotions', () => {
  it('decides from the calibrated fusion alone: the AUs never change the label', () => {
    fc.assert(
      fc.property(outputs, fc.subarray(measuredAus), (models, present) => {
        const estimate = combineEmotions(models, present);
        const alone = combineEmotions(models, []);
        expect(estimate.label).toBe(alone.label);
        expect(estimate.probabilities).toEqual(alone.probabilities);
        const sum = Object.values(estimate.probabilities).reduce((acc, value) => acc + value, 0);
        expect(sum).toBeCloseTo(1, 6);
        expect(estimate.probabilities[estimate.label]).toBe(
          Math.max(...Object.values(estimate.probabilities)),
        );
        for (const au of estimate.supportingAus) expect(present).toContain(au);
        for (const au of estimate.expectedAus) expect(present).not.toContain(au);
        const support = scoreEmotionsFromAus(present);
        for (const label of EMOTION_CNN_LABELS)
          expect(estimate.auSupport[label]).toBe(
            support.find((entry) => entry.emotion === label)?.score ?? 0,
          );
      }),
    );
  });

  it('follows two confident, agreeing models whatever the AUs argue', () => {
    const sad = Object.fromEntries(
      EMOTION_CNN_LABELS.map((label) => [label, label === 'sadness' ? 0.94 : 0.01]),
    ) as EmotionModelOutputs['human'];
    const estimate = combineEmotions({ human: sad, faceApi: sad }, ['AU6', 'AU12']);
    expect(estimate.label).toBe('sadness');
    expect(estimate.supportingAus).toEqual(['AU6']); // sadness variant 6+15
    expect(EMOTION_FUSION.fittedOn.length).toBeGreaterThan(0);
  });
});

describe('composeReasoning', () => {
  it('cites exactly the present AUs, answers the label, and names the appearance models when they carried it', () => {
    const estimates = estimateActionUnits(mesh);
    fc.assert(
      fc.property(outputs, fc.subarray(measuredAus), (models, present) => {
        const sorted = [...present].sort((a, b) => Number(a.slice(2)) - Number(b.slice(2)));
        const estimate = combineEmotions(models, sorted);
        const text = composeReasoning(estimate, sorted, estimates);
        const parsed = parseCompletion(text);
        expect(parsed.wellFormed).toBe(true);
        expect(parsed.emotion).toBe(estimate.label);
        expect([...parsed.presentAus].sort()).toEqual([...sorted].sort());
        expect(parsed.negations).toEqual([]);
        expect(parsed.hedges).toEqual([]);
        const fullPattern =
          estimate.label !== 'neutral' &&
          estimate.supportingAus.length > 0 &&
          estimate.expectedAus.length === 0;
        const calm = estimate.label === 'neutral' && sorted.length === 0;
        if (!fullPattern && !calm) expect(text).toMatch(/appearance beyond the measured movements/);
      }),
      { numRuns: 200 },
    );
  });
});

describe('composeReasoning on loose landmarks', () => {
  it('says the movements went unmeasured and that appearance decided', () => {
    const text = composeReasoning(
      combineEmotions(
        {
          human: {
            anger: 0.1,
            disgust: 0.1,
            fear: 0.1,
            happiness: 0.4,
            sadness: 0.1,
            surprise: 0.1,
            neutral: 0.1,
          },
          faceApi: {
            anger: 0.1,
            disgust: 0.1,
            fear: 0.1,
            happiness: 0.4,
            sadness: 0.1,
            surprise: 0.1,
            neutral: 0.1,
          },
        },
        [],
      ),
      [],
      estimateActionUnits(mesh),
      { landmarksLoose: true },
    );
    const parsed = parseCompletion(text);
    expect(parsed.presentAus).toEqual([]);
    expect(parsed.negations).toEqual([]);
    expect(text).toMatch(/fit this crop only loosely.*appearance beyond the measured movements/s);
  });
});

describe('decodeBlazeface', () => {
  it('decodes anchor offsets to boxes and suppresses overlapping detections', () => {
    const logits512 = new Float32Array(512).fill(-10);
    const regressors512 = new Float32Array(512 * 16);
    // Anchors 0 and 1 share the first cell (centre 8, 8): both fire on the same face.
    logits512[0] = 3;
    logits512[1] = 2;
    for (const anchor of [0, 1]) {
      regressors512.set([4, 4, 40, 40], anchor * 16);
    }
    const faces = decodeBlazeface({
      logits512,
      regressors512,
      logits384: new Float32Array(384).fill(-10),
      regressors384: new Float32Array(384 * 16),
    });
    expect(faces).toHaveLength(1);
    expect(faces[0]?.box).toEqual([-8, -8, 40, 40]);
    expect(faces[0]?.score).toBeCloseTo(1 / (1 + Math.exp(-3)), 6);
  });
});
