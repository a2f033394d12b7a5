/**
 * A {@link Fetcher} for tests: serves bodies from a map keyed by URL and
 * records every call. Error knobs: `fetchError` fails every call; `errors`
 * fails one URL.
 *
 * @module
 */
import { LoadError } from "../../src/errors.ts";
import type { Fetcher, FetchOptions } from "../../src/fetch/fetcher.ts";

/** A {@link Fetcher} that never touches the network. */
export class FakeFetcher implements Fetcher {
  /** Bodies by URL (`href`). */
  readonly bodies: Map<string, string>;
  /** Errors by URL (`href`). */
  readonly errors = new Map<string, Error>();
  /** When set, every call throws it. */
  fetchError: Error | undefined;
  /** Every URL asked for, with its options, in order. */
  readonly calls: { url: string; options: FetchOptions }[] = [];

  constructor(bodies: Record<string, string> = {}) {
    this.bodies = new Map(Object.entries(bodies));
  }

  fetchText(url: URL, options: FetchOptions): Promise<string> {
    this.calls.push({ url: url.href, options });
    if (this.fetchError) return Promise.reject(this.fetchError);
    const error = this.errors.get(url.href);
    if (error) return Promise.reject(error);
    const body = this.bodies.get(url.href);
    if (body === undefined) {
      return Promise.reject(new LoadError(url.href, "server answered HTTP 404 Not Found"));
    }
    return Promise.resolve(body);
  }
}
