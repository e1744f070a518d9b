import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { demoPhotoPaths } from '@facial-r1/vision';
import { describe, expect, it } from 'vitest';
import { analyzeImages } from './analyze-images';

describe('fea-eval analyze on files that are not images', () => {
  it('a FIFO named .jpg and an SVG reading its neighbour fail at once; the other images are analysed', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'fea-analyze-fifo-'));
    try {
      const fifo = path.join(directory, 'pipe.jpg');
      execFileSync('mkfifo', [fifo]);
      const svg = path.join(directory, 'face.svg');
      await writeFile(
        svg,
        `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><image href="${demoPhotoPaths()[0]}" width="64" height="64"/></svg>`,
      );
      const results = await Promise.race([
        analyzeImages([fifo, svg, demoPhotoPaths()[5]!]),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error('analyze blocked')), 60_000).unref(),
        ),
      ]);
      expect(results[0]!.error).toMatch(/not a regular file/);
      expect(results[1]!.error).toMatch(/SVG/);
      expect(results[2]!.error).toBeUndefined();
      expect(results[2]!.faces.length).toBeGreaterThan(0);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  }, 90_000);
});
