/**
 * FetchObjectClient's authentication on the wire, against plain HTTP
 * servers on loopback: the credentials of each request, one retry after a
 * 401 with refreshed credentials (never more), the Impersonate-* headers,
 * no authorization header for anonymous requests, and a kubeconfig
 * proxy-url that the requests really go through (a small forward proxy of
 * the test's own, which sees the absolute-URI request lines).
 */
import assert from "node:assert/strict";
import { stringify } from "yaml";
import { MemoryLogger } from "../_fakes/memory_logger.ts";
import {
  type Credentials,
  type CredentialSource,
  StaticCredentials,
} from "../../src/k8s/credentials.ts";
import { ApiStatusError } from "../../src/k8s/api_errors.ts";
import { FetchObjectClient } from "../../src/k8s/fetch_client.ts";
import { type Connection, resolveConnection, resolveTarget } from "../../src/k8s/kubeconfig.ts";
import { MemoryFileSystem } from "../_fakes/memory_fs.ts";

/** What the fake API server saw of one request. */
interface Seen {
  method: string;
  path: string;
  headers: Headers;
}

interface ApiServer {
  url: string;
  seen: Seen[];
  close(): Promise<void>;
}

/**
 * A fake API server serving ConfigMaps of the core group; `allow` decides
 * from a request's authorization header whether it is answered or gets 401.
 */
function apiServer(allow: (authorization: string | null) => boolean = () => true): ApiServer {
  const seen: Seen[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const url = new URL(req.url);
    seen.push({ method: req.method, path: url.pathname, headers: req.headers });
    if (!allow(req.headers.get("authorization"))) {
      return Response.json({ kind: "Status", code: 401, reason: "Unauthorized" }, { status: 401 });
    }
    if (url.pathname === "/api/v1") {
      return Response.json({
        resources: [{ name: "configmaps", kind: "ConfigMap", namespaced: true }],
      });
    }
    return Response.json({ items: [{ metadata: { name: "cm" } }] });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    seen,
    close: () => server.shutdown(),
  };
}

