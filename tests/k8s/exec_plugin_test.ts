/**
 * ExecCredentials with a fake CommandRunner, fake RunPermissions and a fake
 * clock: when the plugin runs (once, again after expiry or a 401, one run
 * for concurrent requests), what it is given (args, env,
 * KUBERNETES_EXEC_INFO), and one-line errors for every way it can fail
 * that never quote what it printed.
 */
import assert from "node:assert/strict";
import { stringify } from "yaml";
import type { CommandResult } from "../../src/io/command.ts";
import { MemoryLogger } from "../_fakes/memory_logger.ts";
import { type ExecConfig, ExecCredentials, parseExecConfig } from "../../src/k8s/exec_plugin.ts";
import { resolveConnection, resolveTarget } from "../../src/k8s/kubeconfig.ts";
import { CREDENTIAL_PLUGINS } from "../../src/permissions.ts";
import { FakeClock } from "../_fakes/fake_clock.ts";
import {
  FakeCommandRunner,
  FakeRunPermissions,
  printed,
  type RunCall,
} from "../_fakes/fake_runner.ts";
import { MemoryFileSystem } from "../_fakes/memory_fs.ts";
import { refused as refusedWith } from "./_cluster_error.ts";

const V1 = "client.authentication.k8s.io/v1";
const V1BETA1 = "client.authentication.k8s.io/v1beta1";
const WHO = 'user "eks" in kubeconfig "/k/config"';
const SECRET = "s3cr3t-T0KEN-abcdef";
const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

/** A one-line ClusterError matching every `want`, never quoting the plugin's SECRET. */
const refused = (promise: Promise<unknown>, want: (string | RegExp)[]) =>
  refusedWith(promise, want, [SECRET]);

/** An ExecCredential answer of `apiVersion` with `status`. */
function credential(status: Record<string, unknown>, apiVersion = V1): unknown {
  return { kind: "ExecCredential", apiVersion, status };
}

interface Setup {
  source: ExecCredentials;
  runner: FakeCommandRunner;
  permissions: FakeRunPermissions;
  clock: FakeClock;
}

/**
 * An ExecCredentials for `exec` (defaults: `aws eks get-token`, v1, Never)
 * whose plugin answers `answer`, by default token-1, token-2, ... per run.
 */
function setup(
  exec: Record<string, unknown> = {},
  answer?: (call: RunCall, index: number) => CommandResult | Promise<CommandResult>,
  allowed: string[] = ["aws"],
): Setup {
  const config: ExecConfig = parseExecConfig(
    {
      command: "aws",
      args: ["eks", "get-token"],
      apiVersion: V1,
      interactiveMode: "Never",
      ...exec,
    },
    WHO,
    "/k",
  );
  const runner = new FakeCommandRunner(
    answer ?? ((_call, i) => printed(credential({ token: `token-${i + 1}` }))),
  );
  const permissions = new FakeRunPermissions(allowed);
  const clock = new FakeClock("2026-06-01T12:00:00Z");
  const source = new ExecCredentials(config, {
    who: WHO,
    cluster: { server: "https://api.example" },
    runner,
    permissions,
    clock,
  });
  return { source, runner, permissions, clock };
}

