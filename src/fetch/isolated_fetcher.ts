/**
 * {@link Fetcher} that runs each fetch in its own Deno Worker whose
 * permissions are narrowed to network access to the URL's `host:port`: no
 * file, environment, subprocess, FFI, system or other-host access. A hostile
 * server, or a bug in how its answer is handled, cannot reach beyond that.
 *
 * Narrowed Worker permissions are an unstable Deno API: the process needs
 * `--unstable-worker-options` (part of the shipped flags, scripts/permissions.ts).
 *
 * @module
 */
import { LoadError } from "../errors.ts";
import type { Fetcher, FetchOptions } from "./fetcher.ts";
import type { FetchReply, FetchRequest } from "./_fetch_worker.ts";
import { redactUrl } from "../base/redact.ts";
import { workerModule } from "../base/worker_modules.ts";

/** Options of {@link IsolatedFetcher}. */
export interface IsolatedFetcherOptions {
  /**
   * The Worker module; tests hand in a hostile one to prove the narrowing.
   * @default the module running {@link HttpFetcher}
   */
  workerUrl?: URL;
  /** Milliseconds the Worker gets beyond `timeoutMs` before it is stopped. @default 1000 */
  graceMs?: number;
}

const DEFAULT_WORKER = workerModule("fetch");

/**
 * The permissions of the Worker fetching `url`: network access to its
 * `host:port` (the scheme's default port when none is written), nothing else.
 *
 * @example
 * ```ts
 * fetchPermissions(new URL("https://example.com/task.yaml")).net; // ["example.com:443"]
 * ```
 */
export function fetchPermissions(url: URL): Deno.PermissionOptionsObject {
  const port = url.port || (url.protocol === "http:" ? "80" : "443");
  return {
    net: [`${url.hostname}:${port}`],
    read: false,
    write: false,
    env: false,
    run: false,
    ffi: false,
    sys: false,
    import: false,
  };
}

/**
 * Fetches in a fresh Worker per URL, with the {@link HttpFetcher} rules
 * (https only unless allowed, timeout, body cap, same-host redirects, UTF-8).
 *
 * @example
 * ```ts
 * import { DEFAULT_FETCH_OPTIONS } from "./fetcher.ts";
 *
 * const url = new URL("https://example.com/task.yaml");
 * const text = await new IsolatedFetcher().fetchText(url, DEFAULT_FETCH_OPTIONS);
 * ```
 */
export class IsolatedFetcher implements Fetcher {
  readonly #workerUrl: URL;
  readonly #graceMs: number;

  constructor(options: IsolatedFetcherOptions = {}) {
    this.#workerUrl = options.workerUrl ?? DEFAULT_WORKER;
    this.#graceMs = options.graceMs ?? 1000;
  }

  /**
   * @throws {LoadError} whatever {@link HttpFetcher} refuses, or when the
   * Worker fails or overruns the timeout
   */
  async fetchText(url: URL, options: FetchOptions): Promise<string> {
    const source = redactUrl(url);
    const worker = this.#start(url, source);
    const done = Promise.withResolvers<string>();
    const timer = setTimeout(() => {
      done.reject(new LoadError(source, `timed out after ${options.timeoutMs} ms`));
    }, options.timeoutMs + this.#graceMs);
    worker.onmessage = (event: MessageEvent<FetchReply>) => {
      try {
        done.resolve(textOf(event.data));
      } catch (error) {
        done.reject(error);
      }
    };
    worker.onerror = (event) => {
      event.preventDefault();
      done.reject(new LoadError(source, `the fetch worker failed: ${event.message}`));
    };
    worker.onmessageerror = () => {
      done.reject(new LoadError(source, "the fetch worker sent an unreadable answer"));
    };
    try {
      worker.postMessage({ url: url.href, options } satisfies FetchRequest);
      return await done.promise;
    } finally {
      clearTimeout(timer);
      worker.terminate();
    }
  }

  #start(url: URL, source: string): Worker {
    try {
      return new Worker(this.#workerUrl, {
        type: "module",
        name: `fetch ${source}`,
        deno: { permissions: fetchPermissions(url) },
      });
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw new LoadError(source, `cannot start the isolated fetch worker: ${reason}`, {
        cause,
        hint: 'run draconctl with the shipped flags (they include "--unstable-worker-options")',
      });
    }
  }
}

function textOf(reply: FetchReply): string {
  if (reply.ok) return reply.text;
  if (reply.load) {
    throw new LoadError(reply.source, reply.message, reply.hint ? { hint: reply.hint } : {});
  }
  throw new LoadError(reply.source, `fetch failed: ${reply.message}`);
}
