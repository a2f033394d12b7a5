/**
 * kubeconfig.ts without a cluster: which client a context gets, how
 * credentials and relative paths resolve, and errors that never quote a
 * credential. (Merging, contexts and namespaces against real files of the
 * test environment: tests/cluster/kube_cluster_test.ts.)
 */
import assert from "node:assert/strict";
import { stringify } from "yaml";
import { ClusterError } from "../../src/errors.ts";
import { ApiStatusError, KubeApiError, toKubeError } from "../../src/k8s/errors.ts";
import { chooseClient } from "../../src/k8s/kube_cluster.ts";
import {
  loadKubeConfig,
  resolveConnection,
  unsupportedFeatures,
} from "../../src/k8s/kubeconfig.ts";

const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

/** A one-context kubeconfig in a fresh directory, with `user` and `cluster` fields merged in. */
async function kubeconfig(
  user: Record<string, unknown>,
  cluster: Record<string, unknown> = {},
): Promise<{ path: string; dir: string }> {
  const dir = await Deno.makeTempDir({ prefix: "draconctl-kubeconfig-test-" });
  const path = `${dir}/config`;
  await Deno.writeTextFile(
    path,
    stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{
        name: "c",
        cluster: {
          server: "https://127.0.0.1:6443",
          "certificate-authority-data": btoa(CA),
          ...cluster,
        },
      }],
      users: [{ name: "u", user }],
      contexts: [{ name: "ctx", context: { cluster: "c", user: "u" } }],
      "current-context": "ctx",
    }),
  );
  return { path, dir };
}

Deno.test("chooseClient() uses the fetch client unless client-node is needed", async (t) => {
  const cases: [string, Record<string, unknown>, Record<string, unknown>, string[]][] = [
    [
      "client certificate",
      { "client-certificate-data": "eA==", "client-key-data": "eA==" },
      {},
      [],
    ],
    ["token", { token: "abc" }, {}, []],
    ["basic auth", { username: "a", password: "b" }, {}, []],
    ["no user fields (anonymous)", {}, {}, []],
    [
      "exec plugin",
      { exec: { command: "/bin/echo", apiVersion: "client.authentication.k8s.io/v1" } },
      {},
      ["user.exec"],
    ],
    ["auth-provider", { "auth-provider": { name: "oidc" } }, {}, ["user.auth-provider"]],
    ["impersonation", { token: "abc", as: "admin" }, {}, ["user.as"]],
    ["proxy-url", { token: "abc" }, { "proxy-url": "http://proxy:3128" }, ["cluster.proxy-url"]],
    ["tls-server-name", { token: "abc" }, { "tls-server-name": "kubernetes" }, [
      "cluster.tls-server-name",
    ]],
    ["insecure-skip-tls-verify on https", { token: "abc" }, { "insecure-skip-tls-verify": true }, [
      "cluster.insecure-skip-tls-verify",
    ]],
    ["insecure-skip-tls-verify on plain http (no TLS to skip)", { token: "abc" }, {
      server: "http://127.0.0.1:8080",
      "insecure-skip-tls-verify": true,
    }, []],
  ];
  for (const [name, user, cluster, features] of cases) {
    await t.step(name, async () => {
      const loaded = loadKubeConfig({ kubeconfig: (await kubeconfig(user, cluster)).path });
      assert.deepEqual(unsupportedFeatures(loaded), features);
      assert.deepEqual(
        chooseClient(loaded),
        features.length ? { client: "client-node", features } : { client: "fetch" },
      );
    });
  }
});

