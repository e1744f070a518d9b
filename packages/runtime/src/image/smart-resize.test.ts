import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ImageSizeError } from '../errors';
import { smartResize } from './smart-resize';

describe('smartResize', () => {
  it('rounds to multiples of 28 (Python round, halves to even)', () => {
    expect(smartResize(224, 224)).toEqual({ height: 224, width: 224 });
    expect(smartResize(480, 640)).toEqual({ height: 476, width: 644 });
    // 42 / 28 = 1.5 rounds to 2, 70 / 28 = 2.5 rounds to 2
    expect(smartResize(42, 70, { minPixels: 0 })).toEqual({ height: 56, width: 56 });
  });

  it('scales down past maxPixels and up below minPixels', () => {
    const large = smartResize(4000, 3000);
    expect(large.height * large.width).toBeLessThanOrEqual(28 * 28 * 1280);
    expect(smartResize(30, 30)).toEqual({ height: 56, width: 56 });
  });

  it('rejects tiny and elongated images with a typed error', () => {
    expect(() => smartResize(10, 100)).toThrow(ImageSizeError);
    expect(() => smartResize(28, 28 * 201)).toThrow(/aspect ratio/);
  });

  it('always yields multiples of the factor within the bounds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 28, max: 3000 }), fc.integer({ min: 28, max: 3000 }), (height, width) => {
        fc.pre(Math.max(height, width) / Math.min(height, width) <= 200);
        const size = smartResize(height, width);
        expect(size.height % 28).toBe(0);
        expect(size.width % 28).toBe(0);
        expect(size.height * size.width).toBeLessThanOrEqual(28 * 28 * 1280);
        expect(size.height * size.width).toBeGreaterThanOrEqual(56 * 56);
      }),
    );
  });
});
