import { ElementType, type GraphBuilder } from './graph-builder';

/** Weight formats of the transformers.js export layout (`dtype` there). */
export const TINY_MODEL_DTYPES = ['fp32', 'fp16', 'q8', 'q4', 'q4f16'] as const;
/** A weight format: `fp32`, `fp16`, `q8` (8-bit dynamic), `q4` (4-bit blocks), `q4f16` (fp16 with 4-bit blocks). */
export type TinyModelDtype = (typeof TINY_MODEL_DTYPES)[number];

/** The file-name suffix transformers.js maps each dtype to (`DEFAULT_DTYPE_SUFFIX_MAPPING`). */
export const TINY_MODEL_DTYPE_SUFFIXES = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  q4: '_q4',
  q4f16: '_q4f16',
} as const satisfies Record<TinyModelDtype, string>;

/** The float type of a dtype's activations, inputs and outputs. */
export function floatTypeOf(dtype: TinyModelDtype): number {
  return dtype === 'fp16' || dtype === 'q4f16' ? ElementType.float16 : ElementType.float;
}

/** Block size of the 4-bit formats (onnxruntime's `MatMul4BitsQuantizer` default). */
export const Q4_BLOCK_SIZE = 32;

/**
 * 4-bit symmetric block quantization of a `[k, n]` row-major weight in `MatMulNBits`'s layout:
 * `B` is `[n, blocks, blockSize / 2]` (two values a byte, the lower one in the low nibble, the
 * zero point 8 implied), `scales` `[n * blocks]`; `k` is padded with zeros to whole blocks.
 */
export function quantizeBlockwise4(
  weights: Float32Array,
  k: number,
  n: number,
  blockSize = Q4_BLOCK_SIZE,
): { packed: Uint8Array; scales: Float32Array; blocks: number } {
  const blocks = Math.ceil(k / blockSize);
  const blob = blockSize / 2;
  const packed = new Uint8Array(n * blocks * blob);
  const scales = new Float32Array(n * blocks);
  for (let column = 0; column < n; column += 1) {
    for (let block = 0; block < blocks; block += 1) {
      const from = block * blockSize;
      const to = Math.min(k, from + blockSize);
      let largest = 0;
      for (let row = from; row < to; row += 1)
        largest = Math.max(largest, Math.abs(weights[row * n + column] as number));
      const scale = largest / 7 || 1;
      scales[column * blocks + block] = scale;
      const base = (column * blocks + block) * blob;
      for (let row = from; row < to; row += 1) {
        const level = Math.min(
          15,
          Math.max(0, Math.round((weights[row * n + column] as number) / scale) + 8),
        );
        const offset = row - from;
        const at = base + (offset >> 1);
        packed[at] = (packed[at] as number) | (offset & 1 ? level << 4 : level);
      }
      // Padding rows quantize to the zero point (8) so they add nothing.
      for (let offset = to - from; offset < blockSize; offset += 1) {
        const at = base + (offset >> 1);
        packed[at] = (packed[at] as number) | (offset & 1 ? 8 << 4 : 8);
      }
    }
  }
  return { packed, scales, blocks };
}

/** Symmetric per-tensor int8 quantization (zero point 0), as `quantize_dynamic` does with `QInt8`. */
export function quantizeInt8(weights: Float32Array): { values: Int8Array; scale: number } {
  let largest = 0;
  for (const weight of weights) largest = Math.max(largest, Math.abs(weight));
  const scale = largest / 127 || 1;
  const values = new Int8Array(weights.length);
  for (let index = 0; index < weights.length; index += 1)
    values[index] = Math.round((weights[index] as number) / scale);
  return { values, scale };
}

/**
 * `input @ weight` for a `[k, n]` weight in the dtype's form, the forms exporters write:
 * `fp32`/`fp16` a `MatMul`; `q8` onnxruntime's dynamic quantization (`DynamicQuantizeLinear`,
 * `MatMulInteger` on int8 weights, `Cast`, `Mul` by the two scales; onnxruntime fuses it into
 * `MatMulIntegerToFloat`); `q4`/`q4f16` the `com.microsoft` `MatMulNBits` (4 bits, blocks of 32).
 */
export function linear(
  graph: GraphBuilder,
  input: string,
  weights: Float32Array,
  k: number,
  n: number,
  dtype: TinyModelDtype,
  label: string,
): string {
  if (dtype === 'fp32' || dtype === 'fp16') {
    return graph.node('MatMul', [input, graph.floats(`${label}_weight`, [k, n], weights)]);
  }
  if (dtype === 'q8') {
    const { values, scale } = quantizeInt8(weights);
    const quantized = graph.tensor(`${label}_weight_quantized`, [k, n], ElementType.int8, values);
    const zeroPoint = graph.tensor(`${label}_weight_zero_point`, [], ElementType.int8, new Int8Array(1));
    const weightScale = graph.floats32(`${label}_weight_scale`, [], Float32Array.of(scale));
    const [activation, activationScale, activationZero] = [
      graph.fresh(`${label}_input_quantized`),
      graph.fresh(`${label}_input_scale`),
      graph.fresh(`${label}_input_zero_point`),
    ] as [string, string, string];
    graph.node('DynamicQuantizeLinear', [input], {}, [activation, activationScale, activationZero]);
    const product = graph.node('MatMulInteger', [activation, quantized, activationZero, zeroPoint]);
    return graph.node('Mul', [
      graph.node('Cast', [product], { to: ElementType.float }),
      graph.node('Mul', [activationScale, weightScale]),
    ]);
  }
  const { packed, scales, blocks } = quantizeBlockwise4(weights, k, n);
  return graph.node(
    'MatMulNBits',
    [
      input,
      graph.tensor(`${label}_weight_q4`, [n, blocks, Q4_BLOCK_SIZE / 2], ElementType.uint8, packed),
      graph.floats(`${label}_weight_scales`, [n * blocks], scales),
    ],
    { K: k, N: n, bits: 4, block_size: Q4_BLOCK_SIZE },
    undefined,
    'com.microsoft',
  );
}
