/**
 * `FetchObjectClient` over https speaks HTTP/2 only until the server has
 * answered, so the requests a deploy sends at once at start share one TLS
 * connection; a server that does not offer h2 (HTTP/1.1 only, like some
 * proxies and load balancers) gets the same requests again over HTTP/1.1.
 * Proved on loopback with the test CA of fixtures/tls/, a TCP proxy in front
 * counting connections.
 */
import assert from "node:assert/strict";
import { createServer } from "node:https";
import { type LatencyProxy, startLatencyProxy } from "../../scripts/latency_proxy.ts";
import { StaticCredentials } from "../../src/k8s/credentials.ts";
import { FetchObjectClient } from "../../src/k8s/fetch_client.ts";

const TLS = new URL("../../fixtures/tls/", import.meta.url);
const cert = await Deno.readTextFile(new URL("server.pem", TLS));
const key = await Deno.readTextFile(new URL("server-key.pem", TLS));
const ca = await Deno.readTextFile(new URL("ca.pem", TLS));

/** What a fake API server answers: discovery of tekton.dev/v1, Task LISTs and GETs; an apply echoes its body. */
function answer(path: string, method = "GET", sent = ""): { status: number; body: unknown } {
  if (method === "PATCH") return { status: 200, body: JSON.parse(sent) };
  if (path === "/apis/tekton.dev/v1") {
    return {
      status: 200,
      body: { resources: [{ name: "tasks", kind: "Task", namespaced: true }] },
    };
  }
  if (path.endsWith("/tasks")) {
    return { status: 200, body: { items: [{ metadata: { name: "a" } }] } };
  }
  const name = path.split("/").at(-1);
  return { status: 200, body: { apiVersion: "tekton.dev/v1", kind: "Task", metadata: { name } } };
}

interface Server {
  port: number;
  /** HTTP versions of the requests served, in arrival order ("1.1", "2"). */
  versions: string[];
  /** The Content-Length of each PATCH ("none" for a streamed body). */
  lengths: string[];
  close(): Promise<void>;
}

/** An HTTP/2 (and HTTP/1.1) server: Deno's, which offers h2 by ALPN. */
function h2Server(): Server {
  const versions: string[] = [];
  const lengths: string[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, cert, key, onListen() {} },
    async (request) => {
      // Deno.serve does not tell the version; HTTP/2 requests carry no Connection header.
      versions.push(request.headers.has("connection") ? "1.1" : "2");
      if (request.method === "PATCH") lengths.push(request.headers.get("content-length") ?? "none");
      const sent = await request.text();
      const { status, body } = answer(new URL(request.url).pathname, request.method, sent);
      return Response.json(body, { status });
    },
  );
  return { port: server.addr.port, versions, lengths, close: () => server.shutdown() };
}

