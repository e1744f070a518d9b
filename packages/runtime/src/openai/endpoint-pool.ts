/**
 * Round-robin over a fleet of base URLs that passes over an endpoint for `cooldownMs` after it
 * failed, while others are healthy, and never sends a retry back to the endpoint that just failed
 * when there is another.
 */
export interface EndpointPool {
  /** The next endpoint to try; `previous` is the one the last attempt of this request used. */
  pick(previous: string | undefined): string;
  /** Marks an endpoint as just failed. */
  failed(endpoint: string): void;
  /** Marks an endpoint as healthy again. */
  succeeded(endpoint: string): void;
}

export function createEndpointPool(endpoints: readonly string[], cooldownMs: number): EndpointPool {
  let cursor = 0;
  // When each endpoint last failed.
  const failedAt = new Map<string, number>();
  const next = () => {
    const endpoint = endpoints[cursor % endpoints.length] as string;
    cursor += 1;
    return endpoint;
  };
  return {
    pick(previous) {
      for (let step = 0; step < endpoints.length; step += 1) {
        const endpoint = next();
        const failed = failedAt.get(endpoint);
        if (endpoint !== previous && (failed === undefined || performance.now() - failed > cooldownMs))
          return endpoint;
      }
      // Every endpoint failed recently: plain round-robin, still away from the one that just failed.
      const endpoint = next();
      return endpoint === previous && endpoints.length > 1 ? next() : endpoint;
    },
    failed: (endpoint) => void failedAt.set(endpoint, performance.now()),
    succeeded: (endpoint) => void failedAt.delete(endpoint),
  };
}
