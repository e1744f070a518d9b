import sharp from 'sharp';
import { ImageInputError, ImagePixelLimitError } from '../errors';
import type { ImageInput } from '../model';
import { isSvgOrXml, readImageFile } from './read-image-file';
import { smartResize } from './smart-resize';

/** The fields of a Qwen2-VL `preprocessor_config.json` the processor uses. */
export interface QwenImageProcessorConfig {
  /** Fewest pixels after resizing. */
  readonly minPixels: number;
  /** Most pixels after resizing. */
  readonly maxPixels: number;
  /** Vision patch side (14). */
  readonly patchSize: number;
  /** Patches merged per side into one language token (2). */
  readonly mergeSize: number;
  /** Frames per temporal patch (2); a still image is repeated. */
  readonly temporalPatchSize: number;
  /** Per-channel mean subtracted after rescaling. */
  readonly imageMean: readonly [number, number, number];
  /** Per-channel standard deviation divided by after rescaling. */
  readonly imageStd: readonly [number, number, number];
  /** Factor applied to 0-255 values (1/255). */
  readonly rescaleFactor: number;
  /** Largest input image (width x height) that may be decoded; larger ones are refused. */
  readonly limitInputPixels: number;
}

/** One processed image: flattened patches and its patch grid. */
export interface ProcessedImage {
  /** `[gridT * gridH * gridW, channels * temporalPatchSize * patchSize * patchSize]` row-major. */
  readonly pixelValues: Float32Array;
  /** Rows of `pixelValues`. */
  readonly patchCount: number;
  /** Columns of `pixelValues` (1176 for Qwen2-VL). */
  readonly patchDimension: number;
  /** `[t, h, w]` in patches. */
  readonly gridThw: readonly [number, number, number];
  /** Number of `<|image_pad|>` tokens the image takes in the prompt (`t * h * w / merge^2`). */
  readonly tokenCount: number;
}

const CLIP_MEAN: readonly [number, number, number] = [0.48145466, 0.4578275, 0.40821073];
const CLIP_STD: readonly [number, number, number] = [0.26862954, 0.26130258, 0.27577711];

/** Reads the processor settings from a parsed `preprocessor_config.json`, with the Qwen2-VL defaults. */
export function readImageProcessorConfig(
  json: Record<string, unknown>,
  limitInputPixels = 100_000_000,
): QwenImageProcessorConfig {
  const size = (json.size ?? {}) as Record<string, unknown>;
  const number = (value: unknown, fallback: number) => (typeof value === 'number' ? value : fallback);
  const triple = (value: unknown, fallback: readonly [number, number, number]) =>
    Array.isArray(value) && value.length === 3 ? (value as unknown as [number, number, number]) : fallback;
  return {
    minPixels: number(json.min_pixels ?? size.shortest_edge, 56 * 56),
    maxPixels: number(json.max_pixels ?? size.longest_edge, 28 * 28 * 1280),
    patchSize: number(json.patch_size, 14),
    mergeSize: number(json.merge_size, 2),
    temporalPatchSize: number(json.temporal_patch_size, 2),
    imageMean: triple(json.image_mean, CLIP_MEAN),
    imageStd: triple(json.image_std, CLIP_STD),
    rescaleFactor: number(json.rescale_factor, 1 / 255),
    limitInputPixels,
  };
}

/**
 * An image input as a path or encoded bytes: a sharp instance (or anything with `toBuffer()`)
 * is asked for its encoded bytes.
 * @throws ImageInputError when `toBuffer()` gives something other than bytes
 */
export async function encodedImageInput(image: ImageInput): Promise<string | Uint8Array> {
  if (typeof image === 'string' || image instanceof Uint8Array) return image;
  const encoded = await image.toBuffer();
  if (!(encoded instanceof Uint8Array)) {
    throw new ImageInputError(
      'the image object did not give encoded bytes from toBuffer(). Pass a path or bytes.',
    );
  }
  return encoded;
}

async function decode(
  image: ImageInput,
  limitInputPixels: number,
): Promise<{ data: Buffer; width: number; height: number; channels: number }> {
  const encoded = await encodedImageInput(image);
  const where = typeof encoded === 'string' ? `image ${encoded}` : 'image bytes';
  let input: Buffer;
  try {
    // Bytes, never a path, reach sharp: the file is checked to be a regular one first (a FIFO
    // would block), and an SVG cannot pull in files beside it.
    input =
      typeof encoded === 'string'
        ? await readImageFile(encoded)
        : Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength);
  } catch (error) {
    if (ImageInputError.isInstance(error)) throw error;
    throw new ImageInputError(`cannot read ${where}: ${(error as Error).message}`, { cause: error });
  }
  if (isSvgOrXml(input))
    throw new ImageInputError(
      `${where} is SVG/XML text; pass a JPEG, PNG, WebP, GIF, TIFF or AVIF image (SVG is refused: it can reference other files).`,
    );
  try {
    const { data, info } = await sharp(input, { limitInputPixels })
      .rotate()
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height, channels: info.channels };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/pixel limit/i.test(message)) {
      throw new ImagePixelLimitError(
        `${where} has more than ${limitInputPixels} pixels (the decompression-bomb limit). Downscale it first, or raise the limit with the maxInputPixels option if you trust the file.`,
        { cause: error },
      );
    }
    throw new ImageInputError(
      `cannot read ${where}: ${message}. Pass a JPEG, PNG, WebP, GIF, TIFF or AVIF file or its bytes.`,
      { cause: error },
    );
  }
}

