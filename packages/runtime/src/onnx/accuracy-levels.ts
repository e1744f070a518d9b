// The MatMulNBits accuracy levels onnxruntime defines, in a module with no imports: the registry
// checks `onnx:` ids against them without loading the graph rewriter (see matmul-nbits-accuracy.ts).

/** onnxruntime's levels: 1 fp32, 2 fp16, 3 bf16, 4 int8 (of the activations `A`). */
export type MatMulNBitsAccuracyLevel = 1 | 2 | 3 | 4;

/** What a level must be, for error messages. */
export const ACCURACY_LEVELS_EXPECTED = 'expected 1 (fp32), 2 (fp16), 3 (bf16) or 4 (int8)';

/** Whether `value` is one of onnxruntime's levels. */
export function isMatMulNBitsAccuracyLevel(value: unknown): value is MatMulNBitsAccuracyLevel {
  return value === 1 || value === 2 || value === 3 || value === 4;
}
