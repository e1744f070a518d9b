import { appendFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeLargeDataset } from './__fixtures__/large-dataset';
import { writeSyntheticRound } from './__fixtures__/synthetic-round';
import { applyReview } from './apply-review';
import { cohensKappa, DecisionLog, type DecisionRecord, decisionsPath, readDecisions } from './decision-log';
import { createJudge } from './judge-text';
import { createReviewServer, type ReviewServer } from './review-server';
import { loadReviewSet } from './review-set';

let directory: string;
let roundDir: string;
beforeAll(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'fea-review-server-'));
  ({ roundDir } = await writeSyntheticRound(path.join(directory, 'work')));
});
afterAll(() => rm(directory, { recursive: true, force: true }));

const open: { server: ReviewServer; log: DecisionLog }[] = [];
afterEach(async () => {
  for (const { server, log } of open.splice(0)) {
    await server.close();
    await log.close();
  }
});

async function start(options: { reviewer?: string; host?: string; token?: string; input?: string } = {}) {
  const set = await loadReviewSet(options.input ?? roundDir);
  const log = await DecisionLog.open(
    decisionsPath(set.datasetFile, options.reviewer ?? 'tester'),
    options.reviewer ?? 'tester',
  );
  const server = createReviewServer({
    set,
    log,
    judge: createJudge({ verifier: set.verifier }),
    host: options.host,
    token: options.token,
  });
  open.push({ server, log });
  const { url, port } = await server.listen();
  return { set, log, server, url, base: `http://127.0.0.1:${port}` };
}

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

