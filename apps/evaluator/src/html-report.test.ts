import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeFixtureDataset } from '@facial-r1/benchmarks/testing';
import { createOpenAICompatibleModel } from '@facial-r1/runtime/openai';
import { serveOpenAICompatible } from '@facial-r1/runtime/server';
import { CHROMIUM_ARGS, findChromium } from '@facial-r1/vitest-config/chromium';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixedAnswerModel } from './__fixtures__/fixed-answer-model';
import { runBenchmark } from './run-benchmark';

const chromiumPath = findChromium('report.html browser test');

describe.skipIf(!chromiumPath)('report.html in headless Chromium', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'fea-report-'));
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  it('renders with its charts and gallery, and no console errors; a screenshot is written', async () => {
    await writeFixtureDataset('faba', path.join(directory, 'faba'));
    const server = await serveOpenAICompatible(new FixedAnswerModel());
    let html: string;
    try {
      const result = await runBenchmark({
        benchmark: 'faba',
        data: path.join(directory, 'faba'),
        model: createOpenAICompatibleModel({ baseURL: server.url, model: 'fixed-answer' }),
        modelId: 'fixed-answer',
        out: path.join(directory, 'run'),
        resamples: 50,
      });
      html = result.files.html;
    } finally {
      await server.close();
    }
    const browser = await chromium.launch({
      executablePath: chromiumPath,
      args: [...CHROMIUM_ARGS],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const errors: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      page.on('pageerror', (error) => errors.push(error.message));
      const requests: string[] = [];
      page.on('request', (request) => requests.push(request.url()));
      await page.goto(pathToFileURL(html).href);
      expect(await page.title()).toBe('FABA-Instruct: fixed-answer');
      expect(await page.locator('.charts figure svg').count()).toBe(3);
      expect(await page.locator('.charts figure svg rect, .charts figure svg path').count()).toBeGreaterThan(
        10,
      );
      expect(await page.locator('.gallery .sample').count()).toBe(8);
      expect(await page.locator('.gallery .sample mark').count()).toBeGreaterThan(0);
      const images = await page
        .locator('.gallery img')
        .evaluateAll((nodes) =>
          nodes.map((node) => (node as unknown as { naturalWidth: number }).naturalWidth),
        );
      expect(images.every((width) => width > 0)).toBe(true);
      expect(requests.every((url) => url.startsWith('file:') || url.startsWith('data:'))).toBe(true);
      expect(errors).toEqual([]);
      const output = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'test-output');
      await mkdir(output, { recursive: true });
      await page.screenshot({ path: path.join(output, 'report.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });
});
