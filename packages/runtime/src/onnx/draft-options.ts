// The rules of speculative decoding's options, in a module with no imports: the registry checks
// `onnx:` ids against them without loading the ONNX backend (see create-onnx-model.ts).

/** What `draftTokens` must be, for error messages. */
export const DRAFT_TOKENS_EXPECTED = 'expected a whole number from 1 to 16';

/** Whether `value` is a valid `draftTokens`. */
export function isDraftTokens(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= 16;
}

/** Why a `q8` main decoder takes no draft, for error messages. */
export const Q8_DRAFT_REASON =
  'dtype q8 quantizes the activations of each run together (one scale for all rows), so checking several drafted tokens in one run would change its greedy output; draft for fp32, fp16, q4 or q4f16';
