import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FeaError } from '@facial-r1/spec';
import { MockModel } from '@facial-r1/spec/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelRequestError } from '../openai/errors';
import type { GenerateRequest } from '../model';
import { cacheMiddleware, modelRequestKey } from './cache-middleware';
import { concurrencyMiddleware } from './concurrency-middleware';
import { retryMiddleware } from './retry-middleware';
import { type ModelMiddleware, wrapModel } from './wrap-model';

const ask = (text: string, images?: GenerateRequest['prompts'][number]['images']): GenerateRequest => ({
  prompts: [{ messages: [{ role: 'user', content: text }], ...(images ? { images } : {}) }],
  sampling: { temperature: 0, maxTokens: 32 },
});

describe('wrapModel', () => {
  it('keeps provider, model id and dispose, and runs middleware first-outermost', async () => {
    const model = new MockModel({ respond: ({ text }) => `echo ${text}` });
    const order: string[] = [];
    const tag = (name: string): ModelMiddleware => ({
      wrapGenerate: async ({ request, next }) => {
        order.push(`${name} in`);
        const result = await next(request);
        order.push(`${name} out`);
        return result;
      },
    });
    const wrapped = wrapModel(model, tag('a'), tag('b'));
    expect([wrapped.specificationVersion, wrapped.provider, wrapped.modelId]).toEqual([
      'v1',
      'mock',
      'mock-model',
    ]);
    const result = await wrapped.doGenerate(ask('hi'));
    expect(result.results[0]!.completions[0]!.text).toBe('echo hi');
    expect(order).toEqual(['a in', 'b in', 'b out', 'a out']);
    await wrapped.dispose();
    expect(model.disposed).toBe(true);
  });
});

describe('cacheMiddleware', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'fr1-cache-'));
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  it('answers a repeated request from the cache; any change in the request is a miss', async () => {
    const model = new MockModel({ respond: ({ text, call }) => `${text} #${call}` });
    const wrapped = wrapModel(model, cacheMiddleware());
    const first = await wrapped.doGenerate(ask('a'));
    expect(await wrapped.doGenerate(ask('a'))).toEqual(first);
    expect(model.requests).toHaveLength(1);
    await wrapped.doGenerate(ask('b'));
    await wrapped.doGenerate({ ...ask('a'), sampling: { temperature: 0, maxTokens: 33 } });
    expect(model.requests).toHaveLength(3);
  });

  it('keys images by their bytes: the same bytes under another path hit, changed bytes miss', async () => {
    const one = path.join(directory, 'one.png');
    const two = path.join(directory, 'two.png');
    await writeFile(one, Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]));
    await writeFile(two, Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]));
    const model = { provider: 'p', modelId: 'm' };
    const keyOne = await modelRequestKey(model, ask('q', [one]));
    expect(await modelRequestKey(model, ask('q', [two]))).toBe(keyOne);
    expect(await modelRequestKey(model, ask('q', [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3])]))).toBe(
      keyOne,
    );
    await writeFile(two, Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 4]));
    expect(await modelRequestKey(model, ask('q', [two]))).not.toBe(keyOne);
    expect(await modelRequestKey({ provider: 'p', modelId: 'other' }, ask('q', [one]))).not.toBe(keyOne);
    expect(await modelRequestKey(model, ask('q'))).not.toBe(keyOne);
  });

  it('shares one call between identical requests in flight, skips sampled requests, never caches failures', async () => {
    const model = new MockModel({ delayMs: 20, respond: ({ call }) => `#${call}` });
    const wrapped = wrapModel(model, cacheMiddleware());
    await Promise.all([wrapped.doGenerate(ask('x')), wrapped.doGenerate(ask('x'))]);
    expect(model.requests).toHaveLength(1);
    const sampled = { ...ask('x'), sampling: { temperature: 1 } };
    await wrapped.doGenerate(sampled);
    await wrapped.doGenerate(sampled);
    expect(model.requests).toHaveLength(3);
    let failures = 0;
    const flaky = wrapModel(
      new MockModel({
        respond: () => {
          failures += 1;
          if (failures === 1) throw new Error('boom');
          return 'ok';
        },
      }),
      cacheMiddleware(),
    );
    await expect(flaky.doGenerate(ask('y'))).rejects.toThrow('boom');
    expect((await flaky.doGenerate(ask('y'))).results[0]!.completions[0]!.text).toBe('ok');
  });

  it('uses the store it is given (a persistent one survives the process)', async () => {
    const saved = new Map<string, unknown>();
    const store = {
      get: async (key: string) => saved.get(key) as never,
      set: async (key: string, value: unknown) => void saved.set(key, value),
    };
    await wrapModel(new MockModel(), cacheMiddleware({ store })).doGenerate(ask('z'));
    const again = new MockModel();
    await wrapModel(again, cacheMiddleware({ store })).doGenerate(ask('z'));
    expect(saved.size).toBe(1);
    expect(again.requests).toHaveLength(0);
  });
});

