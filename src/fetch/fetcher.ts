/**
 * Fetching Task YAML from URLs, behind an interface so tests need no network.
 *
 * @module
 */

/** Limits applied to one fetch. */
export interface FetchOptions {
  /** Milliseconds before the request is abandoned. @default 30000 */
  timeoutMs: number;
  /** Largest body accepted, in bytes. @default 1048576 */
  maxBytes: number;
  /** Whether `http://` URLs are allowed. @default false */
  allowInsecureHttp: boolean;
}

/** Default {@link FetchOptions}. */
export const DEFAULT_FETCH_OPTIONS: FetchOptions = {
  timeoutMs: 30_000,
  maxBytes: 1024 * 1024,
  allowInsecureHttp: false,
};

/** Fetches the text body of a URL. */
export interface Fetcher {
  /**
   * Returns the body of `url` as text.
   *
   * @throws {LoadError} on a non-2xx status, timeout, oversize body, or a
   * redirect to another host
   */
  fetchText(url: URL, options: FetchOptions): Promise<string>;
}