Deno.test("ExecCredentials runs the plugin once per run, again only when needed", async (t) => {
  await t.step("many get() calls: one run", async () => {
    const { source, runner } = setup();
    for (let i = 0; i < 5; i++) {
      assert.deepEqual(await source.get(), { authorization: "Bearer token-1" });
    }
    assert.equal(runner.calls.length, 1);
    assert.equal(source.runs, 1);
  });
  await t.step("concurrent get() calls share one run", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => release = resolve);
    const { source, runner } = setup({}, async () => {
      await gate;
      return printed(credential({ token: "shared" }));
    });
    const all = Promise.all(Array.from({ length: 8 }, () => source.get()));
    await Promise.resolve();
    release();
    const results = await all;
    assert.equal(runner.calls.length, 1);
    assert.ok(results.every((c) => c.authorization === "Bearer shared"));
  });
  await t.step("an expirationTimestamp in the past: the next get() runs it again", async () => {
    const { source, runner, clock } = setup({}, (_call, i) =>
      printed(credential({
        token: `token-${i + 1}`,
        expirationTimestamp: new Date(clock.now().getTime() + 60_000).toISOString(),
      })));
    assert.equal((await source.get()).authorization, "Bearer token-1");
    clock.advance(30_000);
    assert.equal((await source.get()).authorization, "Bearer token-1");
    assert.equal(runner.calls.length, 1);
    clock.advance(31_000);
    assert.equal((await source.get()).authorization, "Bearer token-2");
    assert.equal(runner.calls.length, 2);
    assert.equal((await source.get()).authorization, "Bearer token-2");
    assert.equal(runner.calls.length, 2);
  });
  await t.step("an answer already expired is used, and replaced on the next get()", async () => {
    const { source, runner } = setup(
      {},
      (_call, i) =>
        printed(
          credential({ token: `token-${i + 1}`, expirationTimestamp: "2020-01-01T00:00:00Z" }),
        ),
    );
    assert.equal((await source.get()).authorization, "Bearer token-1");
    assert.equal((await source.get()).authorization, "Bearer token-2");
    assert.equal(runner.calls.length, 2);
  });
  await t.step("no expirationTimestamp: never runs again by time", async () => {
    const { source, runner, clock } = setup();
    await source.get();
    clock.advance(365 * 24 * 3600_000);
    await source.get();
    assert.equal(runner.calls.length, 1);
  });
  await t.step("refresh() after a 401 runs it again", async () => {
    const { source, runner } = setup();
    const rejected = await source.get();
    assert.equal(await source.refresh(rejected), true);
    assert.equal(runner.calls.length, 2);
    assert.deepEqual(await source.get(), { authorization: "Bearer token-2" });
    assert.equal(runner.calls.length, 2);
  });
  await t.step("refresh() with stale credentials does not run it again", async () => {
    const { source, runner } = setup();
    const first = await source.get();
    await source.refresh(first);
    assert.equal(runner.calls.length, 2);
    // A second request refused with the old credentials: already refreshed.
    assert.equal(await source.refresh(first), true);
    assert.equal(runner.calls.length, 2);
    assert.equal((await source.get()).authorization, "Bearer token-2");
  });
  await t.step("two requests refused at once: one new run", async () => {
    const { source, runner } = setup();
    const first = await source.get();
    const [a, b] = await Promise.all([source.refresh(first), source.refresh(first)]);
    assert.deepEqual([a, b], [true, true]);
    const [x, y] = await Promise.all([source.get(), source.get()]);
    assert.equal(runner.calls.length, 2);
    assert.deepEqual([x.authorization, y.authorization], ["Bearer token-2", "Bearer token-2"]);
  });
  await t.step("a failed run is not cached: the next get() tries again", async () => {
    const { source, runner } = setup(
      {},
      (_call, i) => i === 0 ? printed("", 1) : printed(credential({ token: "ok" })),
    );
    await refused(source.get(), ["exit code 1"]);
    assert.equal((await source.get()).authorization, "Bearer ok");
    assert.equal(runner.calls.length, 2);
  });
});

Deno.test("ExecCredentials gives the plugin its args, env and KUBERNETES_EXEC_INFO", async (t) => {
  await t.step("args, and env added to KUBERNETES_EXEC_INFO", async () => {
    const { source, runner } = setup({
      env: [{ name: "AWS_PROFILE", value: "prod" }, { name: "EMPTY", value: "" }],
    });
    await source.get();
    const [call] = runner.calls;
    assert.equal(call?.command, "aws");
    assert.deepEqual(call?.options.args, ["eks", "get-token"]);
    const { KUBERNETES_EXEC_INFO: info, ...rest } = call!.options.env;
    assert.deepEqual(rest, { AWS_PROFILE: "prod", EMPTY: "" });
    assert.deepEqual(JSON.parse(info!), {
      kind: "ExecCredential",
      apiVersion: V1,
      spec: { interactive: false },
    });
  });
  await t.step("v1beta1 asks in v1beta1, IfAvailable never interactive", async () => {
    const { source, runner } = setup(
      { apiVersion: V1BETA1, interactiveMode: undefined },
      () => printed(credential({ token: "t" }, V1BETA1)),
    );
    await source.get();
    const info = JSON.parse(runner.calls[0]!.options.env.KUBERNETES_EXEC_INFO!);
    assert.equal(info.apiVersion, V1BETA1);
    assert.equal(info.spec.interactive, false);
  });

  /** The KUBERNETES_EXEC_INFO a plugin of a kubeconfig cluster gets, through resolveConnection. */
  async function infoFor(
    exec: Record<string, unknown>,
    cluster: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const fs = new MemoryFileSystem({
      "/k/config": stringify({
        clusters: [{ name: "c", cluster }],
        users: [{
          name: "u",
          user: { exec: { command: "aws", apiVersion: V1, interactiveMode: "Never", ...exec } },
        }],
        contexts: [{ name: "ctx", context: { cluster: "c", user: "u" } }],
        "current-context": "ctx",
      }),
      "/k/ca.crt": CA,
    });
    const runner = new FakeCommandRunner(() => printed(credential({ token: "t" })));
    const env = {
      fs,
      env: () => undefined,
      logger: new MemoryLogger(),
      clock: new FakeClock(),
      runner,
      permissions: new FakeRunPermissions(["aws"]),
    };
    const connection = await resolveConnection(
      await resolveTarget({ kubeconfig: "/k/config" }, env),
      env,
    );
    await connection.credentials.get();
    return JSON.parse(runner.calls[0]!.options.env.KUBERNETES_EXEC_INFO!);
  }
  const cluster = {
    server: "https://api.example:6443",
    "certificate-authority": "ca.crt",
    "proxy-url": "http://proxy:3128",
    extensions: [{
      name: "client.authentication.k8s.io/exec",
      extension: { audience: "foo", other: "bar" },
    }],
  };
  await t.step("spec.cluster only with provideClusterInfo", async () => {
    assert.deepEqual(await infoFor({}, cluster), {
      kind: "ExecCredential",
      apiVersion: V1,
      spec: { interactive: false },
    });
  });
  await t.step(
    "provideClusterInfo: server, CA as base64, proxy-url, the exec extension",
    async () => {
      // client-go's TestAuthConfigMerge: the extension named client.authentication.k8s.io/exec is `config`.
      assert.deepEqual(await infoFor({ provideClusterInfo: true }, cluster), {
        kind: "ExecCredential",
        apiVersion: V1,
        spec: {
          interactive: false,
          cluster: {
            server: "https://api.example:6443",
            "certificate-authority-data": btoa(CA),
            "proxy-url": "http://proxy:3128",
            config: { audience: "foo", other: "bar" },
          },
        },
      });
    },
  );
});

