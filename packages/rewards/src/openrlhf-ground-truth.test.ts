import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGroundTruth } from './label-codec';
import { createRewardServer, type RewardServer } from './server/reward-server';

// What OpenRLHF rows carry (the codec's string) reaches the server's /openrlhf route, which
// decodes it with the same rules; OpenRLHF cannot send headers, so the token rides in the URL.
describe('/openrlhf with codec labels and a URL token', () => {
  let server: RewardServer;
  let url: string;
  beforeAll(async () => {
    server = createRewardServer({ preset: 'facial-r1', token: 'secret' });
    ({ url } = await server.listen());
  });
  afterAll(() => server.close());

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const good = '<think>Cheeks raised (AU6), lip corners pulled (AU12).</think><answer>happiness</answer>';

  it('scores with the label the codec wrote, token in the query string', async () => {
    const label = encodeGroundTruth({ labels: ['happiness'], AUs: ['AU6', 'AU12'] });
    const response = await post('/openrlhf?token=secret', { query: [good, good], labels: [label, 'anger'] });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { rewards: number[]; extra_logs: Record<string, number[]> };
    expect(body.rewards).toEqual([3, 1]);
    for (const values of Object.values(body.extra_logs)) expect(values).toHaveLength(2);
  });

  it('refuses a wrong or missing token', async () => {
    expect((await post('/openrlhf?token=nope', { query: [good] })).status).toBe(401);
    expect((await post('/openrlhf', { query: [good] })).status).toBe(401);
    expect(
      (await post('/openrlhf?token=secret', { query: [good] }, { authorization: 'Bearer nope' })).status,
    ).toBe(401);
  });

  it('answers 400 naming the label a malformed ground truth is in', async () => {
    const response = await post('/openrlhf?token=secret', {
      query: [good, good],
      labels: ['happiness', '{"labels":'],
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { code: 'invalid_request', field: 'labels.1', message: expect.stringMatching(/not valid JSON/) },
    });
  });
});
