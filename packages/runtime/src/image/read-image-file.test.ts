import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageInputError } from '../errors';
import { imageDataUrl } from './image-input';
import { processQwenImage, readImageProcessorConfig } from './qwen-image-processor';

const config = readImageProcessorConfig({
  image_mean: [0.5, 0.5, 0.5],
  image_std: [0.5, 0.5, 0.5],
  max_pixels: 200704,
  min_pixels: 3136,
  merge_size: 2,
  patch_size: 14,
  temporal_patch_size: 2,
  rescale_factor: 1 / 255,
});

// Rejects within `ms` or fails: a reader blocked on a FIFO never settles.
const settlesWithin = <T>(promise: Promise<T>, ms = 3000) =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`still blocked after ${ms} ms`)), ms).unref(),
    ),
  ]);

describe('image files: only regular files, never SVG', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'fr1-image-files-'));
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  it('refuses a FIFO named .jpg at once, in the image processor and the OpenAI backend', async () => {
    const fifo = path.join(directory, 'pipe.jpg');
    execFileSync('mkfifo', [fifo]);
    await expect(settlesWithin(processQwenImage(fifo, config))).rejects.toBeInstanceOf(ImageInputError);
    await expect(settlesWithin(processQwenImage(fifo, config))).rejects.toThrow(/not a regular file/);
    await expect(settlesWithin(imageDataUrl(fifo))).rejects.toThrow(/not a regular file/);
  });

  it('refuses an SVG, so an href cannot read the file beside it', async () => {
    const secret = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#ff0000' } })
      .png()
      .toBuffer();
    await writeFile(path.join(directory, 'secret.png'), secret);
    const svg = path.join(directory, 'face.jpg');
    await writeFile(
      svg,
      '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="64" height="64"><image href="secret.png" xlink:href="secret.png" width="64" height="64"/></svg>',
    );
    await expect(processQwenImage(svg, config)).rejects.toThrow(/SVG/);
    await expect(
      processQwenImage(new Uint8Array(await sharp(secret).png().toBuffer()), config),
    ).resolves.toBeDefined();
  });
});
