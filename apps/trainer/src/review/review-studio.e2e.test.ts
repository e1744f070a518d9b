import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, findChromium } from '@facial-r1/vitest-config/chromium';
import { writeSyntheticRound } from './__fixtures__/synthetic-round';

const chromiumPath = findChromium('review studio browser test');
const bin = fileURLToPath(new URL('../bin.ts', import.meta.url));
const tsx = createRequire(import.meta.url).resolve('tsx');
const node = [process.execPath, '--conditions=@facial-r1/source', '--import', tsx, bin];

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });

/** Starts `fea-train review` as a child process and resolves once it prints its URL. */
function startStudio(roundDir: string, port: number): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    node[0]!,
    [...node.slice(1), 'review', roundDir, '--port', String(port), '--reviewer', 'e2e'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /Open (http:\/\/\S+)/.exec(output)?.[1];
      if (url) resolve({ child, url });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`review server exited (${code}): ${output}`)));
  });
}

const decisionOf = (page: Page, id: string) =>
  page.locator(`article[data-id="${id}"]`).getAttribute('data-decision');
const focusedId = (page: Page) => page.locator('article.focused').getAttribute('data-id');

describe.skipIf(!chromiumPath)('fea-train review in headless Chromium, by keyboard', () => {
  let directory: string;
  let browser: Browser;
  let server: ChildProcess | undefined;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'fea-review-e2e-'));
    browser = await chromium.launch({ executablePath: chromiumPath, args: [...CHROMIUM_ARGS] });
  });
  afterAll(async () => {
    server?.kill('SIGKILL');
    await browser?.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('accept, reject with a reason, undo, reload, edit with live re-verification, server killed and restarted, two tabs on one sample, then --apply', async () => {
    const { roundDir, output } = await writeSyntheticRound(path.join(directory, 'work'));
    const port = await freePort();
    let studio = await startStudio(roundDir, port);
    server = studio.child;
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(studio.url);
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.locator('article').count()).toBe(6);
    expect(await focusedId(page)).toBe('s01');
    expect(await page.locator('#progress-count').textContent()).toBe('0 / 6 reviewed');
    // The card shows the highlighted AUs, the verifier's view and the retries.
    expect(await page.locator('article[data-id="s01"] mark.au-match').count()).toBeGreaterThan(1);
    expect(await page.locator('article[data-id="s02"] .attempts summary').textContent()).toBe(
      'accepted at attempt 2 (1 rejected attempt(s) before)',
    );
    expect(await page.locator('article[data-id="s04"] .findings').getAttribute('data-passed')).toBe('false');
    expect(await page.locator('article[data-id="s04"] mark.au-extra').first().textContent()).toBe('AU9');
    expect(await page.locator('article[data-id="s04"] .missing-note').textContent()).toBe(
      'missing: AU7, AU23',
    );
    expect(
      await page.locator('article[data-id="s01"] img').evaluate(async (image: HTMLImageElement) => {
        // Under load the image may still be in flight: wait for it rather than read 0.
        await image.decode();
        return image.naturalWidth;
      }),
    ).toBe(128);

    // a, then r 3 typed at once: accept s01; the keys wait for it, then reject s02 as "wrong emotion".
    await page.keyboard.press('a');
    await page.keyboard.press('r');
    await page.keyboard.press('3');
    await expect.poll(() => decisionOf(page, 's02')).toBe('reject');
    expect(await decisionOf(page, 's01')).toBe('accept');
    expect(await page.locator('article[data-id="s02"] .badge.reject').textContent()).toBe(
      'rejected: wrong emotion',
    );
    expect(await focusedId(page)).toBe('s03');
    // u: undo it; the focus returns to s02.
    await page.keyboard.press('u');
    await expect.poll(() => decisionOf(page, 's02')).toBe('');
    expect(await focusedId(page)).toBe('s02');
    // r, o, a free-text reason, Enter.
    await page.keyboard.press('r');
    await page.keyboard.press('o');
    await page.keyboard.type('cites a smile on a sad face');
    await page.keyboard.press('Enter');
    await expect.poll(() => decisionOf(page, 's02')).toBe('reject');
    expect(await page.locator('#progress-count').textContent()).toBe('2 / 6 reviewed');

    // Reload mid-way: decisions are there, the focus resumes at the first undecided sample.
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    expect(await decisionOf(page, 's01')).toBe('accept');
    expect(await page.locator('article[data-id="s02"] .badge.reject').textContent()).toBe(
      'rejected: cites a smile on a sad face',
    );
    expect(await focusedId(page)).toBe('s03');

    // j: skip s03; e: edit s04 (the verifier's rejection) with live re-verification.
    await page.keyboard.press('j');
    expect(await focusedId(page)).toBe('s04');
    await page.keyboard.press('e');
    await expect.poll(() => page.locator('.live-verdict').getAttribute('data-passed')).toBe('false');
    expect(await page.locator('.live-verdict').textContent()).toBe('fails: aus, answer');
    const corrected =
      '<think>The brows are lowered (AU4), the lids tighten (AU7) and the lips press thin (AU23), a clear display of anger in this face.</think><answer>anger</answer>';
    await page.keyboard.press('Control+A');
    await page.keyboard.type(corrected);
    await expect.poll(() => page.locator('.live-verdict').getAttribute('data-passed')).toBe('true');
    expect(await page.locator('.live mark.au-match').count()).toBe(3);
    await page.keyboard.press('Control+Enter');
    await expect.poll(() => decisionOf(page, 's04')).toBe('edit');
    expect(await focusedId(page)).toBe('s05');
    expect(await page.locator('article[data-id="s04"] .reasoning').first().textContent()).toBe(corrected);

    // Kill the server (SIGKILL) mid-way: the decision is refused, not lost silently.
    studio.child.kill('SIGKILL');
    await new Promise((resolve) => studio.child.once('exit', resolve));
    await page.keyboard.press('a');
    await expect.poll(() => page.locator('#status').getAttribute('data-kind')).toBe('error');
    expect(await page.locator('#status').textContent()).toMatch(
      /^Not saved: the studio server is not reachable/,
    );
    expect(await decisionOf(page, 's05')).toBe('');
    // Restart it on the same port; the open page carries on.
    studio = await startStudio(roundDir, port);
    server = studio.child;
    await page.keyboard.press('a');
    await expect.poll(() => decisionOf(page, 's05')).toBe('accept');
    expect(await page.locator('#progress-count').textContent()).toBe('4 / 6 reviewed');
    expect(await page.locator('.label-rate[data-label="anger"]').textContent()).toBe('anger 1/1 · 100% kept');
    expect(await page.locator('.label-rate[data-label="sadness"]').textContent()).toBe(
      'sadness 1/1 · 0% kept',
    );

    // Two tabs on one sample: a second tab opens on s03 (the first undecided); the first tab
    // accepts s03, then the second, still showing it undecided, rejects it. Both are logged,
    // the later wins, the second tab is told, and s03 counts once.
    const second = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    second.on('pageerror', (error) => errors.push(error.message));
    await second.goto(studio.url);
    await second.waitForSelector('body[data-ready="true"]');
    expect(await focusedId(second)).toBe('s03');
    for (const _ of [1, 2, 3]) await page.keyboard.press('k');
    expect(await focusedId(page)).toBe('s03');
    await page.keyboard.press('a');
    await expect.poll(() => decisionOf(page, 's03')).toBe('accept');
    await second.keyboard.press('r');
    await second.keyboard.press('1');
    await expect.poll(() => decisionOf(second, 's03')).toBe('reject');
    expect(await second.locator('article[data-id="s03"] .badge.conflict').count()).toBe(1);
    expect(await second.locator('#status').getAttribute('data-kind')).toBe('warn');
    expect(await second.locator('#status').textContent()).toBe(
      's03 had been decided in another tab (accept); your reject replaced it - both are in the decisions log',
    );
    expect(await second.locator('#progress-count').textContent()).toBe('5 / 6 reviewed');
    await second.close();

    expect(errors).toEqual([]);
    expect(requests.every((url) => url.startsWith(`http://127.0.0.1:${port}/`))).toBe(true);
    studio.child.kill('SIGTERM');
    await new Promise((resolve) => studio.child.once('exit', resolve));
    server = undefined;

    // The decisions file, line by line.
    const decisionsFile = path.join(roundDir, 'synthesized.decisions.e2e.jsonl');
    const lines = (await readFile(decisionsFile, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    for (const line of lines) {
      expect(line.key).toMatch(/^[a-z0-9]+:\d+$/);
      expect(line.key.startsWith(`${line.client}:`)).toBe(true);
      expect(line.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
    const shape = lines.map(({ key: _key, client: _client, at: _at, ...rest }) => rest);
    expect(shape).toEqual([
      { id: 's01', decision: 'accept', reviewer: 'e2e', base: null },
      { id: 's02', decision: 'reject', reason: 'wrong emotion', reviewer: 'e2e', base: null },
      { id: 's02', decision: 'undo', undoes: lines[1].key, reviewer: 'e2e', base: lines[1].key },
      { id: 's02', decision: 'reject', reason: 'cites a smile on a sad face', reviewer: 'e2e', base: null },
      { id: 's04', decision: 'edit', text: corrected, passed: true, failed: [], reviewer: 'e2e', base: null },
      { id: 's05', decision: 'accept', reviewer: 'e2e', base: null },
      { id: 's03', decision: 'accept', reviewer: 'e2e', base: null },
      { id: 's03', decision: 'reject', reason: 'hallucinated AU', reviewer: 'e2e', base: null },
    ]);
    expect(lines[7].client).not.toBe(lines[6].client);
    expect(lines[0].client).toBe(lines[1].client); // the same tab until the reload
    expect(lines[3].client).toBe(lines[1].client);
    expect(lines[4].client).not.toBe(lines[1].client); // a new tab after the reload

    // --apply: the reviewed dataset, exactly.
    const applied = await promisify(execFile)(node[0]!, [
      ...node.slice(1),
      'review',
      roundDir,
      '--reviewer',
      'e2e',
      '--apply',
    ]);
    expect(applied.stdout).toContain(
      'samples written to ' +
        path.join(roundDir, 'synthesized.reviewed.jsonl') +
        ' - 2 accepted, 1 edited, 2 rejected, 1 undecided, 1 restored',
    );
    const read = async (file: string) =>
      (await readFile(file, 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
    const round = new Map((await read(output)).map((sample) => [sample.id, sample]));
    const sources = new Map(
      (await read(path.join(directory, 'work', 'data', 'samples.jsonl'))).map((sample) => [
        sample.id,
        sample,
      ]),
    );
    const outcomes = new Map((await read(`${output}.outcomes.jsonl`)).map((record) => [record.id, record]));
    const review = (line: { decision: string; at: string }) => ({
      decision: line.decision,
      reviewer: 'e2e',
      at: line.at,
    });
    expect(await read(path.join(roundDir, 'synthesized.reviewed.jsonl'))).toEqual([
      { ...round.get('s01'), meta_info: { ...round.get('s01').meta_info, review: review(lines[0]) } },
      {
        ...sources.get('s04'),
        description: corrected,
        meta_info: { review: { ...review(lines[4]), original: outcomes.get('s04').completion } },
      },
      { ...round.get('s05'), meta_info: { ...round.get('s05').meta_info, review: review(lines[5]) } },
      round.get('s06'),
    ]);
    const manifest = JSON.parse(
      await readFile(path.join(roundDir, 'synthesized.reviewed.jsonl.manifest.json'), 'utf8'),
    );
    expect(manifest.counts).toEqual({
      samples: 6,
      written: 4,
      accepted: 2,
      rejected: 2,
      edited: 1,
      failedEdits: 0,
      undecided: 1,
      restored: 1,
    });
  });
});

describe('fea-train review usage', () => {
  it('names what is wrong and exits 2: a missing input, a folder that is no round, a public address without a token', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'fea-review-usage-'));
    try {
      const run = (args: string[]) =>
        promisify(execFile)(node[0]!, [...node.slice(1), 'review', ...args]).then(
          () => ({ code: 0, stderr: '' }),
          (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
        );
      const missing = await run([path.join(directory, 'nope')]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('nope: no such file or folder');
      const notRound = await run([directory]);
      expect(notRound.code).toBe(2);
      expect(notRound.stderr).toContain('not a synthesis round');
      const { roundDir } = await writeSyntheticRound(path.join(directory, 'work'));
      const open = await run([roundDir, '--host', '0.0.0.0', '--port', '0']);
      expect(open.code).toBe(2);
      expect(open.stderr).toContain('pass --token <secret>');
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
