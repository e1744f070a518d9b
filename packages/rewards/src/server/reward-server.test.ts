import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bridgePath } from '../bridge-path';
import { scoreCompletions } from '../score-completions';
import { extractResponse } from './openrlhf';
import { createRewardServer, type RewardServer } from './reward-server';

const run = promisify(execFile);
const hasPython = await run('python3', ['--version']).then(
  () => true,
  () => {
    console.warn('python3 not found: the Python bridge tests are skipped');
    return false;
  },
);

const good = '<think>Cheeks raised (AU6) and lip corners pulled (AU12).</think><answer>happiness</answer>';
const sample = { labels: ['happiness'], AUs: ['AU6', 'AU12'] };

describe('reward server over HTTP', () => {
  let server: RewardServer;
  let url: string;
  let secured: RewardServer;
  let securedUrl: string;
  beforeAll(async () => {
    server = createRewardServer({ preset: 'facial-r1', maxItems: 20_000, maxBodyBytes: 8 * 1024 * 1024 });
    ({ url } = await server.listen());
    secured = createRewardServer({ token: 'secret', maxItems: 3, maxBodyBytes: 2048 });
    ({ url: securedUrl } = await secured.listen());
  });
  afterAll(async () => {
    await server.close();
    await secured.close();
  });

  const post = (base: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('binds loopback and reports health', async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await (await fetch(`${url}/health`)).json()).toEqual({ status: 'ok', preset: 'facial-r1' });
  });

  it('POST /score returns the same results as scoreCompletions, with a per-request preset', async () => {
    const items = [
      { completion: good, sample },
      { completion: 'happiness', sample: { labels: [], AUs: [] } },
    ];
    const response = await post(url, '/score', { items });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { preset: string; results: unknown[] };
    expect(body.preset).toBe('facial-r1');
    expect(body.results).toEqual(JSON.parse(JSON.stringify(scoreCompletions(items))));
    const aligned = (await (await post(url, '/score', { items, preset: 'aligned' })).json()) as {
      preset: string;
    };
    expect(aligned.preset).toBe('aligned');
    const unknown = await post(url, '/score', { items, preset: 'nope' });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: { field: string } }).error.field).toBe('preset');
  });

  it('answers empty batches, bad JSON and wrong types with the field named', async () => {
    expect(await (await post(url, '/score', { items: [] })).json()).toEqual({
      preset: 'facial-r1',
      results: [],
    });
    const badJson = await post(url, '/score', '{"items": [');
    expect(badJson.status).toBe(400);
    expect(((await badJson.json()) as { error: { code: string } }).error.code).toBe('invalid_json');
    const wrong = await post(url, '/score', {
      items: [
        { completion: good, sample },
        { completion: 42, sample },
      ],
    });
    expect(wrong.status).toBe(400);
    const error = ((await wrong.json()) as { error: { field: string; message: string } }).error;
    expect(error.field).toBe('items.1.completion');
    expect(error.message).toMatch(/^items\.1\.completion: .*string/i);
    const missing = await post(url, '/openrlhf', { prompts: [] });
    expect(((await missing.json()) as { error: { field: string } }).error.field).toBe('query');
  });

  it('speaks the OpenRLHF protocol: strips the prompt and special tokens, decodes JSON labels', async () => {
    const prompt =
      '<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>What is the emotion?<|im_end|>\n<|im_start|>assistant\n';
    const body = {
      query: [`${prompt}${good}<|im_end|>`, `${prompt}<think>AU4</think><answer>anger</answer><|endoftext|>`],
      prompts: [prompt, prompt],
      labels: [JSON.stringify(sample), 'anger'],
    };
    const response = (await (await post(url, '/openrlhf', body)).json()) as {
      rewards: number[];
      scores: number[];
      extra_logs: Record<string, number[]>;
    };
    expect(response.rewards).toEqual([3, 1 + 1 + 0]);
    expect(response.scores).toEqual(response.rewards);
    expect(response.extra_logs.format).toEqual([1, 1]);
    expect(extractResponse(`${prompt}${good}<|im_end|>`)).toBe(good);
    const mismatched = await post(url, '/openrlhf', { query: ['a', 'b'], labels: ['x'] });
    expect(mismatched.status).toBe(400);
  });

  it('scores a 10,000-item batch', async () => {
    const items = Array.from({ length: 10_000 }, (_, index) => ({
      completion: index % 2 ? good : 'sadness',
      sample,
    }));
    const body = (await (await post(url, '/score', { items })).json()) as { results: { total: number }[] };
    expect(body.results).toHaveLength(10_000);
    expect(body.results[1]!.total).toBe(3);
    expect(body.results[0]!.total).toBe(-1);
  });

  it('enforces the bearer token (401) and the body and item limits (413)', async () => {
    expect((await post(securedUrl, '/score', { items: [] })).status).toBe(401);
    expect((await post(securedUrl, '/score', { items: [] }, { authorization: 'Bearer wrong' })).status).toBe(
      401,
    );
    expect((await post(securedUrl, '/score', { items: [] }, { authorization: 'Bearer secret' })).status).toBe(
      200,
    );
    expect((await fetch(`${securedUrl}/health`)).status).toBe(200);
    const four = Array.from({ length: 4 }, () => ({ completion: 'x', sample }));
    expect(
      (await post(securedUrl, '/score', { items: four }, { authorization: 'Bearer secret' })).status,
    ).toBe(413);
    const big = [{ completion: 'x'.repeat(4096), sample }];
    expect(
      (await post(securedUrl, '/score', { items: big }, { authorization: 'Bearer secret' })).status,
    ).toBe(413);
  });

  it('exposes Prometheus metrics', async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toMatch(/fea_reward_requests_total\{route="\/score",status="200"\} \d+/);
    expect(text).toMatch(/fea_reward_items_total\{route="\/score"\} \d+/);
    expect(text).toContain('fea_reward_request_duration_seconds_bucket');
  });

  describe.skipIf(!hasPython)(
    'Python bridges (python3, standard library only) against the live server',
    () => {
      const python = async (code: string) => {
        const { stdout } = await run('python3', ['-c', code], {
          env: { ...process.env, FEA_REWARD_URL: url },
        });
        return JSON.parse(stdout);
      };
      const load = (engine: 'verl' | 'trl' | 'easyr1') =>
        `import importlib.util, json\nspec = importlib.util.spec_from_file_location("bridge", ${JSON.stringify(bridgePath(engine))})\nbridge = importlib.util.module_from_spec(spec)\nspec.loader.exec_module(bridge)\n`;

      it('verl compute_score and compute_score_batch', async () => {
        const truth = JSON.stringify(JSON.stringify(sample));
        const result = await python(
          `${load('verl')}print(json.dumps([bridge.compute_score("rafdb", ${JSON.stringify(good)}, ${truth}), bridge.compute_score_batch(["a", "b"], [${JSON.stringify(good)}, "anger"], [${truth}, ${truth}], [None, None])]))`,
        );
        expect(result[0]).toEqual({ au: 1, accuracy: 1, format: 1, score: 3 });
        expect(result[1].map((item: { score: number }) => item.score)).toEqual([3, -1]);
      });

      it('TRL reward function with conversational completions and label columns', async () => {
        const result = await python(
          `${load('trl')}print(json.dumps(bridge.facial_r1_reward(prompts=["p", "p"], completions=[[{"role": "assistant", "content": ${JSON.stringify(good)}}], "anger"], labels=[["happiness"], ["happiness"]], AUs=[["AU6", "AU12"], ["AU6", "AU12"]])))`,
        );
        expect(result).toEqual([3, -1]);
      });

      it('EasyR1 batch form (REWARD_TYPE batch)', async () => {
        const truth = JSON.stringify(JSON.stringify(sample));
        const result = await python(
          `${load('easyr1')}print(json.dumps([bridge.REWARD_TYPE, bridge.compute_score([{"response": ${JSON.stringify(good)}, "response_length": 20, "ground_truth": ${truth}}, {"response": "happiness", "response_length": 1, "ground_truth": "happiness"}])]))`,
        );
        expect(result[0]).toBe('batch');
        expect(result[1]).toEqual([
          { au: 1, accuracy: 1, format: 1, overall: 3 },
          { au: 0, accuracy: 1, format: 0, overall: 1 },
        ]);
      });

      it('reports an unreachable server clearly', async () => {
        const failure = await run('python3', ['-c', `${load('verl')}bridge.compute_score("a", "b", "c")`], {
          env: { ...process.env, FEA_REWARD_URL: 'http://127.0.0.1:9', FEA_REWARD_TIMEOUT: '1' },
        }).catch((error: { stderr: string }) => error);
        expect((failure as { stderr: string }).stderr).toMatch(
          /cannot reach the Facial-R1 reward server at http:\/\/127\.0\.0\.1:9\/score/,
        );
      });
    },
  );
});
