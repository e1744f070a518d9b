import { describe, expect, it } from 'vitest';
import { createEndpointPool } from './endpoint-pool';
import { ModelRequestError } from './errors';
import { backoffMs, isRetryable, withRetries } from './retry-policy';

const failure = (status: number | undefined) => ({
  ok: false as const,
  error: new ModelRequestError('http://x/v1/chat/completions', status, `status ${status}`),
});

describe('retry policy', () => {
  it('retries network errors, 429 and 5xx, never another 4xx or a 2xx', () => {
    expect([undefined, 429, 500, 503].map((status) => isRetryable(failure(status).error))).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect([200, 400, 401, 404, 413, 422].map((status) => isRetryable(failure(status).error))).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it('doubles the backoff with jitter in [0.5, 1.5)', () => {
    expect(backoffMs(0, 100, () => 0)).toBe(50);
    expect(backoffMs(3, 100, () => 0.5)).toBe(800);
  });

  it('stops at the first final error, else throws the last one after maxRetries', async () => {
    const attempts: number[] = [];
    const final = withRetries({ maxRetries: 5, retryBaseMs: 0 }, async (index) => {
      attempts.push(index);
      return failure(index === 0 ? 503 : 404);
    });
    await expect(final).rejects.toMatchObject({ status: 404 });
    expect(attempts).toEqual([0, 1]);
    const spent = withRetries({ maxRetries: 2, retryBaseMs: 0 }, async (index) => failure(500 + index));
    await expect(spent).rejects.toMatchObject({ status: 502 });
  });

  it('waits Retry-After instead of the backoff', async () => {
    let calls = 0;
    // A one-hour backoff: only the zero Retry-After lets this finish.
    const value = await withRetries({ maxRetries: 1, retryBaseMs: 3_600_000 }, async () =>
      calls++ === 0 ? { ...failure(429), retryAfterMs: 0 } : { ok: true as const, value: 'done' },
    );
    expect(value).toBe('done');
  });
});

describe('endpoint pool', () => {
  it('goes round-robin, passes over a failed endpoint while it cools down, and never retries on the same one', () => {
    const pool = createEndpointPool(['a', 'b', 'c'], 60_000);
    expect([pool.pick(undefined), pool.pick(undefined), pool.pick(undefined)]).toEqual(['a', 'b', 'c']);
    pool.failed('b');
    expect([pool.pick(undefined), pool.pick(undefined), pool.pick(undefined)]).toEqual(['a', 'c', 'a']);
    pool.succeeded('b');
    expect(pool.pick(undefined)).toBe('b');
    const pair = createEndpointPool(['a', 'b'], 60_000);
    pair.failed('a');
    pair.failed('b');
    expect(pair.pick('a')).toBe('b');
    expect(pair.pick('b')).toBe('a');
  });
});
