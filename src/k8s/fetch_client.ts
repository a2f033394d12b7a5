/**
 * The {@link ObjectClient} over Deno's own `fetch`, draconctl's only
 * Kubernetes client: server-side apply, LIST, GET and DELETE, with the resource path of a
 * kind found by discovery (one GET per group-version, cached). One
 * `Deno.HttpClient` carries the CA, the client certificate, the proxy and
 * HTTP/2, so every request of a run shares one connection and they run side
 * by side on it (HTTP/1.1 servers get a pool). A credential plugin that
 * hands out a new client certificate gets a new `Deno.HttpClient`.
 *
 * Credentials come from the connection's {@link CredentialSource} before each
 * request; after a 401 the source may fetch new ones (a plugin run again, a
 * token file read again) and the request is sent once more with them.
 *
 * Errors are thrown raw, for {@link toKubeError}: a non-2xx answer as an
 * {@link ApiStatusError}, a network failure as `fetch`'s own error, a kind
 * the server does not serve as a {@link KindNotServedError}.
 *
 * @example
 * ```ts
 * import { DenoFileSystem } from "../io/filesystem.ts";
 * import { resolveConnection, resolveTarget } from "./kubeconfig.ts";
 *
 * const env = { fs: new DenoFileSystem(), env: (name: string) => Deno.env.get(name), logger: console };
 * const target = await resolveTarget({ context: "admin" }, env);
 * const client = new FetchObjectClient(await resolveConnection(target, env));
 * const tasks = await client.list("tekton.dev/v1beta1", "Task", "dracon");
 * ```
 * @module
 */
import { ClusterError } from "../errors.ts";
import { redactUrl } from "../base/redact.ts";
import type { KubeObject } from "./objects.ts";
import type { Credentials } from "./credentials.ts";
import { ApiStatusError, KindNotServedError } from "./api_errors.ts";
import type { Connection } from "./kubeconfig.ts";
import { createHttpClient } from "./proxy.ts";
import type { DeleteOptions, ObjectClient, ServerSideApplyOptions } from "./object_client.ts";
import { timeoutSignal } from "./_timeout.ts";

/** Options of {@link FetchObjectClient}. */
export interface FetchObjectClientOptions {
  /** Timeout of one request in milliseconds, body included. @default 30000 */
  requestTimeoutMs?: number;
  /** Called before every request is sent (to count them in tests). */
  onRequest?: (method: string, url: string) => void;
}

/** A kind's resource: its plural name and whether it lives in a namespace. */
interface Resource {
  name: string;
  namespaced: boolean;
}

/**
 * The resources of the kinds every deploy lists (Tekton's CRDs name them so
 * at every version), used to start those LISTs before discovery answers.
 */
const WELL_KNOWN_RESOURCES: ReadonlyMap<string, Resource> = new Map(
  ["tekton.dev/v1", "tekton.dev/v1beta1"].flatMap((apiVersion) => [
    [`${apiVersion}|Task`, { name: "tasks", namespaced: true }],
    [`${apiVersion}|Pipeline`, { name: "pipelines", namespaced: true }],
  ]),
);

/** The page size of a LIST. */
const PAGE_SIZE = 500;

/** An {@link ObjectClient} over `fetch` and one `Deno.HttpClient`. */
export class FetchObjectClient implements ObjectClient {
  readonly server: string;
  readonly #base: string;
  readonly #connection: Connection;
  /** One HTTP client per client certificate (`undefined`: none), created on first use. */
  readonly #clients = new Map<string | undefined, ClientSlot>();
  readonly #headers: Headers;
  readonly #timeoutMs: number;
  readonly #onRequest: ((method: string, url: string) => void) | undefined;
  /** Resources by group-version, then kind; one discovery GET each. */
  readonly #discovery = new Map<string, Promise<Map<string, Resource>>>();

