import assert from "node:assert/strict";
import { LoadError } from "../../src/errors.ts";
import { DEFAULT_FETCH_OPTIONS, type FetchOptions } from "../../src/fetch/fetcher.ts";
import { HttpFetcher } from "../../src/fetch/http_fetcher.ts";
import { redactUrl } from "../../src/base/redact.ts";

const TASK = "apiVersion: tekton.dev/v1beta1\nkind: Task\n";
const OPTIONS: FetchOptions = {
  ...DEFAULT_FETCH_OPTIONS,
  allowInsecureHttp: true,
  timeoutMs: 2_000,
  maxBytes: 64 * 1024,
};

/** A local server with one route per behaviour; `close()` releases stalled requests. */
function startServer() {
  const release = Promise.withResolvers<void>();
  let endlessCancelled = false;
  const server: Deno.HttpServer<Deno.NetAddr> = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen() {},
  }, async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    const port: number = server.addr.port;
    const yaml = { "content-type": "application/yaml" };
    switch (url.pathname) {
      case "/ok":
        return new Response(TASK, { headers: yaml });
      case "/missing":
        return new Response("no", { status: 404 });
      case "/broken":
        return new Response("boom", { status: 500 });
      case "/hop":
        return new Response(null, { status: 302, headers: { location: "/ok" } });
      case "/elsewhere":
        return new Response(null, {
          status: 301,
          headers: { location: `http://localhost:${port}/ok?token=s3cret` },
        });
      case "/loop":
        return new Response(null, { status: 307, headers: { location: "/loop" } });
      case "/no-location":
        return new Response(null, { status: 302 });
      case "/html":
        return new Response("<html></html>", {
          headers: { "content-type": "text/html; charset=utf-8" },
        });
      case "/big":
        return new Response("x".repeat(OPTIONS.maxBytes + 1), { headers: yaml });
      case "/endless": {
        const chunk = new Uint8Array(16 * 1024).fill(0x61);
        const body = new ReadableStream<Uint8Array>({
          pull(controller) {
            controller.enqueue(chunk);
          },
          cancel() {
            endlessCancelled = true;
          },
        });
        return new Response(body, { headers: yaml });
      }
      case "/stall":
        await release.promise;
        return new Response(TASK);
      case "/stall-body": {
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode("kind: "));
          },
        });
        return new Response(body, { headers: yaml });
      }
      case "/latin1":
        return new Response(new Uint8Array([0x6b, 0x3a, 0x20, 0xe9, 0x0a]), { headers: yaml });
      case "/bom":
        return new Response(`\uFEFF${TASK}`, { headers: yaml });
      default:
        return new Response("?", { status: 400 });
    }
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  return {
    url: (path: string) => new URL(path, base),
    host: `127.0.0.1:${server.addr.port}`,
    port: server.addr.port,
    get endlessCancelled() {
      return endlessCancelled;
    },
    async close() {
      release.resolve();
      await server.shutdown();
    },
  };
}

async function rejectsWith(
  promise: Promise<unknown>,
  substring: string,
): Promise<LoadError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof LoadError, `expected LoadError, got ${error}`);
    assert.ok(
      error.message.includes(substring),
      `message ${JSON.stringify(error.message)} lacks ${JSON.stringify(substring)}`,
    );
    return error;
  }
  throw new Error("fetchText() did not throw");
}

