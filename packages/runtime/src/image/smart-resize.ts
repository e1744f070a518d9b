import { ImageSizeError } from '../errors';

/** Bounds of the Qwen2-VL image processor (`preprocessor_config.json`). */
export interface SmartResizeOptions {
  /** Side lengths become multiples of this (`patch_size * merge_size`, 28 for Qwen2-VL). Default 28. */
  readonly factor?: number;
  /** Fewest pixels of the resized image (`min_pixels`). Default 56 * 56. */
  readonly minPixels?: number;
  /** Most pixels of the resized image (`max_pixels`). Default 28 * 28 * 1280. */
  readonly maxPixels?: number;
}

// Python's round(): halves go to the even neighbour; transformers' smart_resize relies on it.
function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * The Qwen2-VL smart resize: the size closest to `height x width` whose sides are multiples of
 * `factor`, whose area lies within `[minPixels, maxPixels]`, keeping the aspect ratio as far as
 * possible. Same arithmetic as `smart_resize` of the reference image processor.
 * @throws ImageSizeError when a side is shorter than `factor` or the aspect ratio exceeds 200.
 */
export function smartResize(
  height: number,
  width: number,
  options: SmartResizeOptions = {},
): { height: number; width: number } {
  const factor = options.factor ?? 28;
  const minPixels = options.minPixels ?? 56 * 56;
  const maxPixels = options.maxPixels ?? 28 * 28 * 1280;
  if (height < factor || width < factor) {
    throw new ImageSizeError(
      `image is ${width}x${height}; both sides must be at least ${factor} pixels. Upscale or pad the image first.`,
    );
  }
  if (Math.max(height, width) / Math.min(height, width) > 200) {
    throw new ImageSizeError(
      `image is ${width}x${height}; its aspect ratio must be at most 200. Crop the image first.`,
    );
  }
  let resizedHeight = roundHalfEven(height / factor) * factor;
  let resizedWidth = roundHalfEven(width / factor) * factor;
  if (resizedHeight * resizedWidth > maxPixels) {
    const beta = Math.sqrt((height * width) / maxPixels);
    resizedHeight = Math.max(factor, Math.floor(height / beta / factor) * factor);
    resizedWidth = Math.max(factor, Math.floor(width / beta / factor) * factor);
  } else if (resizedHeight * resizedWidth < minPixels) {
    const beta = Math.sqrt(minPixels / (height * width));
    resizedHeight = Math.ceil((height * beta) / factor) * factor;
    resizedWidth = Math.ceil((width * beta) / factor) * factor;
  }
  return { height: resizedHeight, width: resizedWidth };
}
