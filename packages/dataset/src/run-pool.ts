/**
 * Runs `work` over `items` with at most `concurrency` in flight, in input order of start: the
 * scheduler for runs whose unit of resume is an item that makes several model calls in turn
 * (a synthesis sample); bound the model calls themselves with the runtime's
 * `concurrencyMiddleware`.
 * When `signal` aborts, no new item starts; items in flight finish (so their writes land)
 * and the returned promise resolves with `interrupted: true`.
 */
export async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<{ interrupted: boolean }> {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (next < items.length && !signal?.aborted && failure === undefined) {
      const index = next;
      next += 1;
      try {
        await work(items[index]!, index);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  if (failure !== undefined) throw failure;
  return { interrupted: Boolean(signal?.aborted) && next < items.length };
}