Deno.test("HttpFetcher.fetchText() against a local server", async (t) => {
  const server = startServer();
  const fetcher = new HttpFetcher();
  const get = (path: string, options: Partial<FetchOptions> = {}) =>
    fetcher.fetchText(server.url(path), { ...OPTIONS, ...options });
  try {
    await t.step("returns the body on 200", async () => {
      assert.equal(await get("/ok"), TASK);
    });
    await t.step("refuses 404 with the status", async () => {
      await rejectsWith(get("/missing"), "server answered HTTP 404 Not Found");
    });
    await t.step("refuses 500 with the status", async () => {
      await rejectsWith(get("/broken"), "HTTP 500");
    });
    await t.step("follows a redirect on the same host", async () => {
      assert.equal(await get("/hop"), TASK);
    });
    await t.step("refuses a redirect to another host, naming both, redacted", async () => {
      const error = await rejectsWith(get("/elsewhere"), `from host "${server.host}"`);
      assert.ok(error.message.includes(`another host "localhost:${server.port}"`), error.message);
      assert.ok(!error.message.includes("s3cret"));
    });
    await t.step("stops after 5 redirects", async () => {
      await rejectsWith(get("/loop"), "more than 5 redirects");
    });
    await t.step("refuses a redirect without Location", async () => {
      await rejectsWith(get("/no-location"), "no Location header");
    });
    await t.step("refuses HTML", async () => {
      const error = await rejectsWith(get("/html"), "returned HTML, not YAML");
      assert.ok(error.hint);
    });
    await t.step("refuses a body over maxBytes", async () => {
      await rejectsWith(get("/big"), `larger than the limit of ${OPTIONS.maxBytes} bytes`);
    });
    await t.step("aborts an endless body quickly", async () => {
      const start = performance.now();
      await rejectsWith(get("/endless"), "larger than the limit");
      assert.ok(performance.now() - start < 1_500, "took too long");
      for (let i = 0; i < 50 && !server.endlessCancelled; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.ok(server.endlessCancelled, "the server's stream was not cancelled");
    });
    await t.step("times out when the server stalls before headers", async () => {
      const start = performance.now();
      await rejectsWith(get("/stall", { timeoutMs: 200 }), "timed out after 200 ms");
      assert.ok(performance.now() - start < 1_500, "took too long");
    });
    await t.step("times out when the body stalls", async () => {
      await rejectsWith(get("/stall-body", { timeoutMs: 200 }), "timed out after 200 ms");
    });
    await t.step("refuses invalid UTF-8", async () => {
      await rejectsWith(get("/latin1"), "not valid UTF-8");
    });
    await t.step("keeps a byte-order mark so digests match the bytes served", async () => {
      assert.equal(await get("/bom"), `\uFEFF${TASK}`);
    });
    await t.step("refuses http:// unless allowed, before any request", async () => {
      const error = await rejectsWith(get("/ok", { allowInsecureHttp: false }), "plain HTTP");
      assert.match(error.hint ?? "", /--allow-insecure-http/);
    });
  } finally {
    await server.close();
  }
});

Deno.test("HttpFetcher.fetchText() with an injected fetch", async (t) => {
  await t.step("refuses an https to http downgrade on the same host", async () => {
    const fake: typeof fetch = (input) => {
      const url = String(input);
      assert.ok(url.startsWith("https://"), `requested ${url}`);
      return Promise.resolve(
        new Response(null, { status: 302, headers: { location: "http://example.com/t.yaml" } }),
      );
    };
    const fetcher = new HttpFetcher(fake);
    await rejectsWith(
      fetcher.fetchText(new URL("https://example.com/t.yaml"), OPTIONS),
      'redirect from https to "http://example.com/t.yaml" is refused',
    );
  });
  await t.step("refuses credentials without showing them", async () => {
    const fetcher = new HttpFetcher(() => Promise.reject(new Error("must not fetch")));
    const error = await rejectsWith(
      fetcher.fetchText(new URL("https://bob:pw@example.com/t.yaml"), OPTIONS),
      "credentials",
    );
    assert.ok(!error.message.includes("pw@"), error.message);
  });
  await t.step("refuses other schemes", async () => {
    const fetcher = new HttpFetcher(() => Promise.reject(new Error("must not fetch")));
    await rejectsWith(fetcher.fetchText(new URL("ftp://example.com/t"), OPTIONS), '"ftp:"');
  });
  await t.step("wraps a network error, redacting the URL in it", async () => {
    const target = "https://example.com/t.yaml?token=abc";
    const fetcher = new HttpFetcher(() =>
      Promise.reject(new TypeError(`error sending request for url (${target})`))
    );
    const error = await rejectsWith(fetcher.fetchText(new URL(target), OPTIONS), "request failed");
    assert.ok(!error.message.includes("abc"), error.message);
  });
  await t.step("refuses a declared Content-Length over the limit", async () => {
    const fetcher = new HttpFetcher(() =>
      Promise.resolve(new Response("x", { headers: { "content-length": "999999999" } }))
    );
    await rejectsWith(
      fetcher.fetchText(new URL("https://example.com/t.yaml"), OPTIONS),
      "larger than the limit",
    );
  });
});

Deno.test("redactUrl() hides userinfo and query values", () => {
  assert.equal(
    redactUrl("https://u:p@example.com/t.yaml?token=abc&x=1#f"),
    "https://***@example.com/t.yaml?token=***&x=***#f",
  );
  assert.equal(redactUrl(new URL("https://example.com/a")), "https://example.com/a");
});