Deno.test("ExecCredentials returns what the plugin gave", async (t) => {
  await t.step("a token", async () => {
    const { source } = setup({}, () => printed(credential({ token: SECRET })));
    assert.deepEqual(await source.get(), { authorization: `Bearer ${SECRET}` });
  });
  await t.step("a client certificate and key", async () => {
    const { source } = setup(
      {},
      () => printed(credential({ clientCertificateData: "CERT", clientKeyData: "KEY" })),
    );
    assert.deepEqual(await source.get(), { clientCert: { cert: "CERT", key: "KEY" } });
  });
  await t.step("both", async () => {
    const { source } = setup(
      {},
      () =>
        printed(credential({ token: "t", clientCertificateData: "CERT", clientKeyData: "KEY" })),
    );
    assert.deepEqual(await source.get(), {
      authorization: "Bearer t",
      clientCert: { cert: "CERT", key: "KEY" },
    });
  });
});

Deno.test("ExecCredentials errors: one line, naming the plugin, never its output", async (t) => {
  await t.step("interactiveMode Always is refused before running", async () => {
    const { source, runner } = setup({ interactiveMode: "Always" });
    await refused(source.get(), ['"aws"', WHO, "interactiveMode: Always", "IfAvailable"]);
    assert.equal(runner.calls.length, 0);
  });
  await t.step("a plugin outside the allow-list: named, the list, how to add it", async () => {
    const { source, runner, permissions } = setup({ command: "my-plugin" }, undefined, []);
    const error = await refused(source.get(), ['"my-plugin"', WHO, CREDENTIAL_PLUGINS.join(", ")]);
    assert.match(error.hint ?? "", /--allow-run=.*my-plugin/);
    assert.match(error.hint ?? "", /docs\/kubeconfig\.md/);
    assert.deepEqual(permissions.asked, ["my-plugin"]);
    assert.equal(runner.calls.length, 0);
  });
  await t.step("a listed plugin by a path that may not run: named, with a hint", async () => {
    const { source, runner } = setup({ command: "/opt/aws/bin/aws" }, undefined, ["aws"]);
    const error = await refused(source.get(), ['"/opt/aws/bin/aws"', '"aws"', "PATH"]);
    assert.ok(error.hint, "no hint");
    assert.equal(runner.calls.length, 0);
  });
  await t.step(
    "a listed name not granted (not found on PATH at start) is not installed",
    async () => {
      const { source, runner } = setup({ installHint: "brew install awscli" }, undefined, []);
      const error = await refused(source.get(), ['"aws"', "not installed"]);
      assert.equal(error.hint, "brew install awscli");
      assert.equal(runner.calls.length, 0);
    },
  );
  await t.step("the runner refusing (NotCapable) is the same error", async () => {
    const { source } = setup({}, () => {
      throw new Deno.errors.NotCapable('Requires run access to "aws"');
    });
    await refused(source.get(), ['"aws"', "may not be run"]);
  });
  await t.step("not installed: the installHint on one line", async () => {
    const { source } = setup({
      installHint: "aws is needed.\n  Install it:\n\tbrew install awscli\n",
    }, () => {
      throw new Deno.errors.NotFound("No such file or directory (os error 2)");
    });
    const error = await refused(source.get(), ['"aws"', "not installed"]);
    assert.equal(error.hint, "aws is needed. Install it: brew install awscli");
  });
  await t.step("not installed, no installHint: a default hint", async () => {
    const { source } = setup({ command: "/opt/bin/aws" }, () => {
      throw new Deno.errors.NotFound("No such file or directory (os error 2)");
    }, ["/opt/bin/aws"]);
    const error = await refused(source.get(), ["not installed"]);
    assert.match(error.hint ?? "", /install "aws"/);
  });
  await t.step(
    "the installHint's terminal escapes are not passed on (kubectl cleans them)",
    async () => {
      // client-go's TestCreateAuthConfigExecInstallHintCleanup.
      const { source } = setup({ installHint: "some \x1b[1mbold\x1b[0m hint\x07" }, () => {
        throw new Deno.errors.NotFound("not found");
      });
      const error = await refused(source.get(), ["not installed"]);
      // deno-lint-ignore no-control-regex
      assert.doesNotMatch(error.hint ?? "", /[\x00-\x1f\x7f]/);
      assert.match(error.hint ?? "", /bold/);
    },
  );
  await t.step("a non-zero exit names the code, not the output", async () => {
    const { source } = setup({}, () => printed(credential({ token: SECRET }), 3));
    await refused(source.get(), ['"aws"', WHO, "exit code 3"]);
  });
  await t.step("a runner failing otherwise", async () => {
    const { source } = setup({}, () => {
      throw new Error("spawn failed");
    });
    await refused(source.get(), ['"aws"', "could not be started"]);
  });

  const bad: [string, string | Uint8Array, string][] = [
    ["nothing", "", "printed nothing"],
    ["garbage", `token: ${SECRET}\nnot json at all`, "not JSON"],
    ["invalid UTF-8", new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), "not JSON"],
    ["a JSON string", JSON.stringify(SECRET), "not a JSON object"],
    ["a JSON array", JSON.stringify([SECRET]), "not a JSON object"],
    ["null", "null", "not a JSON object"],
    [
      "the wrong kind",
      JSON.stringify({ kind: "Secret", apiVersion: V1, status: { token: SECRET } }),
      "kind",
    ],
    ["no kind", JSON.stringify({ apiVersion: V1, status: { token: SECRET } }), "kind"],
    ["the wrong apiVersion", JSON.stringify(credential({ token: SECRET }, V1BETA1)), V1BETA1],
    [
      "no apiVersion",
      JSON.stringify({ kind: "ExecCredential", status: { token: SECRET } }),
      "apiVersion",
    ],
    [
      "no status",
      JSON.stringify({ kind: "ExecCredential", apiVersion: V1, spec: { x: SECRET } }),
      "no status",
    ],
    [
      "status not an object",
      JSON.stringify({ kind: "ExecCredential", apiVersion: V1, status: SECRET }),
      "no status",
    ],
    [
      "neither token nor certificate",
      JSON.stringify(credential({ other: SECRET })),
      "neither a token nor a client certificate",
    ],
    [
      "an empty token",
      JSON.stringify(credential({ token: "" })),
      "neither a token nor a client certificate",
    ],
    [
      "a token that is not a string",
      JSON.stringify(credential({ token: 42, x: SECRET })),
      "status.token is not a string",
    ],
    [
      "a certificate without its key",
      JSON.stringify(credential({ clientCertificateData: SECRET })),
      "certificate without its key",
    ],
    [
      "a key without its certificate",
      JSON.stringify(credential({ clientKeyData: SECRET })),
      "key without its certificate",
    ],
    [
      "a bad expirationTimestamp",
      JSON.stringify(credential({ token: SECRET, expirationTimestamp: "soon" })),
      "expirationTimestamp is not a time",
    ],
  ];
  for (const [name, stdout, reason] of bad) {
    await t.step(`the plugin prints ${name}`, async () => {
      const { source, runner } = setup(
        {},
        () => typeof stdout === "string" ? printed(stdout) : { code: 0, stdout },
      );
      await refused(source.get(), ['"aws"', WHO, "no valid ExecCredential", reason]);
      assert.equal(runner.calls.length, 1);
    });
  }
});