describe('review set', () => {
  it('loads a round: kept samples, the verifier rejection (with its feedback) joined from the source samples, in id order', async () => {
    const set = await loadReviewSet(roundDir);
    expect(set.kind).toBe('round');
    expect(set.items.map((item) => `${item.id}:${item.origin}`)).toEqual([
      's01:kept',
      's02:kept',
      's03:kept',
      's04:rejected',
      's05:kept',
      's06:kept',
    ]);
    expect(set.items[1]!.outcome?.attempts).toBe(2);
    expect(set.items[3]!.outcome?.problems.join(' ')).toContain('the answer must be "anger"');
    expect(set.notes).toEqual([]);
  });

  it('shows the rejected attempts and their feedback when the outcome records them (history)', async () => {
    const copy = path.join(directory, 'history', 'stage3', 'round-1');
    await mkdir(copy, { recursive: true });
    for (const name of ['synthesized.jsonl', 'synthesized.jsonl.manifest.json'])
      await writeFile(path.join(copy, name), await readFile(path.join(roundDir, name)));
    const outcomes = (await readFile(path.join(roundDir, 'synthesized.jsonl.outcomes.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    outcomes[1].history = [
      {
        completion: '<think>first try (AU12)</think><answer>sadness</answer>',
        problems: ['remove AUs that are not on this face: AU12'],
      },
    ];
    await writeFile(
      path.join(copy, 'synthesized.jsonl.outcomes.jsonl'),
      `${outcomes.map((line) => JSON.stringify(line)).join('\n')}\n`,
    );
    const set = await loadReviewSet(copy, {
      samples: path.join(roundDir, '..', '..', 'data', 'samples.jsonl'),
    });
    expect(set.items.find((item) => item.id === 's02')?.outcome?.history).toEqual(outcomes[1].history);
    expect(set.items.find((item) => item.id === 's04')?.origin).toBe('rejected');
  });

  it('--sample picks a stable stratified subset', async () => {
    const first = await loadReviewSet(roundDir, { sample: 3, seed: 7 });
    const again = await loadReviewSet(roundDir, { sample: 3, seed: 7 });
    expect(first.items).toHaveLength(3);
    expect(first.items.map((item) => item.id)).toEqual(again.items.map((item) => item.id));
    expect(first.all).toHaveLength(6);
  });

  it('a folder that is not a round is a usage error naming it', async () => {
    await expect(loadReviewSet(directory)).rejects.toThrow(/not a synthesis round/);
  });
});

describe('review server', () => {
  it('serves an image by sample index, and refuses traversal and images outside the dataset root', async () => {
    const { base } = await start();
    const image = await fetch(`${base}/api/image/0`);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect((await image.arrayBuffer()).byteLength).toBeGreaterThan(100);
    for (const attempt of [
      '/api/image/..%2F..%2F..%2Fetc%2Fpasswd',
      '/api/image/0%2F..%2F..',
      '/api/image/-1',
      '/api/image/99',
      '/api/image/1e0',
    ]) {
      const response = await fetch(`${base}${attempt}`);
      expect(response.status, attempt).toBe(404);
      expect(await response.text()).not.toContain('root:');
    }
    expect((await fetch(`${base}/etc/passwd`)).status).toBe(404);
    expect((await fetch(`${base}/../../etc/passwd`)).status).toBe(404);

    // A dataset whose lines point outside its folder: relative "..", absolute and a symlink.
    const data = path.join(directory, 'escape');
    await mkdir(data, { recursive: true });
    await writeFile(path.join(directory, 'secret.png'), 'not for the browser');
    await symlink(path.join(directory, 'secret.png'), path.join(data, 'link.png'));
    await writeFile(path.join(data, 'notes.txt'), 'text');
    const line = (id: string, image: string) =>
      JSON.stringify({
        id,
        dataset: 'x',
        image,
        AUs: ['AU12'],
        labels: ['happiness'],
        description: '<think>x</think><answer>happiness</answer>',
      });
    await writeFile(
      path.join(data, 'set.jsonl'),
      `${[line('up', '../secret.png'), line('absolute', path.join(directory, 'secret.png')), line('link', 'link.png'), line('text', 'notes.txt')].join('\n')}\n`,
    );
    const outside = await start({ input: path.join(data, 'set.jsonl') });
    for (const index of [0, 1, 2, 3]) {
      const response = await fetch(`${outside.base}/api/image/${index}`);
      expect(response.status, `sample ${index}`).toBe(403);
      expect(await response.text()).not.toContain('not for the browser');
    }
  });

  it('refuses to bind beyond loopback without a token; with one, every request needs it', async () => {
    const set = await loadReviewSet(roundDir);
    const log = await DecisionLog.open(path.join(directory, 'unused.jsonl'), 'x');
    expect(() => createReviewServer({ set, log, judge: createJudge(), host: '0.0.0.0' })).toThrow(/--token/);
    await log.close();

    const { url, base } = await start({ host: '0.0.0.0', token: 's3cret' });
    expect(url).toMatch(/^http:\/\/0\.0\.0\.0:\d+\/\?token=s3cret$/);
    expect((await fetch(`${base}/api/meta`)).status).toBe(401);
    expect((await fetch(`${base}/api/image/0`)).status).toBe(401);
    expect((await fetch(`${base}/api/meta`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(
      401,
    );
    expect(
      (
        await post(`${base}/api/decisions`, {
          key: 'k',
          client: 'c',
          index: 0,
          decision: 'accept',
          base: null,
        })
      ).status,
    ).toBe(401);
    expect((await fetch(`${base}/api/meta`, { headers: { authorization: 'Bearer s3cret' } })).status).toBe(
      200,
    );
    // The printed URL sets a cookie and redirects, so the page's own requests carry the token.
    const login = await fetch(`${base}/?token=s3cret`, { redirect: 'manual' });
    expect(login.status).toBe(303);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    expect(login.headers.get('set-cookie')).toMatch(/HttpOnly/i);
    expect((await fetch(`${base}/api/image/0`, { headers: { cookie } })).status).toBe(200);
  });

  it('on loopback without a token, refuses foreign Host names and cross-origin posts', async () => {
    const { base } = await start();
    expect((await fetch(`${base}/api/meta`)).status).toBe(200);
    // fetch() may not set Host; node:http can, as a DNS-rebinding page's browser would.
    const status = await new Promise<number>((resolve, reject) => {
      const request = http.get(`${base}/api/meta`, { headers: { host: 'evil.example' } }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', reject);
    });
    expect(status).toBe(403);
    const crossOrigin = await post(
      `${base}/api/decisions`,
      { key: 'x:1', client: 'x', index: 0, decision: 'accept', base: null },
      { origin: 'http://evil.example' },
    );
    expect(crossOrigin.status).toBe(403);
  });

  it('serves a page with no remote resources and a strict content security policy', async () => {
    const { base } = await start();
    const page = await fetch(`${base}/`);
    const html = await page.text();
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    const script = await (await fetch(`${base}/studio.js`)).text();
    expect(script).not.toMatch(/https?:\/\//);
    expect(() => new Function(script)).not.toThrow(); // it parses
  });

  it('concurrent decisions from two clients on one sample: both logged in arrival order, the later wins, the loser is told', async () => {
    const { base, set } = await start({ reviewer: 'concurrent' });
    const [first, second] = await Promise.all([
      post(`${base}/api/decisions`, {
        key: 'tab-a:1',
        client: 'tab-a',
        index: 2,
        decision: 'accept',
        base: null,
      }),
      post(`${base}/api/decisions`, {
        key: 'tab-b:1',
        client: 'tab-b',
        index: 2,
        decision: 'reject',
        reason: 'wrong emotion',
        base: null,
      }),
    ]);
    const bodies = [await first.json(), await second.json()];
    const file = decisionsPath(set.datasetFile, 'concurrent');
    const lines = (await readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as DecisionRecord);
    expect(lines.map((line) => line.key).sort()).toEqual(['tab-a:1', 'tab-b:1']);
    const [earlier, later] = lines;
    // The response of the later one reports the conflict; the earlier one saw none.
    const laterBody = bodies.find((body) => body.record.key === later!.key);
    const earlierBody = bodies.find((body) => body.record.key === earlier!.key);
    expect(laterBody.conflict.key).toBe(earlier!.key);
    expect(earlierBody.conflict).toBeUndefined();
    expect(laterBody.card.decision.key).toBe(later!.key);
    // The server's state, a fresh fold of the file, and the API agree: last write wins.
    expect((await readDecisions(file)).current('s03')?.key).toBe(later!.key);
    const card = await (await fetch(`${base}/api/items/2`)).json();
    expect(card.decision.key).toBe(later!.key);
    // A resent decision (same key) is recorded once.
    const resend = await post(`${base}/api/decisions`, {
      key: 'tab-a:1',
      client: 'tab-a',
      index: 2,
      decision: 'accept',
      base: null,
    });
    expect((await resend.json()).duplicate).toBe(true);
    expect((await readFile(file, 'utf8')).trim().split('\n')).toHaveLength(2);
    // Progress counts the sample once.
    const progress = await (await fetch(`${base}/api/progress`)).json();
    expect(progress.reviewed).toBe(1);
  });

  it("reports Cohen's kappa between the reviewers whose decision files sit beside the dataset", async () => {
    const dataset = path.join(directory, 'kappa', 'set.jsonl');
    await mkdir(path.dirname(dataset), { recursive: true });
    await writeFile(dataset, await readFile(path.join(roundDir, 'synthesized.jsonl'), 'utf8'));
    const bob = await DecisionLog.open(decisionsPath(dataset, 'bob'), 'bob');
    for (const [id, decision] of [
      ['s01', 'accept'],
      ['s02', 'reject'],
      ['s03', 'reject'],
    ] as const)
      await bob.decide({ key: `b:${id}`, id, decision, client: 'b', base: null });
    await bob.close();
    const { base } = await start({ input: dataset, reviewer: 'alice' });
    for (const [index, decision] of [
      [0, 'accept'],
      [1, 'reject'],
      [2, 'accept'],
    ] as const)
      await post(`${base}/api/decisions`, { key: `a:${index}`, client: 'a', index, decision, base: null });
    const progress = await (await fetch(`${base}/api/progress`)).json();
    // p_o = 2/3, p_e = 2/3 * 1/3 + 1/3 * 2/3 = 4/9: kappa = (2/3 - 4/9) / (5/9) = 0.4
    expect(progress.agreement).toEqual([
      {
        reviewers: ['alice', 'bob'],
        kappa: expect.closeTo(0.4, 10),
        agreement: expect.closeTo(2 / 3, 10),
        n: 3,
      },
    ]);
  });

  it('validates requests and names the field', async () => {
    const { base } = await start();
    const response = await post(`${base}/api/decisions`, {
      key: 'k',
      client: 'c',
      index: 0,
      decision: 'maybe',
      base: null,
    });
    expect(response.status).toBe(400);
    expect((await response.json()).error.field).toBe('decision');
    const edit = await post(`${base}/api/decisions`, {
      key: 'k2',
      client: 'c',
      index: 0,
      decision: 'edit',
      text: '  ',
      base: null,
    });
    expect((await edit.json()).error.field).toBe('text');
    expect((await post(`${base}/api/verify`, { index: 99, text: 'x' })).status).toBe(404);
  });

  it('live verification judges an edit: highlights, missing AUs, findings and reward terms', async () => {
    const { base } = await start();
    const text =
      '<think>The brows are lowered (AU4), maybe the lids tighten (AU7), and there is no AU12 here at all today.</think><answer>anger</answer>';
    const judgement = await (await post(`${base}/api/verify`, { index: 3, text })).json();
    expect(judgement.passed).toBe(false);
    expect(judgement.missing).toEqual(['AU23']); // a hedged mention still names the AU
    expect(
      judgement.mentions.map((mention: { au: string; kind: string }) => `${mention.au}:${mention.kind}`),
    ).toEqual(expect.arrayContaining(['AU4:match', 'AU7:hedged', 'AU12:negated']));
    expect(judgement.failed).toEqual(expect.arrayContaining(['aus', 'negation', 'hedging']));
    expect(judgement.reward.terms).toHaveProperty('au');
  });
});

describe('20,000 samples', () => {
  it('pages, filters and resumes on the server; a page is 25 cards whatever the size', async () => {
    const file = path.join(directory, 'large', 'large.jsonl');
    await mkdir(path.dirname(file), { recursive: true });
    await writeLargeDataset(file, 20_000);
    const { base } = await start({ input: file, reviewer: 'large' });
    const first = await (await fetch(`${base}/api/items?offset=resume`)).json();
    expect(first.total).toBe(20_000);
    expect(first.items).toHaveLength(25);
    expect(first.focus).toBe(0);
    const last = await (await fetch(`${base}/api/items?offset=19990`)).json();
    expect(last.items.map((card: { id: string }) => card.id).at(-1)).toBe('x019999');
    const failing = await (
      await fetch(`${base}/api/items?finding=aus&label=happiness&dataset=affectnet`)
    ).json();
    // index % 7 === 0 and index % 4 === 0 and even: every 28th sample.
    expect(failing.total).toBe(Math.ceil(20_000 / 28));
    expect(failing.items[1].id).toBe('x000028');
    for (let index = 0; index < 30; index += 1)
      await post(`${base}/api/decisions`, {
        key: `l:${index}`,
        client: 'l',
        index,
        decision: 'accept',
        base: null,
      });
    const resumed = await (await fetch(`${base}/api/items?offset=resume`)).json();
    expect(resumed.offset).toBe(25);
    expect(resumed.focus).toBe(5);
    const around = await (await fetch(`${base}/api/items?offset=at:12345`)).json();
    expect([around.offset, around.focus, around.items[around.focus].id]).toEqual([12_325, 20, 'x012345']);
    const undecided = await (await fetch(`${base}/api/items?status=undecided`)).json();
    expect(undecided.total).toBe(19_970);
    const progress = await (await fetch(`${base}/api/progress`)).json();
    expect(progress.reviewed).toBe(30);
    expect(progress.byLabel.find((entry: { label: string }) => entry.label === 'anger')).toMatchObject({
      total: 5000,
      reviewed: 7,
      accepted: 7,
    });
  });
});

describe('decisions', () => {
  it('a torn last line (a crash mid-write) is cut off on reopen; the fold resumes', async () => {
    const file = path.join(directory, 'torn.decisions.a.jsonl');
    const log = await DecisionLog.open(file, 'a');
    await log.decide({ key: 'c:1', id: 's01', decision: 'accept', client: 'c', base: null });
    await log.close();
    await appendFile(file, '{"key":"c:2","id":"s02","decis');
    const reopened = await DecisionLog.open(file, 'a');
    expect(reopened.state.current('s01')?.decision).toBe('accept');
    expect(reopened.state.current('s02')).toBeUndefined();
    await reopened.decide({
      key: 'c:3',
      id: 's02',
      decision: 'reject',
      reason: 'x',
      client: 'c',
      base: null,
    });
    const undone = await reopened.undo({ key: 'c:4', client: 'c' });
    expect(undone.undone?.key).toBe('c:3');
    await reopened.close();
    const text = await readFile(file, 'utf8');
    expect(
      text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line).key),
    ).toEqual(['c:1', 'c:3', 'c:4']);
  });

  it("Cohen's kappa: perfect, chance-level and textbook values", () => {
    const map = (entries: string) =>
      new Map(entries.split(' ').map((pair) => pair.split('=') as [string, string]));
    expect(cohensKappa(map('1=a 2=r 3=a'), map('1=a 2=r 3=a')).kappa).toBe(1);
    // 50 items: 20 both accept, 15 both reject, 5 a/r, 10 r/a -> p_o 0.7, p_e 0.5 -> 0.4
    const first = new Map<string, string>();
    const second = new Map<string, string>();
    const add = (count: number, a: string, b: string) => {
      for (let index = 0; index < count; index += 1) {
        const id = `${first.size}`;
        first.set(id, a);
        second.set(id, b);
      }
    };
    add(20, 'accept', 'accept');
    add(15, 'reject', 'reject');
    add(5, 'accept', 'reject');
    add(10, 'reject', 'accept');
    expect(cohensKappa(first, second).kappa).toBeCloseTo(0.4, 10);
    expect(cohensKappa(map('1=a'), map('2=a')).n).toBe(0);
  });

  it('--apply: rejected out, edits re-verified (failing ones left out), accepted and restored samples marked', async () => {
    const set = await loadReviewSet(roundDir);
    const file = path.join(roundDir, 'apply-test.jsonl');
    const log = await DecisionLog.open(file, 'apply');
    const good =
      '<think>The brows are lowered (AU4), the lids tighten (AU7) and the lips press thin (AU23), a clear display of anger in this face.</think><answer>anger</answer>';
    await log.decide({ key: 'k:1', id: 's01', decision: 'accept', client: 'k', base: null });
    await log.decide({
      key: 'k:2',
      id: 's02',
      decision: 'reject',
      reason: 'wrong emotion',
      client: 'k',
      base: null,
    });
    await log.decide({ key: 'k:3', id: 's04', decision: 'edit', text: good, client: 'k', base: null });
    await log.decide({
      key: 'k:4',
      id: 's05',
      decision: 'edit',
      text: '<think>Short.</think><answer>fear</answer>',
      client: 'k',
      base: null,
    });
    await log.close();
    const output = path.join(directory, 'applied.jsonl');
    const manifest = await applyReview(
      set,
      await readDecisions(file),
      createJudge({ verifier: set.verifier }),
      {
        decisionsFile: file,
        reviewer: 'apply',
        output,
      },
    );
    expect(manifest.counts).toEqual({
      samples: 6,
      written: 4,
      accepted: 1,
      rejected: 1,
      edited: 1,
      failedEdits: 1,
      undecided: 2,
      restored: 1,
    });
    expect(manifest.failedEdits).toEqual([{ id: 's05', failed: ['aus', 'length'] }]);
    const written = (await readFile(output, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(written.map((sample) => sample.id)).toEqual(['s01', 's03', 's04', 's06']);
    expect(written[0].meta_info.review).toMatchObject({ decision: 'accept', reviewer: 'apply' });
    expect(written[2].description).toBe(good);
    expect(written[2].meta_info.review.original).toContain('nose wrinkles');
    expect(written[1].meta_info.review).toBeUndefined();
  });
});
