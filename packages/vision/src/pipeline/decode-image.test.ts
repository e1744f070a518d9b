import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageDecodeError } from '../errors';
import { decodeImage } from './face-analyzer';

const settlesWithin = <T>(promise: Promise<T>, ms = 3000) =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`still blocked after ${ms} ms`)), ms).unref(),
    ),
  ]);

describe('decodeImage reads only regular image files', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'fr1-decode-'));
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  it('refuses a FIFO named .jpg at once instead of hanging (analyze reads through here)', async () => {
    const fifo = path.join(directory, 'pipe.jpg');
    execFileSync('mkfifo', [fifo]);
    const error = await settlesWithin(decodeImage(fifo)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ImageDecodeError);
    expect((error as Error).message).toContain('not a regular file');
  });

  it('refuses SVG, whose href would read the file beside it; decodes a PNG and names a missing file', async () => {
    await writeFile(
      path.join(directory, 'secret.png'),
      await sharp({ create: { width: 8, height: 8, channels: 3, background: '#00ff00' } })
        .png()
        .toBuffer(),
    );
    const svg = path.join(directory, 'face.svg');
    await writeFile(
      svg,
      '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><image href="secret.png" width="8" height="8"/></svg>',
    );
    await expect(decodeImage(svg)).rejects.toThrow(/SVG/);
    const png = await decodeImage(path.join(directory, 'secret.png'));
    expect([png.width, png.height, png.data[1]]).toEqual([8, 8, 255]);
    await expect(decodeImage(path.join(directory, 'missing.jpg'))).rejects.toThrow(/Image not found/);
  });
});
