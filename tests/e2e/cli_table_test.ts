/**
 * The CLI test table run against the product as it ships (tests/e2e/_product.ts):
 * every bad-input case that needs no injected fetcher, the golden dry runs,
 * --output-file, --version, and a hostile HTTPS server (self-signed CA given
 * through DENO_CERT) whose every trick must end in a clear error.
 */
import assert from "node:assert/strict";
import { BAD_INPUT_CASES, badInputArgs } from "../cli/_bad_cases.ts";
import { DRACON_ROOT, fixture } from "../cli/_cli.ts";
import { BINARY, runProduct, TASK } from "./_product.ts";

const TLS = new URL("../../fixtures/tls/", import.meta.url).pathname;

Deno.test(`bad input fails with its exit code and message (${BINARY ?? "deno run"})`, async (t) => {
  for (const c of BAD_INPUT_CASES) {
    if (c.fetcher !== undefined || c.fs !== undefined || c.fakeNetwork === true) continue;
    await t.step(c.name, async () => {
      const result = await runProduct(badInputArgs(c), c.env);
      assert.equal(result.code, c.exit, `exit code; stderr:\n${result.stderr}`);
      assert.equal(result.stdout, "");
      assert.ok(result.stderr.startsWith("error: "), result.stderr);
      for (const part of c.message) {
        assert.ok(result.stderr.includes(part), `expected "${part}" in:\n${result.stderr}`);
      }
      assert.ok(!result.stderr.includes("    at "), `no stack trace:\n${result.stderr}`);
    });
  }
});

Deno.test("golden dry runs, --output-file and --version work with the shipped permissions", async (t) => {
  for (const name of ["golang-project", "no-enrichers"]) {
    await t.step(name, async () => {
      const result = await runProduct([
        "pipelines",
        "deploy",
        `fixtures/pipelines/${name}`, // as typed in the repository root, as the goldens record it
        "--base-dir",
        DRACON_ROOT,
        "--dry-run",
      ]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(
        result.stdout,
        await Deno.readTextFile(fixture(`pipelines/${name}/expected.yaml`)),
      );
    });
  }
  await t.step("--output-file", async () => {
    const out = `${await Deno.makeTempDir()}/out.yaml`;
    const result = await runProduct([
      "pipelines",
      "deploy",
      "fixtures/pipelines/no-enrichers",
      "--base-dir",
      DRACON_ROOT,
      "--dry-run",
      "--output-file",
      out,
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      await Deno.readTextFile(out),
      await Deno.readTextFile(fixture("pipelines/no-enrichers/expected.yaml")),
    );
  });
  await t.step("--version and version", async () => {
    for (const args of [["--version"], ["version"]]) {
      const result = await runProduct(args);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^draconctl \d+\.\d+\.\d+ \(deno \d+\.\d+\.\d+, commit \S+\)\n$/);
    }
  });
  await t.step("a credential plugin outside the allow-list is named, never run", async () => {
    // `true` is not a listed credential plugin: refused before anything runs.
    const dir = await Deno.makeTempDir();
    await Deno.writeTextFile(
      `${dir}/kustomization.yaml`,
      "nameSuffix: -x\ncomponents: [task.yaml]\n",
    );
    await Deno.writeTextFile(`${dir}/task.yaml`, TASK);
    await Deno.writeTextFile(`${dir}/kubeconfig`, EXEC_KUBECONFIG);
    const result = await runProduct([
      "--kubeconfig",
      `${dir}/kubeconfig`,
      "-n",
      "default",
      "pipelines",
      "deploy",
      dir,
      "--request-timeout",
      "2s",
    ]);
    assert.equal(result.code, 5, result.stderr);
    assert.match(
      result.stderr,
      /^error: The credential plugin "true" of user "u" in kubeconfig "[^"]+" is not among the credential plugins draconctl may run \(aws, .*\)\nhint: run draconctl from source with the plugin added: .*,true main\.ts/,
      result.stderr,
    );
    assert.ok(!result.stderr.includes("    at "), `no stack trace:\n${result.stderr}`);
  });
});

const EXEC_KUBECONFIG = `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:9"}}]
users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: "true", interactiveMode: Never}}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`;

Deno.test("a hostile HTTPS server gets a clear error for each trick, and nothing is printed", async (t) => {
  const cert = await Deno.readTextFile(`${TLS}server.pem`);
  const key = await Deno.readTextFile(`${TLS}server-key.pem`);
  const release = Promise.withResolvers<void>();
  const other = Deno.serve(
    { hostname: "127.0.0.1", port: 0, cert, key, onListen() {} },
    () => new Response(TASK),
  );
  const server: Deno.HttpServer<Deno.NetAddr> = Deno.serve(
    { hostname: "127.0.0.1", port: 0, cert, key, onListen() {} },
    async (req) => {
      switch (new URL(req.url).pathname) {
        case "/ok/task.yaml":
          return new Response(TASK);
        case "/redirect/task.yaml":
          return Response.redirect(`https://localhost:${other.addr.port}/task.yaml`, 302);
        case "/huge/task.yaml":
          return new Response(new Uint8Array(10 * 1024 * 1024).fill(0x23));
        case "/stall/task.yaml":
          await release.promise;
          return new Response(TASK);
        case "/html/task.yaml":
          return new Response("<html></html>", { headers: { "content-type": "text/html" } });
        default:
          return new Response("no", { status: 404 });
      }
    },
  );
  const base = `https://127.0.0.1:${server.addr.port}`;
  const digest = "0".repeat(64);
  const cases: { name: string; ref: string; message: RegExp; flags?: string[] }[] = [
    { name: "redirect to another host", ref: `${base}/redirect/`, message: /another host/ },
    { name: "10 MB body", ref: `${base}/huge/`, message: /larger than the limit of 1048576 bytes/ },
    {
      name: "stall",
      ref: `${base}/stall/`,
      message: /timed out after 1000 ms/,
      flags: ["--fetch-timeout", "1s"],
    },
    { name: "HTML", ref: `${base}/html/`, message: /returned HTML/ },
    {
      name: "digest differs",
      ref: `${base}/ok/task.yaml#sha256=${digest}`,
      message: new RegExp(`expected "${digest}", got "[0-9a-f]{64}"`),
    },
  ];
  try {
    await t.step("a good Task is fetched (the CA is trusted)", async () => {
      const result = await deployRef(`${base}/ok/`, []);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /kind: Task/);
    });
    for (const c of cases) {
      await t.step(c.name, async () => {
        const result = await deployRef(c.ref, c.flags ?? []);
        assert.equal(result.code, 4, result.stderr);
        assert.equal(result.stdout, "", "nothing is printed");
        assert.match(result.stderr, c.message);
        assert.ok(result.stderr.includes(base), result.stderr);
      });
    }
  } finally {
    release.resolve();
    await server.shutdown();
    await other.shutdown();
  }
});

async function deployRef(ref: string, flags: string[]) {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(
    `${dir}/kustomization.yaml`,
    `nameSuffix: -x\ncomponents:\n  - "${ref}"\n`,
  );
  return await runProduct(["pipelines", "deploy", dir, "--dry-run", ...flags], {
    DENO_CERT: `${TLS}ca.pem`,
  });
}
