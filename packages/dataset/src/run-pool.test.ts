import { describe, expect, it } from 'vitest';
import { runPool } from './run-pool';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('runPool', () => {
  it('runs every item with at most `concurrency` in flight, starting in input order', async () => {
    let inFlight = 0;
    let most = 0;
    const started: number[] = [];
    const outcome = await runPool([1, 2, 3, 4, 5, 6, 7], 3, async (item) => {
      started.push(item);
      inFlight += 1;
      most = Math.max(most, inFlight);
      await tick();
      inFlight -= 1;
    });
    expect(outcome).toEqual({ interrupted: false });
    expect(started).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(most).toBe(3);
  });

  it('on abort starts nothing new, lets items in flight finish and says it was interrupted', async () => {
    const controller = new AbortController();
    const finished: number[] = [];
    const outcome = await runPool(
      [1, 2, 3, 4, 5],
      2,
      async (item) => {
        if (item === 2) controller.abort();
        await tick();
        finished.push(item);
      },
      controller.signal,
    );
    expect(outcome).toEqual({ interrupted: true });
    expect(finished.sort()).toEqual([1, 2]);
  });

  it('stops starting items after a failure and rethrows it', async () => {
    const started: number[] = [];
    await expect(
      runPool([1, 2, 3, 4], 1, async (item) => {
        started.push(item);
        if (item === 2) throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(started).toEqual([1, 2]);
  });
});