Deno.test("resolveConnection() reads credentials like kubectl", async (t) => {
  await t.step("inline data is base64-decoded; the token is a bearer header", async () => {
    const { path } = await kubeconfig({
      "client-certificate-data": btoa("CERT"),
      "client-key-data": btoa("KEY"),
      token: "t0ken",
    });
    const connection = resolveConnection(loadKubeConfig({ kubeconfig: path }));
    assert.deepEqual(connection, {
      server: "https://127.0.0.1:6443",
      caCerts: [CA],
      clientCert: { cert: "CERT", key: "KEY" },
      authorization: "Bearer t0ken",
    });
  });
  await t.step("relative files resolve against the kubeconfig's directory", async () => {
    const { path, dir } = await kubeconfig({
      "client-certificate": "pki/client.crt",
      "client-key": "pki/client.key",
      tokenFile: "token",
    }, { "certificate-authority-data": undefined, "certificate-authority": "pki/ca.crt" });
    await Deno.mkdir(`${dir}/pki`);
    await Deno.writeTextFile(`${dir}/pki/ca.crt`, CA);
    await Deno.writeTextFile(`${dir}/pki/client.crt`, "CERT");
    await Deno.writeTextFile(`${dir}/pki/client.key`, "KEY");
    await Deno.writeTextFile(`${dir}/token`, "from-file\n");
    const connection = resolveConnection(loadKubeConfig({ kubeconfig: path }));
    assert.deepEqual(connection.caCerts, [CA]);
    assert.deepEqual(connection.clientCert, { cert: "CERT", key: "KEY" });
    assert.equal(connection.authorization, "Bearer from-file");
  });
  await t.step("username and password are basic auth", async () => {
    const { path } = await kubeconfig({ username: "ädmin", password: "pw" });
    const connection = resolveConnection(loadKubeConfig({ kubeconfig: path }));
    const bytes = new TextEncoder().encode("ädmin:pw");
    assert.equal(connection.authorization, `Basic ${btoa(String.fromCharCode(...bytes))}`);
  });
  await t.step("a missing file is named, a certificate without key refused", async () => {
    const { path, dir } = await kubeconfig({
      "client-certificate": "nope.crt",
      "client-key": "nope.key",
    });
    assert.throws(
      () => resolveConnection(loadKubeConfig({ kubeconfig: path })),
      (e: unknown) =>
        e instanceof ClusterError &&
        e.message.includes(`"${dir}/nope.crt": the file does not exist`),
    );
    const half = await kubeconfig({ "client-certificate-data": btoa("CERT") });
    assert.throws(
      () => resolveConnection(loadKubeConfig({ kubeconfig: half.path })),
      (e: unknown) =>
        e instanceof ClusterError && /client certificate but no client key/.test(e.message),
    );
  });
});

Deno.test("loadKubeConfig() refuses a broken file without quoting it", async (t) => {
  await t.step("a cluster without a server", async () => {
    const { path } = await kubeconfig({ token: "abc" }, { server: "" });
    assert.throws(
      () => loadKubeConfig({ kubeconfig: path }),
      (e: unknown) =>
        e instanceof ClusterError &&
        e.message === `Cannot load kubeconfig "${path}": clusters[0].cluster.server is missing`,
    );
  });
  await t.step("invalid YAML: line and reason, no snippet, no cause", async () => {
    const dir = await Deno.makeTempDir();
    const path = `${dir}/config`;
    await Deno.writeTextFile(
      path,
      "users:\n  - name: x\n    user:\n      token: s3cret\n   bad: [\n",
    );
    assert.throws(
      () => loadKubeConfig({ kubeconfig: path }),
      (e: unknown) =>
        e instanceof ClusterError &&
        e.message.startsWith(`Cannot load kubeconfig "${path}": invalid YAML at line `) &&
        !e.message.includes("s3cret") && e.cause === undefined,
    );
  });
  await t.step("an empty file has no current context", async () => {
    const dir = await Deno.makeTempDir();
    await Deno.writeTextFile(`${dir}/config`, "");
    assert.throws(
      () => loadKubeConfig({ kubeconfig: `${dir}/config` }),
      (e: unknown) => e instanceof ClusterError && e.message.startsWith("No current context in"),
    );
  });
});

Deno.test("toKubeError() maps the fetch client's ApiStatusError like an ApiException", () => {
  const error = toKubeError(
    new ApiStatusError(403, {
      kind: "Status",
      code: 403,
      reason: "Forbidden",
      message:
        'tasks.tekton.dev is forbidden: User "restricted" cannot list resource "tasks" in API group "tekton.dev" in the namespace "d"',
    } as never),
    { server: "https://x", kind: "Task", namespace: "d", apiVersion: "tekton.dev/v1beta1" },
  );
  assert.ok(error instanceof KubeApiError);
  assert.equal(error.status, 403);
  assert.equal(
    error.message,
    'Task/d: forbidden: user "restricted" cannot list resource "tasks" in API group "tekton.dev" in namespace "d"',
  );
});
