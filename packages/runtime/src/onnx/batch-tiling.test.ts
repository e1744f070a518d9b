import fc from 'fast-check';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { tile, tilePositions, truncateCache } from './batch-tiling';

describe('tilePositions', () => {
  it('puts each axis row of a [3, 1, L] position tensor under every copy of [3, n, L]', () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: 0n, max: 1n << 40n }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 9 }),
        (values, copies) => {
          const length = values.length;
          const positions = BigInt64Array.from([
            ...values,
            ...values.map((v) => v + 1n),
            ...values.map((v) => v * 2n),
          ]);
          const tiled = tilePositions(positions, copies);
          expect(tiled).toHaveLength(3 * copies * length);
          for (let axis = 0; axis < 3; axis += 1)
            for (let copy = 0; copy < copies; copy += 1)
              expect(
                tiled.subarray((axis * copies + copy) * length, (axis * copies + copy + 1) * length),
              ).toEqual(positions.subarray(axis * length, (axis + 1) * length));
        },
      ),
    );
  });

  it('returns the same array for one copy', () => {
    const positions = BigInt64Array.of(0n, 1n, 2n);
    expect(tilePositions(positions, 1)).toBe(positions);
  });
});

describe('tile', () => {
  it('repeats a float32 or float16 tensor along its first dimension', () => {
    const single = new ort.Tensor('float32', Float32Array.of(1, 2, 3, 4), [1, 2, 2]);
    const tiled = tile(single, 3);
    expect(tiled.dims).toEqual([3, 2, 2]);
    expect(Array.from(tiled.data as Float32Array)).toEqual([1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4]);
    const half = tile(new ort.Tensor('float16', Uint16Array.of(0x3c00, 0x4000), [1, 2]), 2);
    expect(half.type).toBe('float16');
    expect(Array.from(half.data as Uint16Array)).toEqual([0x3c00, 0x4000, 0x3c00, 0x4000]);
  });
});

describe('truncateCache', () => {
  it('keeps the first positions of every [batch, heads] row of a cache tensor', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 7 }),
        fc.integer({ min: 1, max: 5 }),
        fc.boolean(),
        (batch, heads, length, size, half) => {
          const count = batch * heads * length * size;
          const values = Array.from({ length: count }, (_, index) => index);
          const tensor = half
            ? new ort.Tensor('float16', Uint16Array.from(values), [batch, heads, length, size])
            : new ort.Tensor('float32', Float32Array.from(values), [batch, heads, length, size]);
          for (let keep = 0; keep <= length; keep += 1) {
            const cut = truncateCache(tensor, keep);
            expect(cut.dims).toEqual([batch, heads, keep, size]);
            expect(cut.type).toBe(tensor.type);
            const expected: number[] = [];
            for (let row = 0; row < batch * heads; row += 1)
              for (let position = 0; position < keep; position += 1)
                for (let index = 0; index < size; index += 1)
                  expected.push((row * length + position) * size + index);
            expect(Array.from(cut.data as ArrayLike<number>)).toEqual(expected);
          }
          expect(truncateCache(tensor, length)).toBe(tensor);
          expect(() => truncateCache(tensor, length + 1)).toThrow(RangeError);
        },
      ),
      { numRuns: 60 },
    );
  });
});
