import { describe, expect, it } from 'vitest';
import { computeRopeIndex } from './rope-index';

const options = { imageTokenId: 9, visionStartTokenId: 8 };

describe('computeRopeIndex', () => {
  it('gives text-only prompts 0..n-1 on all rows and delta 0', () => {
    const index = computeRopeIndex([1, 2, 3, 4], [], options);
    for (const row of index.positions) expect([...row]).toEqual([0, 1, 2, 3]);
    expect(index.delta).toBe(0);
  });

  it('places image tokens on the merged grid and resumes after the largest position', () => {
    // text(2) <vision_start> 6 image pads (grid 1x4x6 -> merged 2x3) <vision_end> text(1)
    const ids = [1, 2, 8, 9, 9, 9, 9, 9, 9, 7, 3];
    const index = computeRopeIndex(ids, [[1, 4, 6]], options);
    const [t, h, w] = index.positions;
    expect([...t]).toEqual([0, 1, 2, 3, 3, 3, 3, 3, 3, 6, 7]);
    expect([...h]).toEqual([0, 1, 2, 3, 3, 3, 4, 4, 4, 6, 7]);
    expect([...w]).toEqual([0, 1, 2, 3, 4, 5, 3, 4, 5, 6, 7]);
    // max position 7, length 11 -> delta 7 + 1 - 11
    expect(index.delta).toBe(-3);
  });

  it('handles two images in order', () => {
    const ids = [8, 9, 9, 9, 9, 7, 8, 9, 7];
    const index = computeRopeIndex(
      ids,
      [
        [1, 4, 4],
        [1, 2, 2],
      ],
      options,
    );
    expect([...index.positions[2]]).toEqual([0, 1, 2, 1, 2, 3, 4, 5, 6]);
    expect([...index.positions[1]]).toEqual([0, 1, 1, 2, 2, 3, 4, 5, 6]);
    expect(index.delta).toBe(7 - 9);
  });
});
