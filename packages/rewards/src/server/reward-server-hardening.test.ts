import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRewardServer, type RewardServer } from './reward-server';

const good = '<think>Cheeks raised (AU6) and lip corners pulled (AU12).</think><answer>happiness</answer>';
const sample = { labels: ['happiness'], AUs: ['AU6', 'AU12'] };

type ErrorBody = { error: { code: string; field?: string; message: string } };

const post = (base: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('reward server: work per request is bounded', () => {
  let server: RewardServer;
  let url: string;
  beforeAll(async () => {
    server = createRewardServer({
      preset: 'aligned',
      maxBodyBytes: 4 * 1024 * 1024,
      maxCompletionChars: 1000,
      maxTotalChars: 5000,
      maxJsonDepth: 16,
    });
    ({ url } = await server.listen());
  });
  afterAll(() => server.close());

  it('refuses a completion over the robust length cap with 413 naming the limit and the item', async () => {
    const long = `<think>${'AU4+12/'.repeat(200)}</think><answer>anger</answer>`;
    const response = await post(url, '/score', {
      items: [
        { completion: good, sample },
        { completion: long, sample },
      ],
    });
    expect(response.status).toBe(413);
    const { error } = (await response.json()) as ErrorBody;
    expect(error.code).toBe('completion_too_long');
    expect(error.field).toBe('items.1.completion');
    expect(error.message).toMatch(/1000 .*\(maxCompletionChars\)/);
  });

  it('caps the reference preset only by the body limit (it is linear)', async () => {
    const long = `<think>${'AU4+12/'.repeat(2000)}</think><answer>anger</answer>`;
    const response = await post(url, '/score', {
      items: [{ completion: long, sample: { labels: ['anger'], AUs: ['AU4'] } }],
      preset: 'facial-r1',
    });
    expect(response.status).toBe(200);
  });

  it('refuses a batch over the item x length budget with 413 naming the limit', async () => {
    const items = Array.from({ length: 6 }, () => ({ completion: 'x'.repeat(900), sample }));
    const response = await post(url, '/score', { items });
    expect(response.status).toBe(413);
    const { error } = (await response.json()) as ErrorBody;
    expect(error.code).toBe('too_much_work');
    expect(error.message).toMatch(/5000 .*\(maxTotalChars\)/);
    expect((await post(url, '/score', { items: items.slice(0, 5) })).status).toBe(200);
  });

  it('refuses JSON nested deeper than the limit with 400 naming it, in bodies and in OpenRLHF labels', async () => {
    for (const body of ['['.repeat(100_000), `{"items":[],"x":${'['.repeat(20)}${']'.repeat(20)}}`]) {
      const response = await post(url, '/score', body);
      expect(response.status).toBe(400);
      const { error } = (await response.json()) as ErrorBody;
      expect(error.code).toBe('json_too_deep');
      expect(error.message).toMatch(/16 levels \(maxJsonDepth\)/);
    }
    // Brackets inside strings are text, not nesting.
    const text = `<think>${'['.repeat(500)}</think><answer>anger</answer>`;
    expect((await post(url, '/score', { items: [{ completion: text, sample }] })).status).toBe(200);
    const label = `{"labels":${'['.repeat(50)}`;
    const response = await post(url, '/openrlhf', { query: ['x'], labels: [label] });
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as ErrorBody;
    expect(error.field).toBe('labels.0');
    expect(error.message).toMatch(/maxJsonDepth/);
  });

  it('caps OpenRLHF responses too', async () => {
    const response = await post(url, '/openrlhf', {
      query: [`<|im_start|>assistant\n<think>${'AU4 '.repeat(400)}</think><answer>anger</answer>`],
      labels: ['anger'],
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as ErrorBody).error.field).toBe('query.0');
  });

  it('keeps /health answering while a big batch is scored', async () => {
    const big = createRewardServer({ preset: 'aligned' });
    const { url: bigUrl } = await big.listen();
    try {
      const completion = `<think>${'Brows lowered (AU4) and lids tightened (AU7), lips pressed (AU24). '.repeat(60)}</think><answer>anger</answer>`;
      const items = Array.from({ length: 3000 }, () => ({
        completion,
        sample: { labels: ['anger'], AUs: ['AU4'] },
      }));
      let scored = false;
      const scoring = post(bigUrl, '/score', { items }).then(async (response) => {
        scored = true;
        return response;
      });
      // Wait until the body has been read and scoring started, then ask for health.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const health = await fetch(`${bigUrl}/health`);
      const answeredBeforeBatch = !scored;
      expect(health.status).toBe(200);
      const response = await scoring;
      expect(response.status).toBe(200);
      expect(((await response.json()) as { results: unknown[] }).results).toHaveLength(3000);
      expect(answeredBeforeBatch).toBe(true);
    } finally {
      await big.close();
    }
  });
});

describe('reward server: inputs are validated on every path', () => {
  let server: RewardServer;
  let url: string;
  let lenient: RewardServer;
  let lenientUrl: string;
  beforeAll(async () => {
    server = createRewardServer({ preset: 'facial-r1' });
    ({ url } = await server.listen());
    lenient = createRewardServer({ preset: 'facial-r1', lenient: true });
    ({ url: lenientUrl } = await lenient.listen());
  });
  afterAll(async () => {
    await server.close();
    await lenient.close();
  });

  it('/openrlhf: AU codes as numbers in a JSON-string label are read as AU ids, never a 500', async () => {
    const response = await post(url, '/openrlhf', {
      query: ['<think>AU4 and AU7</think><answer>anger</answer>'],
      labels: [JSON.stringify({ labels: ['anger'], AUs: [4, 7] })],
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { rewards: number[] }).rewards).toEqual([3]);
    const object = await post(url, '/openrlhf', {
      query: ['<think>AU4 and AU7</think><answer>anger</answer>'],
      labels: [{ labels: ['anger'], AUs: [4, 7] }],
    });
    expect(((await object.json()) as { rewards: number[] }).rewards).toEqual([3]);
  });

  it('/openrlhf: JSON-string labels go through the same checks as objects', async () => {
    const cases: [unknown, string][] = [
      [JSON.stringify({ labels: ['anger'], AUs: [4.5] }), 'labels.0.AUs.0'],
      [JSON.stringify({ labels: 'anger' }), 'labels.0.labels'],
      [JSON.stringify({ labels: [7] }), 'labels.0.labels.0'],
      [JSON.stringify({ label: 'anger', aus: ['AU4'] }), 'labels.0.label'],
      [JSON.stringify({ labels: ['bananas'] }), 'labels.0.labels.0'],
      [JSON.stringify({ labels: ['anger'], AUs: ['AU99'] }), 'labels.0.AUs.0'],
      ['{"labels": ["anger"', 'labels.0'],
      ['bananas', 'labels.0'],
      [JSON.stringify([1, 2]), 'labels.0'],
    ];
    for (const [label, field] of cases) {
      const response = await post(url, '/openrlhf', { query: ['x'], labels: [label] });
      expect(response.status, String(label)).toBe(400);
      const { error } = (await response.json()) as ErrorBody;
      expect(error.field, String(label)).toBe(field);
      expect(error.message.startsWith(`${field}: `)).toBe(true);
    }
  });

  it('/score: unknown fields, labels outside the emotion set and unknown AU codes are 400s naming the field', async () => {
    const cases: [unknown, string, RegExp][] = [
      [
        { items: [{ completion: good, sample: { label: 'anger', aus: ['AU4'] } }] },
        'items.0.sample.label',
        /unknown field/,
      ],
      [
        { items: [{ completion: good, sample: { labels: ['bananas'] } }] },
        'items.0.sample.labels.0',
        /anger.*surprise/,
      ],
      [
        { items: [{ completion: good, sample: { labels: ['anger'], AUs: ['AU99'] } }] },
        'items.0.sample.AUs.0',
        /AU99/,
      ],
      [{ items: [{ completion: good, sample: { AUs: ['brows'] } }] }, 'items.0.sample.AUs.0', /AU code/],
      [{ items: [{ completion: good, sample }], extra: 1 }, 'extra', /unknown field/],
      [{ items: [{ completion: good, sample, weight: 2 }] }, 'items.0.weight', /unknown field/],
      [{ items: [{ completion: good, sample: 'anger' }] }, 'items.0.sample', /object/],
    ];
    for (const [body, field, message] of cases) {
      const response = await post(url, '/score', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      const { error } = (await response.json()) as ErrorBody;
      expect(error.field).toBe(field);
      expect(error.message).toMatch(message);
    }
  });

  it('accepts FEA-20K records as samples, AU numbers, the empty label and any case of an emotion', async () => {
    const record = {
      id: '1',
      dataset: 'rafdb',
      image: 'a.jpg',
      question: 'q',
      description: good,
      meta_info: {},
      labels: ['Happiness'],
      AUs: [6, 'AU12'],
    };
    const response = await post(url, '/score', {
      items: [
        { completion: good, sample: record },
        { completion: good, sample: { labels: [''], AUs: [] } },
      ],
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { results: { terms: { au: number } }[]; warnings?: unknown };
    expect(body.results[0]!.terms.au).toBe(1);
    expect(body.warnings).toBeUndefined();
  });

  it('lenient: the same mistakes become warnings in the response, scored as before', async () => {
    const response = await post(lenientUrl, '/score', {
      items: [{ completion: good, sample: { label: 'anger', labels: ['bananas'], AUs: ['AU6', 'AU99'] } }],
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      results: unknown[];
      warnings: { field: string; message: string }[];
    };
    expect(body.warnings.map((warning) => warning.field)).toEqual([
      'items.0.sample.label',
      'items.0.sample.labels.0',
      'items.0.sample.AUs.1',
    ]);
    const asked = await post(url, '/score', {
      items: [{ completion: good, sample: { labels: ['bananas'] } }],
      lenient: true,
    });
    expect(asked.status).toBe(200);
    expect(((await asked.json()) as { warnings: unknown[] }).warnings).toHaveLength(1);
    const openrlhf = await post(lenientUrl, '/openrlhf', {
      query: ['x'],
      labels: [JSON.stringify({ labels: ['bananas'] })],
    });
    expect(openrlhf.status).toBe(200);
    expect(((await openrlhf.json()) as { warnings: { field: string }[] }).warnings[0]!.field).toBe(
      'labels.0.labels.0',
    );
    // Wrong types stay errors even when lenient.
    expect(
      (await post(lenientUrl, '/score', { items: [{ completion: good, sample: { labels: 'x' } }] })).status,
    ).toBe(400);
  });
});

describe('reward server: auth, metrics and the token default', () => {
  it('labels metrics by route, checks the token first, and does not grow with refused distinct paths', async () => {
    const server = createRewardServer({ token: 'secret' });
    const { url } = await server.listen();
    try {
      const auth = { authorization: 'Bearer secret' };
      const metrics = async () => (await fetch(`${url}/metrics`, { headers: auth })).text();
      await post(url, '/score', { items: [] }, auth);
      await fetch(`${url}/nowhere-0`);
      await fetch(`${url}/nowhere-0`, { headers: auth });
      await metrics();
      const before = await metrics();
      for (let start = 0; start < 2000; start += 200) {
        await Promise.all(
          Array.from({ length: 200 }, (_, index) =>
            fetch(`${url}/nowhere-${start + index + 1}`).then((r) => r.text()),
          ),
        );
      }
      const after = await metrics();
      expect(after).not.toMatch(/nowhere/);
      expect(after.split('\n').length).toBe(before.split('\n').length);
      expect(after).toMatch(/fea_reward_requests_total\{route="other",status="401"\} 2001/);
      expect(after).toMatch(/fea_reward_requests_total\{route="other",status="404"\} 1/);
      expect((await fetch(`${url}/metrics`)).status).toBe(401);
    } finally {
      await server.close();
    }
  });

  it('requires a token on a non-loopback host: generates one when none is given', async () => {
    const open = createRewardServer({ host: '0.0.0.0' });
    const { port } = await open.listen();
    try {
      expect(open.token).toMatch(/^[\w-]{32,}$/);
      expect(open.generatedToken).toBe(true);
      const base = `http://127.0.0.1:${port}`;
      expect((await post(base, '/score', { items: [] })).status).toBe(401);
      expect(
        (await post(base, '/score', { items: [] }, { authorization: `Bearer ${open.token}` })).status,
      ).toBe(200);
    } finally {
      await open.close();
    }
    const loopback = createRewardServer();
    expect(loopback.token).toBeUndefined();
    const given = createRewardServer({ host: '0.0.0.0', token: 'mine' });
    expect(given.token).toBe('mine');
    expect(given.generatedToken).toBe(false);
  });
});
