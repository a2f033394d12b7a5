/**
 * {@link Fetcher} over HTTP(S) with the global `fetch`: a timeout, a body cap,
 * same-host redirects only, strict UTF-8, and messages that never show
 * credentials or query values.
 *
 * @module
 */
import { LoadError } from "../errors.ts";
import type { Fetcher, FetchOptions } from "./fetcher.ts";
import { failureCauseOf, type FailureKind } from "../base/failure_cause.ts";
import { redactUrl } from "../base/redact.ts";

/** Redirects followed before giving up. */
export const MAX_REDIRECTS = 5;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * Fetches Task YAML with `fetch`, following at most {@link MAX_REDIRECTS}
 * redirects and only to the same host (`host:port`); an https→http downgrade
 * is refused. The body is streamed and the request aborted as soon as it
 * passes `maxBytes`. One `timeoutMs` covers the whole exchange: redirects,
 * headers and body. The text keeps a leading byte-order mark, so encoding it
 * again gives the exact bytes served (digest pins are checked on it).
 *
 * @example
 * ```ts
 * import { DEFAULT_FETCH_OPTIONS } from "./fetcher.ts";
 *
 * const url = new URL("https://example.com/task.yaml");
 * const text = await new HttpFetcher().fetchText(url, DEFAULT_FETCH_OPTIONS);
 * ```
 */
export class HttpFetcher implements Fetcher {
  /** @param fetchFn the `fetch` to use; tests hand in their own */
  constructor(private readonly fetchFn: typeof fetch = fetch) {}

  /**
   * @throws {LoadError} on a refused scheme or credentials, a non-2xx status,
   * an HTML body, a redirect elsewhere, a timeout, an oversize or non-UTF-8 body
   */
  async fetchText(url: URL, options: FetchOptions): Promise<string> {
    const source = redactUrl(url);
    checkScheme(url, source, options);
    if (url.username || url.password) {
      throw new LoadError(source, "URLs with credentials are not supported");
    }
    const signal = AbortSignal.timeout(options.timeoutMs);
    try {
      const response = await this.#follow(url, source, signal);
      const bytes = await readCapped(response, source, options.maxBytes);
      return decodeUtf8(bytes, source);
    } catch (error) {
      if (error instanceof LoadError) throw error;
      if (signal.aborted) {
        throw new LoadError(source, `timed out after ${options.timeoutMs} ms`, { cause: error });
      }
      const cause = failureCauseOf(error);
      if (cause === undefined) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new LoadError(source, `request failed: ${scrub(reason, url)}`, { cause: error });
      }
      const hint = URL_HINTS[cause.kind](url);
      throw new LoadError(source, cause.reason, { cause: error, ...(hint ? { hint } : {}) });
    }
  }

  async #follow(url: URL, source: string, signal: AbortSignal): Promise<Response> {
    let current = url;
    for (let hops = 0;; hops++) {
      const response = await this.fetchFn(current, { redirect: "manual", signal });
      if (!REDIRECT_STATUSES.has(response.status)) return checkResponse(response, source);
      await response.body?.cancel();
      if (hops === MAX_REDIRECTS) {
        throw new LoadError(source, `more than ${MAX_REDIRECTS} redirects`);
      }
      current = redirectTarget(response, current, url, source);
    }
  }
}

function checkScheme(url: URL, source: string, options: FetchOptions): void {
  if (url.protocol === "https:") return;
  if (url.protocol === "http:") {
    if (options.allowInsecureHttp) return;
    throw new LoadError(source, "plain HTTP is refused", {
      hint: 'use an https:// URL, or pass "--allow-insecure-http" to allow http://',
    });
  }
  throw new LoadError(source, `scheme "${url.protocol}" is not supported, only https://`);
}

function redirectTarget(response: Response, current: URL, origin: URL, source: string): URL {
  const location = response.headers.get("location");
  if (location === null) {
    throw new LoadError(source, `HTTP ${response.status} redirect has no Location header`);
  }
  let next: URL;
  try {
    next = new URL(location, current);
  } catch (cause) {
    throw new LoadError(source, `redirect to an invalid URL "${redactUrl(location)}"`, { cause });
  }
  if (next.host !== origin.host) {
    throw new LoadError(
      source,
      `redirect from host "${origin.host}" to another host "${next.host}" is refused`,
    );
  }
  if (current.protocol === "https:" && next.protocol !== "https:") {
    throw new LoadError(source, `redirect from https to "${redactUrl(next)}" is refused`);
  }
  if (next.protocol !== "https:" && next.protocol !== "http:") {
    throw new LoadError(source, `redirect to scheme "${next.protocol}" is refused`);
  }
  return next;
}

async function checkResponse(response: Response, source: string): Promise<Response> {
  if (response.status < 200 || response.status > 299) {
    await response.body?.cancel();
    const text = response.statusText ? ` ${response.statusText}` : "";
    throw new LoadError(source, `server answered HTTP ${response.status}${text}`);
  }
  const type = response.headers.get("content-type") ?? "";
  if (/^\s*text\/html\b/i.test(type)) {
    await response.body?.cancel();
    throw new LoadError(source, "server returned HTML, not YAML", {
      hint: "point at the raw file (for GitHub: raw.githubusercontent.com), not a web page",
    });
  }
  return response;
}

async function readCapped(
  response: Response,
  source: string,
  maxBytes: number,
): Promise<Uint8Array> {
  const tooBig = () => new LoadError(source, `body is larger than the limit of ${maxBytes} bytes`);
  const declared = Number(response.headers.get("content-length") ?? NaN);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw tooBig();
  }
  if (response.body === null) return new Uint8Array();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooBig();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

function decodeUtf8(bytes: Uint8Array, source: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (cause) {
    throw new LoadError(source, "body is not valid UTF-8 text", { cause });
  }
}

/** Removes the URL (and any credentials in it) from a lower-level error message. */
function scrub(message: string, url: URL): string {
  return message.split(url.href).join(redactUrl(url));
}

/** The remedy for each class of network failure of a component URL. */
const URL_HINTS: Record<FailureKind, (url: URL) => string | undefined> = {
  refused: (url) => `is a server listening on ${url.host}? check the URL's host and port`,
  dns: (url) => `check the host name "${url.hostname}" and your DNS`,
  certificate: () =>
    "for a server with a private CA, run with DENO_CERT=/path/to/ca.pem " +
    "(or DENO_TLS_CA_STORE=system to trust the system's CAs)",
  tls: () => "check that the URL's port serves HTTPS",
  reset: () => "the server or a proxy closed the connection; try again",
  timeout: () => 'raise "--fetch-timeout"',
  blocked: () => "serve the Task on another port",
  other: () => undefined,
};