/** A CredentialSource handing out `tokens` in turn, counting its calls. */
class CountingCredentials implements CredentialSource {
  gets = 0;
  refreshes: Credentials[] = [];
  #index = 0;
  #current: Credentials;
  constructor(readonly tokens: string[], readonly refreshable = true) {
    this.#current = { authorization: `Bearer ${tokens[0]}` };
  }
  get(): Promise<Credentials> {
    this.gets++;
    return Promise.resolve(this.#current);
  }
  refresh(refused: Credentials): Promise<boolean> {
    this.refreshes.push(refused);
    if (!this.refreshable) return Promise.resolve(false);
    this.#index = Math.min(this.#index + 1, this.tokens.length - 1);
    this.#current = { authorization: `Bearer ${this.tokens[this.#index]}` };
    return Promise.resolve(true);
  }
}

function connection(server: string, credentials: CredentialSource): Connection {
  return { server, caCerts: [], credentials, headers: [] };
}

async function withClient<T>(
  conn: Connection,
  use: (client: FetchObjectClient) => Promise<T>,
): Promise<T> {
  const client = new FetchObjectClient(conn, { requestTimeoutMs: 5_000 });
  try {
    return await use(client);
  } finally {
    client.close();
  }
}

/** resolveTarget + resolveConnection of a one-context kubeconfig held in memory. */
async function fromKubeconfig(
  server: string,
  user: Record<string, unknown>,
  cluster: Record<string, unknown> = {},
): Promise<Connection> {
  const env = {
    fs: new MemoryFileSystem({
      "/k/config": stringify({
        clusters: [{
          name: "c",
          cluster: { server, "insecure-skip-tls-verify": true, ...cluster },
        }],
        users: [{ name: "u", user }],
        contexts: [{ name: "ctx", context: { cluster: "c", user: "u" } }],
        "current-context": "ctx",
      }),
    }),
    env: () => undefined,
    logger: new MemoryLogger(),
  };
  return await resolveConnection(await resolveTarget({ kubeconfig: "/k/config" }, env), env);
}

Deno.test("FetchObjectClient: a 401 refreshes the credentials and retries once", async (t) => {
  await t.step("refused first, accepted with the new token", async () => {
    const api = apiServer((auth) => auth === "Bearer new");
    const source = new CountingCredentials(["old", "new"]);
    try {
      const items = await withClient(
        connection(api.url, source),
        (c) => c.list("v1", "ConfigMap", "ns"),
      );
      assert.deepEqual(items.map((i) => i.metadata.name), ["cm"]);
      assert.deepEqual(
        api.seen.map((s) => [s.path, s.headers.get("authorization")]),
        [
          ["/api/v1", "Bearer old"],
          ["/api/v1", "Bearer new"],
          ["/api/v1/namespaces/ns/configmaps", "Bearer new"],
        ],
      );
      assert.deepEqual(source.refreshes, [{ authorization: "Bearer old" }]);
    } finally {
      await api.close();
    }
  });
  await t.step("refused again after the refresh: no second retry", async () => {
    const api = apiServer(() => false);
    const source = new CountingCredentials(["one", "two", "three"]);
    try {
      await assert.rejects(
        withClient(connection(api.url, source), (c) => c.list("v1", "ConfigMap", "ns")),
        (e: unknown) => e instanceof ApiStatusError && e.code === 401,
      );
      assert.deepEqual(api.seen.map((s) => s.headers.get("authorization")), [
        "Bearer one",
        "Bearer two",
      ]);
      assert.equal(source.refreshes.length, 1);
    } finally {
      await api.close();
    }
  });
  await t.step("a source that cannot refresh: ApiStatusError 401 after one request", async () => {
    const api = apiServer(() => false);
    const source = new CountingCredentials(["only"], false);
    try {
      await assert.rejects(
        withClient(connection(api.url, source), (c) => c.list("v1", "ConfigMap", "ns")),
        (e: unknown) => e instanceof ApiStatusError && e.code === 401,
      );
      assert.equal(api.seen.length, 1);
      assert.equal(source.refreshes.length, 1);
    } finally {
      await api.close();
    }
  });
  await t.step("StaticCredentials: one request, 401", async () => {
    const api = apiServer(() => false);
    try {
      await assert.rejects(
        withClient(
          connection(api.url, new StaticCredentials({ authorization: "Bearer x" })),
          (c) => c.list("v1", "ConfigMap", "ns"),
        ),
        (e: unknown) => e instanceof ApiStatusError && e.code === 401,
      );
      assert.equal(api.seen.length, 1);
    } finally {
      await api.close();
    }
  });
  await t.step("credentials are asked for before every request", async () => {
    const api = apiServer();
    const source = new CountingCredentials(["t"]);
    try {
      await withClient(connection(api.url, source), (c) => c.list("v1", "ConfigMap", "ns"));
      assert.equal(source.gets, api.seen.length);
      assert.equal(source.refreshes.length, 0);
    } finally {
      await api.close();
    }
  });
});

Deno.test("FetchObjectClient sends what the kubeconfig says, and nothing else", async (t) => {
  await t.step("Impersonate-User, -Uid, -Group and -Extra-* arrive", async () => {
    const api = apiServer();
    try {
      const conn = await fromKubeconfig(api.url, {
        token: "t",
        as: "alice",
        "as-uid": "abc123",
        "as-groups": ["devs", "ops"],
        "as-user-extra": { "example.com/scopes": ["read", "write"] },
      });
      await withClient(conn, (c) => c.list("v1", "ConfigMap", "ns"));
      assert.ok(api.seen.length > 0);
      for (const { headers } of api.seen) {
        assert.equal(headers.get("impersonate-user"), "alice");
        assert.equal(headers.get("impersonate-uid"), "abc123");
        assert.equal(headers.get("impersonate-group"), "devs, ops");
        assert.equal(headers.get("impersonate-extra-example.com%2fscopes"), "read, write");
        assert.equal(headers.get("authorization"), "Bearer t");
      }
    } finally {
      await api.close();
    }
  });
  await t.step("no authorization header for an anonymous user", async () => {
    const api = apiServer();
    try {
      const conn = await fromKubeconfig(api.url, {});
      await withClient(conn, (c) => c.list("v1", "ConfigMap", "ns"));
      assert.ok(api.seen.length > 0);
      for (const { headers } of api.seen) {
        assert.equal(headers.get("authorization"), null);
        assert.equal(headers.get("impersonate-user"), null);
      }
    } finally {
      await api.close();
    }
  });
  await t.step("basic auth arrives as such", async () => {
    const api = apiServer();
    try {
      const conn = await fromKubeconfig(api.url, { username: "admin", password: "pw" });
      await withClient(conn, (c) => c.list("v1", "ConfigMap", "ns"));
      assert.equal(api.seen[0]?.headers.get("authorization"), `Basic ${btoa("admin:pw")}`);
    } finally {
      await api.close();
    }
  });
});

/** A forward HTTP proxy on loopback that records the head of each connection's first request. */
function forwardProxy(): { url: string; heads: string[][]; close(): Promise<void> } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const heads: string[][] = [];
  const pipes: Promise<unknown>[] = [];
  const upstreams: Deno.Conn[] = [];
  const serveOne = async (client: Deno.Conn) => {
    let buffered = new Uint8Array(0);
    const chunk = new Uint8Array(16 * 1024);
    let end = -1;
    while (end < 0) {
      const n = await client.read(chunk);
      if (n === null) return;
      buffered = new Uint8Array([...buffered, ...chunk.subarray(0, n)]);
      end = new TextDecoder().decode(buffered).indexOf("\r\n\r\n");
    }
    const head = new TextDecoder().decode(buffered).slice(0, end).split("\r\n");
    heads.push(head);
    const [method, target] = head[0]!.split(" ") as [string, string];
    const authority = method === "CONNECT" ? target : new URL(target).host;
    const [hostname, port] = authority.split(":") as [string, string];
    const upstream = await Deno.connect({ hostname, port: Number(port) });
    upstreams.push(upstream);
    if (method === "CONNECT") {
      await client.write(new TextEncoder().encode("HTTP/1.1 200 Connection Established\r\n\r\n"));
      buffered = buffered.subarray(end + 4);
    }
    await upstream.write(buffered);
    // Both directions until both sides are done.
    await Promise.allSettled([
      client.readable.pipeTo(upstream.writable),
      upstream.readable.pipeTo(client.writable),
    ]);
  };
  const closeQuietly = (conn: Deno.Conn) => {
    try {
      conn.close();
    } catch { /* already closed by its stream */ }
  };
  const accepting = (async () => {
    for await (const conn of listener) {
      pipes.push(serveOne(conn).catch(() => {}).finally(() => closeQuietly(conn)));
    }
  })().catch(() => {});
  return {
    url: `http://127.0.0.1:${listener.addr.port}`,
    heads,
    close: async () => {
      listener.close();
      await accepting;
      for (const upstream of upstreams) closeQuietly(upstream);
      await Promise.all(pipes);
    },
  };
}

