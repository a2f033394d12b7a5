/** How many components are loaded or rendered at once, unless `--concurrency` says. */
export const DEFAULT_CONCURRENCY = 16;

/**
 * How many Tasks are applied at once, unless `--concurrency` says: enough
 * that a pipeline's Tasks go out in one round trip (the requests share one
 * HTTP/2 connection; API servers allow 100–250 streams on it, and queue the
 * rest). Applies cost no Worker, unlike loading a URL component.
 */
export const DEFAULT_APPLY_CONCURRENCY = 128;

/**
 * Maps `items` through `fn` with at most `limit` calls in flight; results keep
 * the input order. `fn` should not throw (wrap it) or the first error wins.
 */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!, index);
    }
  }
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker);
  await Promise.all(workers);
  return results;
}
