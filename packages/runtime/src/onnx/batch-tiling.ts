import type * as ort from 'onnxruntime-node';
import { type FloatData, type FloatType, floatTensor } from './float-tensors';

/** A float tensor repeated `copies` times along its first dimension (a batch of identical rows). */
export function tile(tensor: ort.Tensor, copies: number): ort.Tensor {
  if (copies === 1) return tensor;
  const data = tensor.data as FloatData;
  const tiled =
    data instanceof Uint16Array
      ? new Uint16Array(data.length * copies)
      : new Float32Array(data.length * copies);
  for (let copy = 0; copy < copies; copy += 1) tiled.set(data, copy * data.length);
  return floatTensor(tensor.type as FloatType, tiled, [copies, ...tensor.dims.slice(1)]);
}

/** Prompt positions `[3, 1, length]` repeated for `copies` rows: `[3, copies, length]`. */
export function tilePositions(positions: BigInt64Array, copies: number): BigInt64Array {
  if (copies === 1) return positions;
  const length = positions.length / 3;
  const tiled = new BigInt64Array(positions.length * copies);
  for (let axis = 0; axis < 3; axis += 1) {
    const row = positions.subarray(axis * length, (axis + 1) * length);
    for (let copy = 0; copy < copies; copy += 1) tiled.set(row, (axis * copies + copy) * length);
  }
  return tiled;
}

/** A `[batch, heads, length, head size]` cache tensor cut to its first `keep` positions. */
export function truncateCache(tensor: ort.Tensor, keep: number): ort.Tensor {
  const [batch, heads, length, size] = tensor.dims as [number, number, number, number];
  if (keep === length) return tensor;
  if (keep > length || keep < 0) throw new RangeError(`cannot keep ${keep} of ${length} cached positions`);
  const data = tensor.data as FloatData;
  const kept =
    data instanceof Uint16Array
      ? new Uint16Array(batch * heads * keep * size)
      : new Float32Array(batch * heads * keep * size);
  for (let row = 0; row < batch * heads; row += 1)
    kept.set(data.subarray(row * length * size, row * length * size + keep * size), row * keep * size);
  return floatTensor(tensor.type as FloatType, kept, [batch, heads, keep, size]);
}
