/** Token ids and merge size the M-RoPE index needs (from `config.json`). */
export interface RopeIndexOptions {
  /** Id of `<|image_pad|>` (`image_token_id`, 151655 in Qwen2-VL). */
  readonly imageTokenId: number;
  /** Id of `<|vision_start|>` (`vision_start_token_id`, 151652). */
  readonly visionStartTokenId: number;
  /** `spatial_merge_size` of the vision config (2). */
  readonly spatialMergeSize?: number;
}

/** M-RoPE positions of one prompt: `[3][length]` (temporal, height, width rows) and the rope delta. */
export interface RopeIndex {
  /** Three rows of `length` positions: temporal, height, width. */
  readonly positions: readonly [Int32Array, Int32Array, Int32Array];
  /** `max position + 1 - length`; a decode step at cache length `p` uses position `p + delta` on all rows. */
  readonly delta: number;
}

/**
 * The 3-D M-RoPE position ids of one unpadded prompt, with the semantics of Qwen2-VL's
 * `get_rope_index` for images: text tokens advance all three rows together; the
 * `<|image_pad|>` run after each `<|vision_start|>` gets (t, h, w) grid coordinates of the
 * merged image grid, offset by the position where the image starts; text after an image resumes
 * at the largest position so far plus one.
 * @param inputIds the prompt's token ids
 * @param imageGridThw one `[t, h, w]` patch grid per image, in prompt order
 */
export function computeRopeIndex(
  inputIds: ArrayLike<number>,
  imageGridThw: readonly (readonly [number, number, number])[],
  options: RopeIndexOptions,
): RopeIndex {
  const length = inputIds.length;
  const temporal = new Int32Array(length);
  const height = new Int32Array(length);
  const width = new Int32Array(length);
  const mergeSize = options.spatialMergeSize ?? 2;
  let next = 0;
  let imageIndex = 0;
  let index = 0;
  while (index < length) {
    const isImageStart =
      inputIds[index] === options.imageTokenId &&
      index > 0 &&
      inputIds[index - 1] === options.visionStartTokenId &&
      imageIndex < imageGridThw.length;
    if (!isImageStart) {
      temporal[index] = next;
      height[index] = next;
      width[index] = next;
      next += 1;
      index += 1;
      continue;
    }
    const [gridT, gridH, gridW] = imageGridThw[imageIndex] as readonly [number, number, number];
    imageIndex += 1;
    const rows = gridH / mergeSize;
    const columns = gridW / mergeSize;
    const count = gridT * rows * columns;
    let largest = next - 1;
    for (let t = 0; t < gridT; t += 1) {
      for (let h = 0; h < rows; h += 1) {
        for (let w = 0; w < columns; w += 1) {
          const at = index + (t * rows + h) * columns + w;
          if (at >= length) continue;
          temporal[at] = next + t;
          height[at] = next + h;
          width[at] = next + w;
          largest = Math.max(largest, next + t, next + h, next + w);
        }
      }
    }
    index += count;
    next = largest + 1;
  }
  return { positions: [temporal, height, width], delta: next - length };
}
