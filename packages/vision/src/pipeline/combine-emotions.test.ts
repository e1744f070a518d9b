import { type AuId, scoreEmotionsFromAus } from '@facial-r1/facs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arguableAus, combineEmotions, EMOTION_CNN_LABELS } from './combine-emotions';
import { composeReasoning } from './compose-reasoning';
import { decodeBlazeface } from './decode-blazeface';
import { AU_MEASURES, estimateActionUnits } from './estimate-action-units';

const measuredAus = Object.keys(AU_MEASURES) as AuId[];

describe('combineEmotions', () => {
  it('always picks a label its cited AUs argue for, and probabilities sum to 1', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: 0, max: 1, noNaN: true }), { minLength: 7, maxLength: 7 }),
        fc.subarray(measuredAus),
        (raw, present) => {
          const total = raw.reduce((sum, value) => sum + value, 0) || 1;
          const estimate = combineEmotions(
            raw.map((value) => value / total),
            present,
          );
          expect(EMOTION_CNN_LABELS).toContain(estimate.label);
          for (const au of estimate.citedAus) expect(present).toContain(au);
          if (estimate.citedAus.length > 0)
            expect(scoreEmotionsFromAus(estimate.citedAus)[0]?.score).toBe(
              scoreEmotionsFromAus(estimate.citedAus).find((entry) => entry.emotion === estimate.label)
                ?.score,
            );
          for (const distribution of [estimate.probabilities, estimate.pooled]) {
            const sum = Object.values(distribution).reduce((acc, value) => acc + value, 0);
            expect(sum).toBeCloseTo(1, 6);
          }
          // The label is the top printed probability; classes the AUs cannot argue for get 0.
          const top = Math.max(...Object.values(estimate.probabilities));
          expect(estimate.probabilities[estimate.label]).toBe(top);
          for (const label of EMOTION_CNN_LABELS)
            if (arguableAus(label, present) === null) expect(estimate.probabilities[label]).toBe(0);
        },
      ),
    );
  });

  it('follows a confident CNN when the AUs support it, and falls back when they cannot', () => {
    const happy = [0.01, 0.01, 0.01, 0.9, 0.03, 0.02, 0.02];
    expect(combineEmotions(happy, ['AU12', 'AU25']).label).toBe('happiness');
    // Sadness without any sadness AU is not arguable: the next arguable class wins.
    const sad = [0.01, 0.01, 0.01, 0.02, 0.9, 0.02, 0.03];
    const fallback = combineEmotions(sad, []);
    expect(fallback.label).toBe('neutral');
    expect(fallback.probabilities.neutral).toBe(1);
    expect(fallback.pooled.sadness).toBeGreaterThan(fallback.pooled.neutral as number);
    expect(arguableAus('sadness', [])).toBeNull();
    expect(arguableAus('neutral', ['AU12'])).toEqual([]);
  });
});

describe('composeReasoning', () => {
  it('cites each AU once with its evidence and ends with the answer', () => {
    const mesh = Array.from(
      { length: 468 },
      (_, index) => [index % 20, Math.floor(index / 20), 0] as [number, number, number],
    );
    const text = composeReasoning('surprise', ['AU1', 'AU2'], estimateActionUnits(mesh));
    expect(text).toMatch(/^<think>.*\(AU1\).*\(AU2\).*surprise.*<\/think>\n<answer>surprise<\/answer>$/s);
    expect(text).not.toMatch(/\b(no|not|without|maybe)\b/i);
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
