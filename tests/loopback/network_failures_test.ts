/**
 * Component URLs that fail below HTTP, for real on loopback: each must name
 * its cause (not "fetch failed") and carry the hint for it, through the
 * {@link HttpFetcher} and through the {@link IsolatedFetcher}'s Worker.
 */
import assert from "node:assert/strict";
import { LoadError } from "../../src/errors.ts";
import { DEFAULT_FETCH_OPTIONS } from "../../src/fetch/fetcher.ts";
import type { Fetcher } from "../../src/fetch/fetcher.ts";
import { HttpFetcher } from "../../src/fetch/http_fetcher.ts";
import { IsolatedFetcher } from "../../src/fetch/isolated_fetcher.ts";

const TLS = new URL("../../fixtures/tls/", import.meta.url);
const OPTIONS = { ...DEFAULT_FETCH_OPTIONS, allowInsecureHttp: true, timeoutMs: 3_000 };

/** A port nothing listens on. */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  return port;
}

/** A TCP server that reads a little, then closes every connection without answering. */
function resettingServer(): { port: number; close: () => void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  (async () => {
    for await (const conn of listener) {
      await conn.read(new Uint8Array(16)).catch(() => null);
      conn.close();
    }
  })().catch(() => {});
  return { port: listener.addr.port, close: () => listener.close() };
}

async function failure(fetcher: Fetcher, url: string): Promise<LoadError> {
  const error = await fetcher.fetchText(new URL(url), OPTIONS).then(
    () => assert.fail(`${url} was fetched`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof LoadError, `a LoadError: ${error}`);
  assert.ok(!error.message.includes("fetch failed"), error.message);
  return error;
}

Deno.test("a component URL that fails below HTTP names its cause and the remedy", async (t) => {
  const tls = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: await Deno.readTextFile(new URL("server.pem", TLS)),
    key: await Deno.readTextFile(new URL("server-key.pem", TLS)),
    onListen() {},
  }, () => new Response("kind: Task\n"));
  const reset = resettingServer();
  const plain = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response("kind: Task\n"),
  );
  try {
    for (
      const [name, fetcher] of [["in-process", new HttpFetcher()], [
        "isolated",
        new IsolatedFetcher(),
      ]] as const
    ) {
      await t.step(`${name}: connection refused`, async () => {
        const port = closedPort();
        const error = await failure(fetcher, `https://127.0.0.1:${port}/task.yaml`);
        assert.match(
          error.message,
          /^Cannot load "https:\/\/127\.0\.0\.1:\d+\/task\.yaml": connection refused$/,
        );
        assert.match(error.hint ?? "", new RegExp(`127\\.0\\.0\\.1:${port}`));
      });
      await t.step(`${name}: an untrusted certificate hints at DENO_CERT`, async () => {
        const error = await failure(fetcher, `https://localhost:${tls.addr.port}/task.yaml`);
        assert.match(
          error.message,
          /TLS certificate is not trusted \(signed by an unknown authority\)/,
        );
        assert.match(error.hint ?? "", /DENO_CERT=/);
      });
      await t.step(`${name}: a connection closed before any answer`, async () => {
        const error = await failure(fetcher, `http://127.0.0.1:${reset.port}/task.yaml`);
        assert.match(error.message, /the connection was reset before the server answered/);
      });
      await t.step(`${name}: https:// to a plain HTTP port`, async () => {
        const error = await failure(fetcher, `https://127.0.0.1:${plain.addr.port}/task.yaml`);
        assert.match(error.message, /TLS handshake failed/);
      });
    }
  } finally {
    reset.close();
    await tls.shutdown();
    await plain.shutdown();
  }
});
