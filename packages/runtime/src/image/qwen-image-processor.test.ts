import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Qwen2VLImageProcessor, RawImage } from '@huggingface/transformers';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImagePixelLimitError } from '../errors';
import { ImageInputError } from '../openai/errors';
import { processQwenImage, readImageProcessorConfig } from './qwen-image-processor';

const preprocessorJson = {
  do_convert_rgb: true,
  do_normalize: true,
  do_rescale: true,
  do_resize: true,
  image_mean: [0.48145466, 0.4578275, 0.40821073],
  image_processor_type: 'Qwen2VLImageProcessor',
  image_std: [0.26862954, 0.26130258, 0.27577711],
  max_pixels: 200704,
  merge_size: 2,
  min_pixels: 3136,
  patch_size: 14,
  resample: 3,
  rescale_factor: 0.00392156862745098,
  size: { max_pixels: 200704, min_pixels: 3136 },
  temporal_patch_size: 2,
};

async function gradientJpeg(width: number, height: number, orientation?: number): Promise<Buffer> {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const at = (y * width + x) * 3;
      data[at] = (x * 255) / width;
      data[at + 1] = (y * 255) / height;
      data[at + 2] = ((x + y) * 7) % 256;
    }
  }
  const image = sharp(data, { raw: { width, height, channels: 3 } });
  return (orientation ? image.withMetadata({ orientation }) : image).jpeg({ quality: 90 }).toBuffer();
}

describe('processQwenImage', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'fr1-image-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  const config = readImageProcessorConfig(preprocessorJson);
  const reference = new Qwen2VLImageProcessor(preprocessorJson as never);

  it.each([
    [64, 48, undefined],
    [640, 480, undefined],
    [333, 517, 6],
    [300, 200, 8],
    [90, 1000, 3],
  ])('matches transformers.js on a %ix%i JPEG (orientation %s)', async (width, height, orientation) => {
    const file = path.join(directory, `${width}x${height}-${orientation ?? 1}.jpg`);
    await writeFile(file, await gradientJpeg(width, height, orientation));
    const ours = await processQwenImage(file, config);
    const theirs = await reference(await RawImage.read(file));
    const grid = Array.from(theirs.image_grid_thw.data as BigInt64Array, Number);
    expect([...ours.gridThw]).toEqual(grid);
    expect([ours.patchCount, ours.patchDimension]).toEqual(theirs.pixel_values.dims);
    const expected = theirs.pixel_values.data as Float32Array;
    let worst = 0;
    for (let index = 0; index < expected.length; index += 1) {
      worst = Math.max(worst, Math.abs((ours.pixelValues[index] as number) - (expected[index] as number)));
    }
    expect(worst).toBeLessThanOrEqual(1e-5);
    expect(ours.patchDimension).toBe(1176);
    expect(ours.tokenCount * 4).toBe(ours.patchCount);
  });

  it('honours EXIF orientation (a 90-degree tag swaps the grid)', async () => {
    const upright = await processQwenImage(await gradientJpeg(300, 200), config);
    const rotated = await processQwenImage(await gradientJpeg(300, 200, 6), config);
    expect(rotated.gridThw).toEqual([1, upright.gridThw[2], upright.gridThw[1]]);
  });

  it('refuses images past the pixel limit with a typed error', async () => {
    const limited = { ...config, limitInputPixels: 100 * 100 };
    await expect(processQwenImage(await gradientJpeg(200, 200), limited)).rejects.toBeInstanceOf(
      ImagePixelLimitError,
    );
  });

  it('refuses unreadable input with a typed error naming the file', async () => {
    const file = path.join(directory, 'broken.jpg');
    await writeFile(file, 'not an image');
    await expect(processQwenImage(file, config)).rejects.toBeInstanceOf(ImageInputError);
    await expect(processQwenImage(file, config)).rejects.toThrow(/broken\.jpg/);
  });
});