  constructor(connection: Connection, options: FetchObjectClientOptions = {}) {
    this.#base = connection.server;
    this.#connection = connection;
    this.server = redactUrl(connection.server);
    this.#headers = new Headers([
      ["accept", "application/json"],
      ["user-agent", "draconctl"],
      ...connection.headers,
    ]);
    this.#timeoutMs = options.requestTimeoutMs ?? 30_000;
    this.#onRequest = options.onRequest;
  }

  async apply(object: KubeObject, options: ServerSideApplyOptions): Promise<KubeObject> {
    const resource = await this.#resource(object.apiVersion, object.kind);
    const namespace = resource.namespaced ? object.metadata.namespace ?? "default" : undefined;
    const query = new URLSearchParams({
      fieldManager: options.fieldManager,
      force: String(options.force),
    });
    if (options.dryRun) query.set("dryRun", "All");
    const path = `${collectionPath(object.apiVersion, resource, namespace)}/${
      encodeURIComponent(object.metadata.name)
    }`;
    return await this.#request("PATCH", `${path}?${query}`, {
      contentType: "application/apply-patch+yaml",
      body: JSON.stringify(object),
    }) as KubeObject;
  }

  async get(
    apiVersion: string,
    kind: string,
    namespace: string,
    name: string,
  ): Promise<KubeObject | undefined> {
    const path = await this.#objectPath(apiVersion, kind, namespace, name);
    try {
      const object = await this.#request("GET", path) as KubeObject;
      return { ...object, apiVersion, kind };
    } catch (error) {
      if (error instanceof ApiStatusError && error.code === 404) return undefined;
      throw error;
    }
  }

  async delete(
    apiVersion: string,
    kind: string,
    namespace: string,
    name: string,
    options: DeleteOptions,
  ): Promise<boolean> {
    const path = await this.#objectPath(apiVersion, kind, namespace, name);
    const query = options.dryRun ? "?dryRun=All" : "";
    try {
      await this.#request("DELETE", `${path}${query}`, {
        contentType: "application/json",
        body: JSON.stringify({
          apiVersion: "v1",
          kind: "DeleteOptions",
          preconditions: options.preconditions,
          // With a body, the API server reads the options from it, not from the query.
          ...(options.dryRun ? { dryRun: ["All"] } : {}),
        }),
      });
      return true;
    } catch (error) {
      if (error instanceof ApiStatusError && error.code === 404) return false;
      throw error;
    }
  }

  async #objectPath(apiVersion: string, kind: string, namespace: string, name: string) {
    const resource = await this.#resource(apiVersion, kind);
    return `${collectionPath(apiVersion, resource, resource.namespaced ? namespace : undefined)}/${
      encodeURIComponent(name)
    }`;
  }

  async create(object: KubeObject): Promise<KubeObject> {
    const resource = await this.#resource(object.apiVersion, object.kind);
    const namespace = resource.namespaced ? object.metadata.namespace ?? "default" : undefined;
    return await this.#request("POST", collectionPath(object.apiVersion, resource, namespace), {
      contentType: "application/json",
      body: JSON.stringify(object),
    }) as KubeObject;
  }

  async list(
    apiVersion: string,
    kind: string,
    namespace: string,
    options: { labelSelector?: string } = {},
  ): Promise<KubeObject[]> {
    const discovered = this.#resource(apiVersion, kind);
    const guess = WELL_KNOWN_RESOURCES.get(`${apiVersion}|${kind}`);
    if (guess === undefined) {
      return await this.#listAt(apiVersion, kind, await discovered, namespace, options);
    }
    // A kind draconctl always reads is listed at once, beside the discovery
    // GET that confirms its path: one round trip less before the applies.
    // Discovery still decides: a kind not served fails as it would have.
    const early = settle(this.#listAt(apiVersion, kind, guess, namespace, options));
    let resource: Resource;
    try {
      resource = await discovered;
    } catch (error) {
      // No request is left running when this one fails.
      await early;
      throw error;
    }
    if (resource.name !== guess.name || resource.namespaced !== guess.namespaced) {
      return await this.#listAt(apiVersion, kind, resource, namespace, options);
    }
    const listed = await early;
    if ("error" in listed) throw listed.error;
    return listed.value;
  }

  async #listAt(
    apiVersion: string,
    kind: string,
    resource: Resource,
    namespace: string,
    options: { labelSelector?: string },
  ): Promise<KubeObject[]> {
    // An empty namespace lists every namespace (kubectl's --all-namespaces).
    const scoped = resource.namespaced && namespace !== "" ? namespace : undefined;
    const path = collectionPath(apiVersion, resource, scoped);
    const items: KubeObject[] = [];
    let next: string | undefined;
    do {
      const query = new URLSearchParams();
      if (options.labelSelector) query.set("labelSelector", options.labelSelector);
      query.set("limit", String(PAGE_SIZE));
      if (next !== undefined) query.set("continue", next);
      const page = await this.#request("GET", `${path}?${query}`) as {
        items?: KubeObject[];
        metadata?: { continue?: string };
      };
      for (const item of page.items ?? []) items.push({ ...item, apiVersion, kind });
      next = page.metadata?.continue || undefined;
    } while (next !== undefined);
    return items;
  }

  /** Closes the HTTP clients and their connections. */
  close(): void {
    for (const slot of this.#clients.values()) slot.client.close();
    this.#clients.clear();
  }

  /**
   * The HTTP client for `credentials`. Over https without a proxy it first
   * speaks HTTP/2 only, so the requests sent at once at start share one TLS
   * connection (offering HTTP/1.1 too, the client opens one connection per
   * request until the first handshake has chosen h2: four at start). A server
   * that does not offer h2 fails that client's first requests; the slot then
   * falls back to HTTP/1.1 + HTTP/2 for the rest of the run ({@link #send}).
   */
  #clientFor(credentials: Credentials): ClientSlot {
    const key = credentials.clientCert
      ? `${credentials.clientCert.cert}\n${credentials.clientCert.key}`
      : undefined;
    let slot = this.#clients.get(key);
    if (slot === undefined) {
      const h2Only = this.#base.startsWith("https:") && this.#connection.proxy === undefined;
      const create = (http1: boolean) =>
        createHttpClient({
          caCerts: this.#connection.caCerts,
          http1,
          http2: true,
          ...(this.#connection.proxy ? { proxy: this.#connection.proxy } : {}),
          ...(credentials.clientCert ?? {}),
        });
      const created: ClientSlot = {
        client: create(!h2Only),
        mode: h2Only ? "h2-trial" : "settled",
        h2Only,
        fallBack: () => {
          if (created.mode !== "h2-trial") return; // proven, or replaced already
          created.client.close();
          created.client = create(true);
          created.mode = "settled";
          created.h2Only = false;
        },
      };
      slot = created;
      this.#clients.set(key, slot);
    }
    return slot;
  }

  #resource(apiVersion: string, kind: string): Promise<Resource> {
    let resources = this.#discovery.get(apiVersion);
    if (resources === undefined) {
      resources = this.#discover(apiVersion);
      this.#discovery.set(apiVersion, resources);
      // A failed discovery is not cached: the next request tries again.
      resources.catch(() => this.#discovery.delete(apiVersion));
    }
    return resources.then((byKind) => {
      const resource = byKind.get(kind);
      if (resource === undefined) throw new KindNotServedError(apiVersion, kind);
      return resource;
    });
  }

  async #discover(apiVersion: string): Promise<Map<string, Resource>> {
    let list: { resources?: { name: string; kind: string; namespaced: boolean }[] };
    try {
      list = await this.#request("GET", groupVersionPath(apiVersion)) as typeof list;
    } catch (error) {
      // The group-version itself is not served.
      if (error instanceof ApiStatusError && error.code === 404) return new Map();
      throw error;
    }
    const byKind = new Map<string, Resource>();
    for (const r of list.resources ?? []) {
      if (!r.name.includes("/")) byKind.set(r.kind, { name: r.name, namespaced: r.namespaced });
    }
    return byKind;
  }

  async #request(
    method: string,
    pathAndQuery: string,
    body?: { contentType: string; body: string },
  ): Promise<unknown> {
    const url = `${this.#base}${pathAndQuery}`;
    const source = this.#connection.credentials;
    let credentials = await source.get();
    let answer = await this.#send(method, url, credentials, body);
    // New credentials may help once (client-go runs the plugin again after a 401).
    if (answer.status === 401 && await source.refresh(credentials)) {
      credentials = await source.get();
      answer = await this.#send(method, url, credentials, body);
    }
    const { status, text } = answer;
    if (status >= 300 && status < 400) {
      // A redirect would carry the credentials elsewhere; the API server never sends one.
      throw new ClusterError(
        `The API server ${this.server} answered ${method} with a redirect (HTTP ${status}): ` +
          "draconctl does not follow redirects from the API server",
        {
          hint:
            "check the server URL of the kubeconfig context (is a proxy or load balancer in front?)",
        },
      );
    }
    if (status < 200 || status > 299) throw new ApiStatusError(status, parseJson(text) ?? text);
    const parsed = parseJson(text);
    if (parsed === undefined) {
      throw new ApiStatusError(status, `the answer to ${method} is not JSON`);
    }
    return parsed;
  }

  async #send(
    method: string,
    url: string,
    credentials: Credentials,
    body: { contentType: string; body: string } | undefined,
  ): Promise<{ status: number; text: string }> {
    this.#onRequest?.(method, url);
    const headers = new Headers(this.#headers);
    if (credentials.authorization) headers.set("authorization", credentials.authorization);
    if (body) headers.set("content-type", body.contentType);
    const timeout = timeoutSignal(this.#timeoutMs);
    const slot = this.#clientFor(credentials);
    const send = (client: Deno.HttpClient, h2Only: boolean) =>
      fetch(url, {
        method,
        client,
        signal: timeout.signal,
        headers,
        redirect: "manual",
        ...(body ? { body: h2Only ? smallFrames(body.body) : body.body } : {}),
      });
    try {
      const client = slot.client;
      const trial = slot.mode === "h2-trial";
      let response: Response;
      try {
        response = await send(client, slot.h2Only);
      } catch (error) {
        // No answer over HTTP/2 only, and none before it: the server may not
        // offer h2 (an HTTP/1.1-only server or proxy). The request was not
        // answered, so it is sent again, once, over a client that also offers
        // HTTP/1.1 (also when another request's failure replaced the client).
        // Only reads go out before the first answer: every write waits for
        // its kind's discovery GET.
        if (!trial || !(error instanceof TypeError) || timeout.signal.aborted) throw error;
        slot.fallBack();
        if (slot.client === client) throw error; // h2 had answered meanwhile: a real failure
        response = await send(slot.client, slot.h2Only);
      }
      // An answer over HTTP/2 only: the server speaks h2; keep that client.
      if (slot.client === client) slot.mode = "settled";
      return { status: response.status, text: await response.text() };
    } finally {
      timeout.clear();
    }
  }
}

/**
 * An HTTP client and how far it is proven: `h2-trial` speaks HTTP/2 only and
 * has had no answer yet; `settled` is kept for the run (h2 answered, or the
 * fallback offering HTTP/1.1 too).
 */
interface ClientSlot {
  client: Deno.HttpClient;
  mode: "h2-trial" | "settled";
  /** Whether `client` speaks HTTP/2 only (so every request body goes out as {@link smallFrames}). */
  h2Only: boolean;
  /** Replaces an `h2-trial` client by one offering HTTP/1.1 and HTTP/2; else does nothing. */
  fallBack(): void;
}

/**
 * The largest DATA frame that Deno's HTTP/2 stack copies into its write
 * buffer: a larger one is written on its own, after the HEADERS frame.
 */
export const SMALL_FRAME_BYTES = 512;

/**
 * A request body for HTTP/2 as a stream of {@link SMALL_FRAME_BYTES} chunks,
 * all queued at once. Deno's `fetch` leaves Nagle's algorithm on (no
 * `TCP_NODELAY`), and its HTTP/2 stack (the `h2` crate, over TLS without
 * vectored writes) writes a DATA frame above 1 KiB in a write of its own
 * after the HEADERS frame: that second write waits for the server's ACK of
 * the first, which the server delays (40 ms on Linux, a whole round trip on a
 * real network). Small frames are copied into the write buffer with the
 * HEADERS and leave in one write. Measured on the test API server, an apply
 * of an 8.7 KB Pipeline: 48 ms as one body, 2–3 ms in small frames (bench/RESULTS.md).
 */
export function smallFrames(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  return new ReadableStream({
    start(controller) {
      for (let at = 0; at < bytes.length; at += SMALL_FRAME_BYTES) {
        controller.enqueue(bytes.subarray(at, at + SMALL_FRAME_BYTES));
      }
      controller.close();
    },
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `/api/v1` for the core group, else `/apis/<group>/<version>`. */
function groupVersionPath(apiVersion: string): string {
  return apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

function collectionPath(apiVersion: string, resource: Resource, namespace?: string): string {
  const ns = namespace === undefined ? "" : `/namespaces/${encodeURIComponent(namespace)}`;
  return `${groupVersionPath(apiVersion)}${ns}/${resource.name}`;
}

/** A promise's outcome as a value, so a result awaited later is never an unhandled rejection. */
function settle<T>(promise: Promise<T>): Promise<{ value: T } | { error: unknown }> {
  return promise.then((value) => ({ value }), (error: unknown) => ({ error }));
}