/** An HTTPS server that speaks HTTP/1.1 only (Node's `https`: no h2 in its ALPN). */
async function http1Server(): Promise<Server> {
  const versions: string[] = [];
  const lengths: string[] = [];
  const server = createServer({ cert, key }, (request, response) => {
    versions.push(request.httpVersion);
    if (request.method === "PATCH") lengths.push(request.headers["content-length"] ?? "none");
    const chunks: Uint8Array[] = [];
    request.on("data", (chunk: Uint8Array) => chunks.push(chunk));
    request.on("end", () => {
      const sent = new TextDecoder().decode(concat(chunks));
      const path = new URL(request.url ?? "/", "https://x").pathname;
      const { status, body } = answer(path, request.method, sent);
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    versions,
    lengths,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A client of `https://localhost:<proxy>` (the test certificate names localhost). */
function clientVia(proxy: LatencyProxy): FetchObjectClient {
  return new FetchObjectClient({
    server: `https://localhost:${proxy.port}`,
    caCerts: [ca],
    credentials: new StaticCredentials({}),
    headers: [],
  }, { requestTimeoutMs: 5_000 });
}

/** What a deploy sends at start, all at once: a LIST beside discovery, and GETs. */
async function burst(client: FetchObjectClient): Promise<string[]> {
  const [listed, ...got] = await Promise.all([
    client.list("tekton.dev/v1", "Task", "ns"),
    client.get("tekton.dev/v1", "Task", "ns", "b"),
    client.get("tekton.dev/v1", "Task", "ns", "c"),
    client.get("tekton.dev/v1", "Task", "ns", "d"),
  ]);
  return [...listed.map((t) => t.metadata.name), ...got.map((t) => t?.metadata.name ?? "-")];
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) out.set(chunk, at), at += chunk.length;
  return out;
}

/**
 * Applies with bodies around the sizes where HTTP/2 frames change (1 KiB,
 * the 16 KiB frame, the 64 KiB window) and multi-byte characters across the
 * 512-byte chunks: each arrives whole (the fake server echoes it).
 */
async function applies(client: FetchObjectClient): Promise<void> {
  for (const size of [0, 100, 511, 512, 513, 1100, 16_400, 70_000, 300_000]) {
    const task = {
      apiVersion: "tekton.dev/v1",
      kind: "Task",
      metadata: { name: `t${size}`, namespace: "ns" },
      spec: { description: "é€😀".repeat(size / 7) + "x".repeat(size % 7) },
    };
    const echoed = await client.apply(task, { fieldManager: "test", force: false, dryRun: false });
    assert.deepEqual(echoed, task, `a body of about ${size} bytes`);
  }
}

async function withServer(
  server: Server,
  body: (client: FetchObjectClient, proxy: LatencyProxy) => Promise<void>,
): Promise<void> {
  // 20 ms of round trip: the requests are all sent before the first handshake ends.
  const proxy = startLatencyProxy({
    target: { hostname: "127.0.0.1", port: server.port },
    latencyMs: 20,
  });
  const client = clientVia(proxy);
  try {
    await body(client, proxy);
  } finally {
    client.close();
    await proxy.close();
    await server.close();
  }
}

Deno.test("an HTTP/2 server: every request of the start-up burst on one TLS connection", async () => {
  const server = h2Server();
  await withServer(server, async (client, proxy) => {
    assert.deepEqual(await burst(client), ["a", "b", "c", "d"]);
    assert.deepEqual(await burst(client), ["a", "b", "c", "d"]);
    await applies(client);
    // Over HTTP/2 a body goes out as a stream of small frames (smallFrames): no Content-Length.
    assert.deepEqual(new Set(server.lengths), new Set(["none"]));
    assert.equal(proxy.stats.connections, 1);
    assert.ok(server.versions.length >= 9, server.versions.join(","));
    assert.deepEqual(new Set(server.versions), new Set(["2"]));
  });
});

Deno.test("an HTTP/1.1-only server: the same requests succeed over HTTP/1.1", async () => {
  const server = await http1Server();
  await withServer(server, async (client, proxy) => {
    assert.deepEqual(await burst(client), ["a", "b", "c", "d"]);
    // Later requests go straight to HTTP/1.1: no further HTTP/2 attempt.
    const before = proxy.stats.connections;
    assert.deepEqual(await burst(client), ["a", "b", "c", "d"]);
    await applies(client);
    // Over HTTP/1.1 the body is sent whole, with its length (no chunked encoding).
    assert.ok(!server.lengths.includes("none"), server.lengths.join(","));
    assert.ok(server.versions.length >= 9, server.versions.join(","));
    assert.deepEqual(new Set(server.versions), new Set(["1.1"]));
    // At least one failed h2 handshake, then HTTP/1.1 connections (kept alive,
    // reused). How many of the 4 first requests tried h2 before the first
    // failure was seen depends on timing: 1 to 4.
    assert.ok(before >= 2, `connections: ${before}`);
    assert.ok(proxy.stats.connections - before <= 4, `${proxy.stats.connections} connections`);
  });
});

Deno.test("a server that is not there: the connection error (the fallback changes nothing)", async () => {
  const server = h2Server();
  const port = server.port;
  await server.close();
  const client = new FetchObjectClient({
    server: `https://localhost:${port}`,
    caCerts: [ca],
    credentials: new StaticCredentials({}),
    headers: [],
  }, { requestTimeoutMs: 5_000 });
  try {
    await assert.rejects(client.list("tekton.dev/v1", "Task", "ns"), (error: unknown) => {
      assert.ok(error instanceof TypeError, String(error));
      assert.match(String(error.cause), /refused/i);
      return true;
    });
  } finally {
    client.close();
  }
});
