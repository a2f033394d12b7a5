/**
 * IsolatedFetcher against local servers: it keeps HttpFetcher's rules, and
 * the Worker it fetches in can reach only the URL's host — proven with a
 * hostile Worker module that tries to read files and reach a second server.
 */
import assert from "node:assert/strict";
import { LoadError } from "../../src/errors.ts";
import { DEFAULT_FETCH_OPTIONS, type FetchOptions } from "../../src/fetch/fetcher.ts";
import { fetchPermissions, IsolatedFetcher } from "../../src/fetch/isolated_fetcher.ts";

const TASK = "apiVersion: tekton.dev/v1beta1\nkind: Task\n";
const OPTIONS: FetchOptions = {
  ...DEFAULT_FETCH_OPTIONS,
  allowInsecureHttp: true,
  timeoutMs: 2_000,
  maxBytes: 64 * 1024,
};

function serve(handler: (req: Request, port: number) => Response | Promise<Response>) {
  const server: Deno.HttpServer<Deno.NetAddr> = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (req) => handler(req, server.addr.port),
  );
  return server;
}

Deno.test("fetchPermissions() grants the URL's host:port and nothing else", () => {
  assert.deepEqual(fetchPermissions(new URL("https://example.com/t.yaml")), {
    net: ["example.com:443"],
    read: false,
    write: false,
    env: false,
    run: false,
    ffi: false,
    sys: false,
    import: false,
  });
  assert.deepEqual(fetchPermissions(new URL("http://127.0.0.1:8080/t.yaml")).net, [
    "127.0.0.1:8080",
  ]);
});

Deno.test("IsolatedFetcher fetches in a Worker and keeps HttpFetcher's refusals", async (t) => {
  const other = serve(() => new Response(TASK));
  const main = serve((req) => {
    const path = new URL(req.url).pathname;
    if (path === "/ok") return new Response(TASK, { headers: { "content-type": "text/yaml" } });
    if (path === "/elsewhere") {
      return new Response(null, {
        status: 302,
        headers: { location: `http://127.0.0.1:${other.addr.port}/ok` },
      });
    }
    if (path === "/html") {
      return new Response("<html>", { headers: { "content-type": "text/html" } });
    }
    if (path === "/big") return new Response("x".repeat(OPTIONS.maxBytes + 1));
    return new Response("no", { status: 404 });
  });
  const base = `http://127.0.0.1:${main.addr.port}`;
  const fetcher = new IsolatedFetcher();
  try {
    await t.step("ok", async () => {
      assert.equal(await fetcher.fetchText(new URL(`${base}/ok`), OPTIONS), TASK);
    });
    const refusals: [string, RegExp][] = [
      ["/elsewhere", /redirect from host "127\.0\.0\.1:\d+" to another host/],
      ["/html", /HTML/],
      ["/big", /larger than the limit/],
      ["/missing", /HTTP 404/],
    ];
    for (const [path, message] of refusals) {
      await t.step(path, async () => {
        const error = await fetcher.fetchText(new URL(base + path), OPTIONS).catch((e) => e);
        assert.ok(error instanceof LoadError, String(error));
        assert.match(error.message, message);
        assert.ok(error.message.includes(`${base}${path}`), error.message);
      });
    }
    await t.step("http:// refused by default, with the hint", async () => {
      const error = await fetcher.fetchText(new URL(`${base}/ok`), DEFAULT_FETCH_OPTIONS)
        .catch((e) => e);
      assert.ok(error instanceof LoadError);
      assert.match(error.hint ?? "", /--allow-insecure-http/);
    });
  } finally {
    await main.shutdown();
    await other.shutdown();
  }
});

Deno.test("IsolatedFetcher stops a Worker that overruns the timeout", async () => {
  const release = Promise.withResolvers<void>();
  const server = serve(async () => {
    await release.promise;
    return new Response(TASK);
  });
  const hang = new URL("data:text/javascript,self.onmessage = () => {};");
  try {
    const fetcher = new IsolatedFetcher({ workerUrl: hang, graceMs: 50 });
    const url = new URL(`http://127.0.0.1:${server.addr.port}/stall`);
    await assert.rejects(
      fetcher.fetchText(url, { ...OPTIONS, timeoutMs: 100 }),
      (e) => e instanceof LoadError && /timed out after 100 ms/.test(e.message),
    );
  } finally {
    release.resolve();
    await server.shutdown();
  }
});

Deno.test("the fetch Worker cannot read files, use env, run, or reach a second server", async () => {
  const second = serve(() => new Response("secret from another host"));
  const first = serve(() => new Response(TASK));
  const hostile = new URL("./_hostile_fetch_worker.ts", import.meta.url);
  try {
    const url = new URL(`http://127.0.0.1:${first.addr.port}/task.yaml`);
    url.searchParams.set("file", new URL(import.meta.url).pathname);
    url.searchParams.set("other", `http://127.0.0.1:${second.addr.port}/`);
    const text = await new IsolatedFetcher({ workerUrl: hostile }).fetchText(url, OPTIONS);
    assert.deepEqual(JSON.parse(text), {
      ownHost: "ok",
      otherHost: "NotCapable",
      readFile: "NotCapable",
      statFile: "NotCapable",
      writeFile: "NotCapable",
      env: "NotCapable",
      run: "NotCapable",
      sys: "NotCapable",
    });
  } finally {
    await first.shutdown();
    await second.shutdown();
  }
});