describe('concurrencyMiddleware', () => {
  it('never lets more than the limit through at once, and answers every request', async () => {
    const model = new MockModel({ delayMs: 5, respond: ({ text }) => text });
    const wrapped = wrapModel(model, concurrencyMiddleware({ limit: 3 }));
    const texts = await Promise.all(
      Array.from({ length: 20 }, (_, index) => wrapped.doGenerate(ask(`p${index}`))),
    );
    expect(texts.map((result) => result.results[0]!.completions[0]!.text)).toEqual(
      Array.from({ length: 20 }, (_, index) => `p${index}`),
    );
    expect(model.maxInFlight).toBe(3);
  });

  it('a waiting request that is aborted leaves the queue without calling the model', async () => {
    const model = new MockModel({ delayMs: 30 });
    const wrapped = wrapModel(model, concurrencyMiddleware({ limit: 1 }));
    const controller = new AbortController();
    const first = wrapped.doGenerate(ask('1'));
    const second = wrapped.doGenerate({ ...ask('2'), signal: controller.signal });
    controller.abort(new Error('stopped'));
    await expect(second).rejects.toThrow('stopped');
    await first;
    expect(model.requests).toHaveLength(1);
    expect(() => concurrencyMiddleware({ limit: 0 })).toThrow(RangeError);
  });
});

describe('retryMiddleware', () => {
  const failing = (errors: unknown[]) =>
    new MockModel({
      respond: () => {
        const error = errors.shift();
        if (error) throw error;
        return 'ok';
      },
    });

  it('retries retryable failures (network, 429, 5xx) and then succeeds', async () => {
    const model = failing([
      new ModelRequestError('http://x', undefined, 'connection refused'),
      new ModelRequestError('http://x', 503, 'busy'),
    ]);
    const delays: number[] = [];
    const wrapped = wrapModel(
      model,
      retryMiddleware({ initialDelayMs: 1, onRetry: (_, __, ms) => delays.push(ms) }),
    );
    expect((await wrapped.doGenerate(ask('a'))).results[0]!.completions[0]!.text).toBe('ok');
    expect(model.requests).toHaveLength(3);
    expect(delays).toEqual([1, 2]);
  });

  it('never retries a 4xx, a usage or input error, or a bug; gives up after the retries', async () => {
    for (const error of [
      new ModelRequestError('http://x', 400, 'context length exceeded'),
      new FeaError('runtime/invalid-model-id', 'bad id', { category: 'usage' }),
      new FeaError('runtime/image-size', 'too small'),
      new TypeError('bug'),
    ]) {
      const model = failing([error]);
      await expect(
        wrapModel(model, retryMiddleware({ initialDelayMs: 1 })).doGenerate(ask('a')),
      ).rejects.toBe(error);
      expect(model.requests).toHaveLength(1);
    }
    const model = failing(Array.from({ length: 5 }, () => new ModelRequestError('http://x', 500, 'down')));
    await expect(
      wrapModel(model, retryMiddleware({ retries: 2, initialDelayMs: 1 })).doGenerate(ask('a')),
    ).rejects.toThrow('down');
    expect(model.requests).toHaveLength(3);
  });

  it('stops waiting when the request is aborted', async () => {
    const model = failing([new ModelRequestError('http://x', 503, 'busy')]);
    const controller = new AbortController();
    const pending = wrapModel(model, retryMiddleware({ initialDelayMs: 60_000 })).doGenerate({
      ...ask('a'),
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(new Error('interrupted')), 10);
    await expect(pending).rejects.toThrow('interrupted');
    expect(model.requests).toHaveLength(1);
  });
});
