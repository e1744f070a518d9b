/** What {@link IncrementalDecoder} needs from a tokenizer. */
export interface TokenDecoder {
  decode(ids: number[], options: { skip_special_tokens: boolean }): string;
}

/**
 * Detokenizes a growing token sequence in constant work per token: each new token is decoded
 * together with the few tokens before it (from `prefix` to the end) and the text that window
 * adds over its previous reading is the delta, emitted only once it is complete (no trailing
 * U+FFFD from a multi-byte character split across tokens). The deltas concatenate to the
 * decode of the whole sequence for byte-level BPE tokenizers (Qwen's), where decoding is
 * per-token bytes; re-decoding the whole sequence every step would cost O(length) each time.
 */
export class IncrementalDecoder {
  readonly tokens: number[] = [];
  #prefix = 0;
  #read = 0;
  #text = '';

  constructor(private readonly tokenizer: TokenDecoder) {}

  /** The text so far (the concatenated deltas). */
  get text(): string {
    return this.#text;
  }

  #decode(from: number, to = this.tokens.length): string {
    return from >= to
      ? ''
      : this.tokenizer.decode(this.tokens.slice(from, to), { skip_special_tokens: true });
  }

  /** Adds a token; returns the text it completes ('' while a character is still incomplete). */
  push(token: number): string {
    this.tokens.push(token);
    const before = this.#decode(this.#prefix, this.#read);
    const after = this.#decode(this.#prefix);
    if (after.length <= before.length || after.endsWith('\uFFFD')) return '';
    const delta = after.slice(before.length);
    this.#prefix = this.#read;
    this.#read = this.tokens.length;
    this.#text += delta;
    return delta;
  }

  /**
   * The whole decode: the text so far plus whatever the last tokens spell even if incomplete
   * (a trailing U+FFFD), as decoding all tokens at once gives.
   */
  finalText(): string {
    const before = this.#decode(this.#prefix, this.#read);
    const after = this.#decode(this.#prefix);
    return this.#text + after.slice(before.length);
  }
}