Deno.test("FetchObjectClient goes through the kubeconfig's proxy-url", async (t) => {
  await t.step("a plain http request: absolute-URI request line at the proxy", async () => {
    const api = apiServer();
    const proxy = forwardProxy();
    try {
      const conn = await fromKubeconfig(api.url, { token: "t" }, { "proxy-url": proxy.url });
      assert.equal(conn.proxy?.url, proxy.url);
      const items = await withClient(conn, (c) => c.list("v1", "ConfigMap", "ns"));
      assert.deepEqual(items.map((i) => i.metadata.name), ["cm"]);
      assert.ok(proxy.heads.length > 0, "the proxy saw nothing");
      assert.equal(proxy.heads[0]![0], `GET ${api.url}/api/v1 HTTP/1.1`);
      assert.ok(api.seen.length >= 2, "the API server saw nothing");
    } finally {
      await api.close();
      await proxy.close();
    }
  });
  await t.step("proxy credentials reach the proxy as Proxy-Authorization", async () => {
    const api = apiServer();
    const proxy = forwardProxy();
    try {
      const withAuth = proxy.url.replace("http://", "http://pu:pp@");
      const conn = await fromKubeconfig(api.url, { token: "t" }, { "proxy-url": withAuth });
      await withClient(conn, (c) => c.list("v1", "ConfigMap", "ns"));
      const header = proxy.heads[0]!.find((h) => /^proxy-authorization:/i.test(h));
      assert.equal(header?.replace(/^[^:]*:\s*/, ""), `Basic ${btoa("pu:pp")}`);
    } finally {
      await api.close();
      await proxy.close();
    }
  });
});
