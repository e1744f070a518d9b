// Renders docs/review-studio.png: the studio over the synthetic round of the tests (cartoon
// faces drawn by code, no photographs), with a few decisions made and an edit open.
// Run: pnpm --filter @facial-r1/trainer screenshot:review
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, findChromium } from '@facial-r1/vitest-config/chromium';
import { writeSyntheticRound } from './__fixtures__/synthetic-round';
import { DecisionLog, decisionsPath } from './decision-log';
import { createJudge } from './judge-text';
import { createReviewServer } from './review-server';
import { loadReviewSet } from './review-set';

const target = fileURLToPath(new URL('../../docs/review-studio.png', import.meta.url));
const executablePath = findChromium('the review studio screenshot');
if (!executablePath) process.exit(1);

const directory = await mkdtemp(path.join(os.tmpdir(), 'fea-review-shot-'));
try {
  const { roundDir } = await writeSyntheticRound(path.join(directory, 'work'));
  const set = await loadReviewSet(roundDir);
  // A second reviewer's file, so the progress bar shows Cohen's kappa.
  const other = await DecisionLog.open(decisionsPath(set.datasetFile, 'bob'), 'bob');
  for (const [id, decision] of [
    ['s01', 'accept'],
    ['s02', 'reject'],
    ['s03', 'reject'],
  ] as const)
    await other.decide({
      key: `bob:${id}`,
      id,
      decision,
      client: 'bob',
      base: null,
      ...(decision === 'reject' ? { reason: 'wrong emotion' } : {}),
    });
  await other.close();
  const log = await DecisionLog.open(decisionsPath(set.datasetFile, 'alice'), 'alice');
  await log.decide({ key: 'alice:1', id: 's01', decision: 'accept', client: 'alice', base: null });
  await log.decide({
    key: 'alice:2',
    id: 's02',
    decision: 'reject',
    reason: 'reasoning does not support the answer',
    client: 'alice',
    base: null,
  });
  await log.decide({ key: 'alice:3', id: 's03', decision: 'accept', client: 'alice', base: null });
  const server = createReviewServer({ set, log, judge: createJudge({ verifier: set.verifier }) });
  const { url } = await server.listen();
  const browser = await chromium.launch({ executablePath, args: [...CHROMIUM_ARGS] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1180 }, deviceScaleFactor: 1 });
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]');
    // Focus is on s04 (the first undecided): open an edit and fix it live.
    await page.keyboard.press('e');
    await page.keyboard.press('Control+A');
    await page.keyboard.type(
      '<think>The brows are lowered (AU4), the lids tighten (AU7) and the lips press thin (AU23), a clear display of anger in this face.</think><answer>anger</answer>',
    );
    await page.waitForSelector('.live-verdict[data-passed="true"]');
    await page.evaluate(() => {
      const header = document.querySelector('header.top')!.getBoundingClientRect().bottom;
      const card = document.querySelector('article[data-id="s03"]')!.getBoundingClientRect().top;
      window.scrollBy(0, card - header - 10);
    });
    await mkdir(path.dirname(target), { recursive: true });
    await page.screenshot({ path: target });
    console.log(`Wrote ${target}`);
  } finally {
    await browser.close();
    await server.close();
    await log.close();
  }
} finally {
  await rm(directory, { recursive: true, force: true });
}