function toRgb(data: Buffer, pixels: number, channels: number): Buffer {
  if (channels === 3) return data;
  const rgb = Buffer.alloc(pixels * 3);
  for (let pixel = 0; pixel < pixels; pixel += 1) {
    const source = pixel * channels;
    // Grey (with or without alpha) is replicated; alpha is dropped, as the reference processor does.
    const grey = channels < 3;
    rgb[pixel * 3] = data[source] as number;
    rgb[pixel * 3 + 1] = data[grey ? source : source + 1] as number;
    rgb[pixel * 3 + 2] = data[grey ? source : source + 2] as number;
  }
  return rgb;
}

/**
 * The Qwen2-VL image processor on sharp: decode (EXIF orientation applied), convert to RGB,
 * smart-resize with bicubic interpolation (a sharp affine transform, as transformers.js does),
 * rescale, normalise, repeat the frame `temporalPatchSize` times and flatten into patches in the
 * order the vision encoder expects (merge windows contiguous).
 * @throws ImageInputError for unreadable input, ImagePixelLimitError past the pixel limit,
 * ImageSizeError for images too small or too elongated
 */
export async function processQwenImage(
  image: ImageInput,
  config: QwenImageProcessorConfig,
): Promise<ProcessedImage> {
  const decoded = await decode(image, config.limitInputPixels);
  const rgb = toRgb(decoded.data, decoded.width * decoded.height, decoded.channels);
  const factor = config.patchSize * config.mergeSize;
  const size = smartResize(decoded.height, decoded.width, {
    factor,
    minPixels: config.minPixels,
    maxPixels: config.maxPixels,
  });
  let pixels = rgb;
  if (size.width !== decoded.width || size.height !== decoded.height) {
    const resized = await sharp(rgb, { raw: { width: decoded.width, height: decoded.height, channels: 3 } })
      .affine([size.width / decoded.width, 0, 0, size.height / decoded.height], { interpolator: 'bicubic' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (resized.info.width !== size.width || resized.info.height !== size.height) {
      throw new ImageInputError(
        `resizing gave ${resized.info.width}x${resized.info.height} instead of ${size.width}x${size.height}; report this with the image.`,
      );
    }
    pixels = toRgb(resized.data, size.width * size.height, resized.info.channels);
  }
  const { patchSize: patch, mergeSize: merge, temporalPatchSize: temporal } = config;
  const width = size.width;
  const gridH = size.height / patch;
  const gridW = size.width / patch;
  const patchCount = gridH * gridW;
  const patchDimension = 3 * temporal * patch * patch;
  const normalised = new Float32Array(pixels.length);
  for (let index = 0; index < pixels.length; index += 1) {
    const channel = index % 3;
    const scaled = Math.fround(config.rescaleFactor * (pixels[index] as number));
    normalised[index] =
      (scaled - (config.imageMean[channel] as number)) / (config.imageStd[channel] as number);
  }
  const pixelValues = new Float32Array(patchCount * patchDimension);
  let offset = 0;
  for (let blockRow = 0; blockRow < gridH / merge; blockRow += 1) {
    for (let blockColumn = 0; blockColumn < gridW / merge; blockColumn += 1) {
      for (let mergeRow = 0; mergeRow < merge; mergeRow += 1) {
        for (let mergeColumn = 0; mergeColumn < merge; mergeColumn += 1) {
          const top = (blockRow * merge + mergeRow) * patch;
          const left = (blockColumn * merge + mergeColumn) * patch;
          for (let channel = 0; channel < 3; channel += 1) {
            for (let frame = 0; frame < temporal; frame += 1) {
              for (let y = 0; y < patch; y += 1) {
                const rowStart = ((top + y) * width + left) * 3 + channel;
                for (let x = 0; x < patch; x += 1) {
                  pixelValues[offset] = normalised[rowStart + x * 3] as number;
                  offset += 1;
                }
              }
            }
          }
        }
      }
    }
  }
  return {
    pixelValues,
    patchCount,
    patchDimension,
    gridThw: [1, gridH, gridW],
    tokenCount: patchCount / (merge * merge),
  };
}
