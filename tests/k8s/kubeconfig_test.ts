/**
 * kubeconfig.ts without a cluster, on an in-memory filesystem: which files
 * are read and how they merge, the context, cluster and user chosen, the
 * kubectl connection flags on top, in-cluster configuration, impersonation,
 * unknown fields, and what `resolveConnection` makes of it all. Errors are
 * one line, name the field or file, and never quote a credential. The shapes
 * follow client-go's own tests (tools/clientcmd loader_test.go,
 * client_config_test.go, merged_client_builder_test.go) where draconctl
 * supports them.
 */
import assert from "node:assert/strict";
import { stringify } from "yaml";
import { MemoryLogger } from "../_fakes/memory_logger.ts";
import { toKubeError } from "../../src/k8s/errors.ts";
import { ApiStatusError, KubeApiError } from "../../src/k8s/api_errors.ts";
import { ExecCredentials } from "../../src/k8s/exec_plugin.ts";
import {
  type Connection,
  type ConnectionFlags,
  type KubeConfigEnv,
  resolveConnection,
  resolveTarget,
  type Target,
} from "../../src/k8s/kubeconfig.ts";
import { TokenFileCredentials } from "../../src/k8s/credentials.ts";
import { FakeClock } from "../_fakes/fake_clock.ts";
import { FakeCommandRunner, FakeRunPermissions } from "../_fakes/fake_runner.ts";
import { MemoryFileSystem } from "../_fakes/memory_fs.ts";
import { refused } from "./_cluster_error.ts";

const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const OTHER_CA = "-----BEGIN CERTIFICATE-----\nOTHER\n-----END CERTIFICATE-----\n";
const SERVER = "https://127.0.0.1:6443";
const FILE = "/k/config";

type World = KubeConfigEnv & { fs: MemoryFileSystem; logger: MemoryLogger };

/** An environment with `files` and the variables `vars`; the service account lives in /sa. */
function world(files: Record<string, string> = {}, vars: Record<string, string> = {}): World {
  return {
    fs: new MemoryFileSystem(files),
    env: (name) => vars[name],
    logger: new MemoryLogger(),
    clock: new FakeClock(),
    runner: new FakeCommandRunner(() => {
      throw new Error("no credential plugin should run in these tests");
    }),
    permissions: new FakeRunPermissions([]),
    serviceAccountDir: "/sa",
    cwd: "/work",
  };
}

/** A one-context kubeconfig (context "ctx", cluster "c", user "u") with fields merged in. */
function oneContext(
  user: Record<string, unknown> = {},
  cluster: Record<string, unknown> = {},
  context: Record<string, unknown> = {},
): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{
      name: "c",
      cluster: { server: SERVER, "certificate-authority-data": btoa(CA), ...cluster },
    }],
    users: [{ name: "u", user }],
    contexts: [{ name: "ctx", context: { cluster: "c", user: "u", ...context } }],
    "current-context": "ctx",
  });
}

async function connect(
  w: World,
  flags: ConnectionFlags = { kubeconfig: FILE },
): Promise<{ target: Target; connection: Connection }> {
  const target = await resolveTarget(flags, w);
  return { target, connection: await resolveConnection(target, w) };
}

function basic(user: string, password: string): string {
  return `Basic ${btoa(String.fromCharCode(...new TextEncoder().encode(`${user}:${password}`)))}`;
}

/** A JWT whose payload is `claims` (the signature is not checked by anyone). */
function jwt(claims: Record<string, unknown>): string {
  const part = (v: unknown) =>
    btoa(JSON.stringify(v)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  return `${part({ alg: "RS256" })}.${part(claims)}.s1gnatureS3cret`;
}

Deno.test("resolveConnection() reads credentials like kubectl", async (t) => {
  await t.step("inline data is base64-decoded; the token is a bearer header", async () => {
    const w = world({
      [FILE]: oneContext({
        "client-certificate-data": btoa("CERT"),
        "client-key-data": btoa("KEY"),
        token: "t0ken",
      }),
    });
    const { connection } = await connect(w);
    assert.equal(connection.server, SERVER);
    assert.deepEqual(connection.caCerts, [CA]);
    assert.deepEqual(connection.headers, []);
    assert.equal(connection.proxy, undefined);
    assert.deepEqual(await connection.credentials.get(), {
      clientCert: { cert: "CERT", key: "KEY" },
      authorization: "Bearer t0ken",
    });
  });
  await t.step("relative files resolve against the kubeconfig's directory", async () => {
    const w = world({
      [FILE]: oneContext({
        "client-certificate": "pki/client.crt",
        "client-key": "../k/pki/client.key",
        tokenFile: "token",
      }, { "certificate-authority-data": undefined, "certificate-authority": "pki/ca.crt" }),
      "/k/pki/ca.crt": CA,
      "/k/pki/client.crt": "CERT",
      "/k/pki/client.key": "KEY",
      "/k/token": "from-file\n",
    });
    const { connection } = await connect(w);
    assert.deepEqual(connection.caCerts, [CA]);
    assert.ok(connection.credentials instanceof TokenFileCredentials);
    assert.deepEqual(await connection.credentials.get(), {
      clientCert: { cert: "CERT", key: "KEY" },
      authorization: "Bearer from-file",
    });
  });
  await t.step("a token file wins over the token beside it (client-go's transport)", async () => {
    const w = world({
      [FILE]: oneContext({ token: "inline", tokenFile: "/k/token" }),
      "/k/token": "file",
    });
    const { connection } = await connect(w);
    assert.equal((await connection.credentials.get()).authorization, "Bearer file");
  });
  await t.step("username and password are basic auth", async () => {
    const w = world({ [FILE]: oneContext({ username: "ädmin", password: "pw" }) });
    const { connection } = await connect(w);
    assert.deepEqual(await connection.credentials.get(), { authorization: basic("ädmin", "pw") });
  });
  await t.step("a user with no fields is anonymous", async () => {
    const { connection } = await connect(world({ [FILE]: oneContext({}) }));
    assert.deepEqual(await connection.credentials.get(), {});
  });
  await t.step("a missing file is named, a certificate without key refused", async () => {
    const missing = world({
      [FILE]: oneContext({ "client-certificate": "nope.crt", "client-key": "nope.key" }),
    });
    await refused(connect(missing), [`"/k/nope.crt": the file does not exist`, 'user "u"']);
    const half = world({ [FILE]: oneContext({ "client-certificate-data": btoa("CERT") }) });
    await refused(connect(half), ["client certificate but no client key"]);
    const keyOnly = world({ [FILE]: oneContext({ "client-key-data": btoa("KEY") }) });
    await refused(connect(keyOnly), ["client key but no client certificate"]);
  });
  await t.step("broken base64 names the field, never its value", async () => {
    const w = world({ [FILE]: oneContext({}, { "certificate-authority-data": "%%s3cret%%" }) });
    await refused(connect(w), ["certificate-authority-data", 'cluster "c"'], ["s3cret"]);
  });
});

Deno.test("kubeconfig files: --kubeconfig, KUBECONFIG merged in order, ~/.kube/config", async (t) => {
  const fileA = stringify({
    clusters: [{ name: "shared", cluster: { server: "https://a.example:6443" } }],
    users: [{ name: "alice", user: { "client-certificate": "a.crt", "client-key": "a.key" } }],
    contexts: [{ name: "in-a", context: { cluster: "shared", user: "alice", namespace: "ns-a" } }],
  });
  const fileB = stringify({
    clusters: [
      { name: "shared", cluster: { server: "https://b.example:6443" } },
      { name: "only-b", cluster: { server: "https://only-b.example:6443" } },
    ],
    users: [
      { name: "alice", user: { token: "from-b" } },
      { name: "bob", user: { "client-certificate": "pki/b.crt", "client-key": "pki/b.key" } },
    ],
    contexts: [
      { name: "in-b", context: { cluster: "only-b", user: "bob" } },
      { name: "in-a", context: { cluster: "only-b", user: "bob" } },
    ],
    "current-context": "in-b",
  });
  const files = {
    "/a/config": fileA,
    "/a/a.crt": "A-CERT",
    "/a/a.key": "A-KEY",
    "/b/config": fileB,
    "/b/pki/b.crt": "B-CERT",
    "/b/pki/b.key": "B-KEY",
  };
  const vars = { KUBECONFIG: "/a/config:/missing/config::/b/config", HOME: "/home/me" };

  await t.step(
    "missing files are skipped; current-context from the first file setting it",
    async () => {
      const w = world(files, vars);
      const { target, connection } = await connect(w, {});
      assert.equal(target.source, "kubeconfig");
      assert.deepEqual(target.files, ["/a/config", "/b/config"]);
      assert.deepEqual(target.contexts, ["in-a", "in-b"]);
      assert.equal(target.context, "in-b");
      assert.equal(target.namespace, "default");
      assert.equal(connection.server, "https://only-b.example:6443");
      // bob comes from /b/config: his relative paths resolve against /b.
      assert.deepEqual((await connection.credentials.get()).clientCert, {
        cert: "B-CERT",
        key: "B-KEY",
      });
    },
  );
  await t.step("the first file defining a name wins, with its own directory", async () => {
    const w = world(files, vars);
    const { target, connection } = await connect(w, { context: "in-a" });
    assert.equal(target.namespace, "ns-a");
    assert.equal(connection.server, "https://a.example:6443");
    assert.deepEqual(await connection.credentials.get(), {
      clientCert: { cert: "A-CERT", key: "A-KEY" },
    });
  });
  await t.step("the current context of the first file wins over a later one", async () => {
    const withCurrent = stringify({ ...{ "current-context": "in-a" } });
    const w = world({ ...files, "/c/config": withCurrent }, {
      KUBECONFIG: "/c/config:/b/config:/a/config",
    });
    const { target } = await connect(w, {});
    assert.equal(target.context, "in-a");
    // in-a of /b/config (read before /a/config) wins.
    assert.equal(target.cluster.name, "only-b");
  });
  await t.step("-n wins over the context's namespace", async () => {
    const { target } = await connect(world(files, vars), { context: "in-a", namespace: "mine" });
    assert.equal(target.namespace, "mine");
  });
  await t.step("--kubeconfig is the only file read, and must exist", async () => {
    const w = world(files, vars);
    const { target } = await connect(w, { kubeconfig: "/a/config", context: "in-a" });
    assert.deepEqual(target.files, ["/a/config"]);
    await refused(connect(w, { kubeconfig: "/nope/config" }), [
      'Cannot read kubeconfig "/nope/config": the file does not exist',
    ]);
  });
  await t.step("without KUBECONFIG: ~/.kube/config", async () => {
    const w = world({ "/home/me/.kube/config": oneContext({ token: "t" }) }, { HOME: "/home/me" });
    const { target } = await connect(w, {});
    assert.deepEqual(target.files, ["/home/me/.kube/config"]);
    assert.equal(target.where, 'kubeconfig "/home/me/.kube/config"');
  });
  await t.step("no kubeconfig and no pod environment: an error with a hint", async () => {
    await refused(connect(world({}, { HOME: "/home/me" }), {}), [
      '"/home/me/.kube/config" does not exist',
      "--kubeconfig",
      "KUBERNETES_SERVICE_HOST",
    ]);
    await refused(connect(world({}, { KUBECONFIG: "/x/one:/x/two" }), {}), [
      "No kubeconfig found",
      '"/x/one", "/x/two"',
    ]);
    await refused(connect(world({}, {}), {}), ["No kubeconfig found", "HOME"]);
  });
  await t.step("an unknown context names the ones there are", async () => {
    await refused(connect(world(files, vars), { context: "nope" }), [
      'Context "nope" not found',
      '"in-a", "in-b"',
    ]);
  });
  await t.step("a context naming an undefined cluster", async () => {
    const w = world({
      [FILE]: stringify({
        contexts: [{ name: "x", context: { cluster: "ghost" } }],
        "current-context": "x",
      }),
    });
    await refused(connect(w), ['names cluster "ghost", which is not defined']);
  });
  await t.step("a duplicate name within one file is an error, as in kubectl", async () => {
    // client-go: `duplicate name "kubeconfig-cluster" in list` (TestDuplicateClusterName).
    const w = world({
      [FILE]: stringify({
        clusters: [
          { name: "dup", cluster: { server: "https://one.example" } },
          { name: "dup", cluster: { server: "https://two.example" } },
        ],
        contexts: [{ name: "ctx", context: { cluster: "dup" } }],
        "current-context": "ctx",
      }),
    });
    await refused(connect(w), [/duplicate/i, '"dup"', FILE]);
  });
});

Deno.test("a broken kubeconfig is refused without quoting it", async (t) => {
  await t.step("a cluster without a server", async () => {
    const w = world({ [FILE]: oneContext({ token: "abc" }, { server: "" }) });
    await refused(connect(w), [`Cluster "c" in kubeconfig "${FILE}" has no server`, "--server"]);
  });
  await t.step("invalid YAML: line and column, no snippet, no cause", async () => {
    const w = world({
      [FILE]: "users:\n  - name: x\n    user:\n      token: s3cret\n   bad: [\n",
    });
    const error = await refused(connect(w), [
      new RegExp(`^Cannot load kubeconfig "${FILE}": invalid YAML at line \\d+, column \\d+`),
    ], ["s3cret"]);
    assert.equal(error.cause, undefined);
  });
  await t.step("an empty file has no current context", async () => {
    await refused(connect(world({ [FILE]: "" })), [/^No current context in kubeconfig/]);
  });
  const shapes: [string, string, string][] = [
    ["two documents", "kind: Config\n---\nkind: Config\n", "holds 2 YAML documents"],
    ["a list", "- s3cret\n", "not a valid kubeconfig"],
    ["clusters not a list", "clusters: s3cret\n", "clusters is not a list"],
    ["an entry without a name", "users:\n- user: {token: s3cret}\n", "users[0].name is missing"],
    [
      "a user that is not a map",
      "users:\n- name: u\n  user: s3cret\n",
      "users[0].user is not a map",
    ],
    [
      "a server that is not a string",
      "clusters:\n- name: c\n  cluster: {server: [s3cret]}\n",
      "clusters[0].cluster.server is not a string",
    ],
  ];
  for (const [name, text, reason] of shapes) {
    await t.step(name, async () => {
      await refused(connect(world({ [FILE]: text })), [`"${FILE}": ${reason}`], ["s3cret"]);
    });
  }
});

Deno.test("servers: a URL, https unless insecure-skip-tls-verify, named on error", async (t) => {
  await t.step('server: "not a url" names the cluster', async () => {
    const w = world({ [FILE]: oneContext({}, { server: "not a url" }) });
    await refused(connect(w), ['"not a url"', `cluster "c" in kubeconfig "${FILE}"`, "https://"]);
  });
  await t.step("another scheme, with credentials in it, is refused without them", async () => {
    const w = world({ [FILE]: oneContext({}, { server: "ftp://admin:s3cret@host.example/" }) });
    await refused(connect(w), ['cluster "c"', "not an http(s):// URL"], ["s3cret"]);
  });
  await t.step("a trailing slash is dropped", async () => {
    const w = world({ [FILE]: oneContext({}, { server: `${SERVER}//` }) });
    assert.equal((await connect(w)).connection.server, SERVER);
  });
  await t.step("plain http:// without insecure-skip-tls-verify is refused", async () => {
    const w = world({ [FILE]: oneContext({}, { server: "http://127.0.0.1:8080" }) });
    await refused(connect(w), ["plain http://", "insecure-skip-tls-verify"]);
  });
  await t.step("plain http:// with insecure-skip-tls-verify is accepted", async () => {
    const w = world({
      [FILE]: oneContext({}, { server: "http://127.0.0.1:8080", "insecure-skip-tls-verify": true }),
    });
    assert.equal((await connect(w)).connection.server, "http://127.0.0.1:8080");
  });
  await t.step("insecure-skip-tls-verify on https:// is an error naming the field", async () => {
    const w = world({ [FILE]: oneContext({}, { "insecure-skip-tls-verify": true }) });
    await refused(connect(w), ["insecure-skip-tls-verify", 'cluster "c"']);
  });
  await t.step("tls-server-name other than the host is an error naming the field", async () => {
    const w = world({ [FILE]: oneContext({}, { "tls-server-name": "kubernetes.default" }) });
    await refused(connect(w), ["tls-server-name", '"kubernetes.default"', 'cluster "c"']);
    await refused(connect(w, { kubeconfig: FILE, tlsServerName: "other.example" }), [
      "tls-server-name",
      '"other.example"',
    ]);
  });
  await t.step("tls-server-name equal to the host (any case) is fine", async () => {
    const w = world({
      [FILE]: oneContext({}, {
        server: "https://API.example:6443",
        "tls-server-name": "api.EXAMPLE",
      }),
    });
    assert.equal((await connect(w)).connection.server, "https://API.example:6443");
  });
});

Deno.test("in-cluster configuration when there is no kubeconfig", async (t) => {
  const pod = { KUBERNETES_SERVICE_HOST: "10.96.0.1", KUBERNETES_SERVICE_PORT: "443" };
  const sa = { "/sa/token": "sa-token\n", "/sa/ca.crt": CA, "/sa/namespace": "ci\n" };

  await t.step("server, CA, token file and namespace of the service account", async () => {
    const w = world(sa, { ...pod, HOME: "/home/me" });
    const { target, connection } = await connect(w, {});
    assert.equal(target.source, "in-cluster");
    assert.match(target.where, /in-cluster/);
    assert.equal(target.namespace, "ci");
    assert.equal(connection.server, "https://10.96.0.1:443");
    assert.deepEqual(connection.caCerts, [CA]);
    assert.ok(connection.credentials instanceof TokenFileCredentials);
    assert.deepEqual(await connection.credentials.get(), { authorization: "Bearer sa-token" });
    assert.deepEqual(w.logger.warnings, []);
  });
  await t.step("also when every KUBECONFIG file is missing", async () => {
    const w = world(sa, { ...pod, KUBECONFIG: "/nope/config" });
    assert.equal((await connect(w, {})).target.source, "in-cluster");
  });
  await t.step("an IPv6 host is bracketed", async () => {
    const w = world(sa, {
      KUBERNETES_SERVICE_HOST: "fd00:10:96::1",
      KUBERNETES_SERVICE_PORT: "443",
    });
    assert.equal((await connect(w, {})).connection.server, "https://[fd00:10:96::1]:443");
  });
  await t.step("POD_NAMESPACE, then the namespace file, then default", async () => {
    assert.equal(
      (await connect(world(sa, { ...pod, POD_NAMESPACE: "from-env" }), {})).target.namespace,
      "from-env",
    );
    const noFile = { "/sa/token": "t", "/sa/ca.crt": CA };
    assert.equal((await connect(world(noFile, pod), {})).target.namespace, "default");
    assert.equal(
      (await connect(world(sa, pod), { namespace: "flag" })).target.namespace,
      "flag",
    );
  });
  await t.step("a missing ca.crt is a warning, not an error", async () => {
    const w = world({ "/sa/token": "t" }, pod);
    const { connection } = await connect(w, {});
    assert.deepEqual(connection.caCerts, []);
    assert.equal(w.logger.warnings.length, 1);
    assert.match(w.logger.warnings[0]!, /"\/sa\/ca\.crt" does not exist/);
  });
  await t.step("a missing token fails on first use, naming the file", async () => {
    const { connection } = await connect(world({ "/sa/ca.crt": CA }, pod), {});
    await refused(connection.credentials.get(), ['"/sa/token"', "does not exist"]);
  });
  await t.step("only the host, or only the port, is not a pod", async () => {
    await refused(connect(world(sa, { KUBERNETES_SERVICE_HOST: "10.96.0.1" }), {}), [
      "No kubeconfig found",
    ]);
    await refused(connect(world(sa, { KUBERNETES_SERVICE_PORT: "443" }), {}), [
      "No kubeconfig found",
    ]);
  });
  await t.step("flags apply on top: --token, --server, --certificate-authority", async () => {
    const w = world({ ...sa, "/work/other.crt": OTHER_CA }, pod);
    const { connection } = await connect(w, {
      token: "flag-token",
      server: "https://api.example:6443",
      certificateAuthority: "other.crt",
    });
    assert.equal(connection.server, "https://api.example:6443");
    assert.deepEqual(connection.caCerts, [OTHER_CA]);
    assert.deepEqual(await connection.credentials.get(), { authorization: "Bearer flag-token" });
  });
  await t.step("a kubeconfig, when there is one, wins over the pod", async () => {
    const w = world({ ...sa, [FILE]: oneContext({ token: "t" }) }, { ...pod, KUBECONFIG: FILE });
    assert.equal((await connect(w, {})).target.source, "kubeconfig");
  });
});

Deno.test("kubectl's connection flags override the kubeconfig", async (t) => {
  const file = stringify({
    clusters: [
      { name: "c", cluster: { server: SERVER, "certificate-authority-data": btoa(CA) } },
      { name: "other", cluster: { server: "https://other.example:6443" } },
    ],
    users: [
      {
        name: "u",
        user: {
          exec: { command: "aws", apiVersion: "client.authentication.k8s.io/v1beta1" },
          tokenFile: "/k/token",
          username: "a",
          password: "b",
          "client-certificate-data": btoa("CERT"),
          "client-key-data": btoa("KEY"),
        },
      },
      { name: "plain", user: { token: "plain-token" } },
    ],
    contexts: [{ name: "ctx", context: { cluster: "c", user: "u" } }],
    "current-context": "ctx",
  });
  const files = {
    [FILE]: file,
    "/work/ca.crt": OTHER_CA,
    "/work/pki/me.crt": "MY-CERT",
    "/work/pki/me.key": "MY-KEY",
  };
  const flags = (more: ConnectionFlags): ConnectionFlags => ({ kubeconfig: FILE, ...more });

  await t.step("--server", async () => {
    const { connection } = await connect(world(files), flags({ server: "https://flag.example" }));
    assert.equal(connection.server, "https://flag.example");
    assert.deepEqual(connection.caCerts, [CA]);
  });
  await t.step("--certificate-authority replaces certificate-authority-data", async () => {
    const { target, connection } = await connect(
      world(files),
      flags({ certificateAuthority: "ca.crt" }),
    );
    assert.deepEqual(connection.caCerts, [OTHER_CA]);
    assert.equal(target.cluster.fields["certificate-authority-data"], undefined);
    assert.equal(target.cluster.fields["certificate-authority"], "/work/ca.crt");
  });
  await t.step("--insecure-skip-tls-verify drops the CA", async () => {
    const target = await resolveTarget(flags({ insecureSkipTlsVerify: true }), world(files));
    assert.equal(target.cluster.fields["insecure-skip-tls-verify"], true);
    assert.equal(target.cluster.fields["certificate-authority-data"], undefined);
    assert.equal(target.cluster.fields["certificate-authority"], undefined);
    // ... which draconctl refuses on https://, naming the field
    await refused(connect(world(files), flags({ insecureSkipTlsVerify: true })), [
      "insecure-skip-tls-verify",
    ]);
    // ... and accepts on http://.
    const { connection } = await connect(
      world(files),
      flags({ insecureSkipTlsVerify: true, server: "http://127.0.0.1:8080" }),
    );
    assert.deepEqual(connection.caCerts, []);
  });
  await t.step("--token replaces exec, tokenFile and basic auth", async () => {
    const { connection } = await connect(world(files), flags({ token: "flag-token" }));
    assert.equal(connection.exec, undefined);
    assert.deepEqual(await connection.credentials.get(), {
      authorization: "Bearer flag-token",
      clientCert: { cert: "CERT", key: "KEY" },
    });
  });
  await t.step("without --token the exec plugin is the user's credentials", async () => {
    const { connection } = await connect(world(files));
    assert.ok(connection.credentials instanceof ExecCredentials);
    assert.equal(connection.exec?.command, "aws");
  });
  await t.step("--client-certificate and --client-key, relative to the cwd", async () => {
    const { connection } = await connect(
      world(files),
      flags({ user: "plain", clientCertificate: "pki/me.crt", clientKey: "pki/me.key" }),
    );
    assert.deepEqual(await connection.credentials.get(), {
      authorization: "Bearer plain-token",
      clientCert: { cert: "MY-CERT", key: "MY-KEY" },
    });
  });
  await t.step("--client-certificate without a key is refused", async () => {
    await refused(
      connect(world(files), flags({ user: "plain", clientCertificate: "pki/me.crt" })),
      ["client certificate but no client key"],
    );
  });
  await t.step("--user and --cluster pick other entries", async () => {
    const { target, connection } = await connect(
      world(files),
      flags({ user: "plain", cluster: "other" }),
    );
    assert.equal(target.user?.name, "plain");
    assert.equal(target.cluster.name, "other");
    assert.equal(connection.server, "https://other.example:6443");
    assert.deepEqual(await connection.credentials.get(), { authorization: "Bearer plain-token" });
  });
  await t.step("an unknown --user or --cluster is an error naming it", async () => {
    await refused(connect(world(files), flags({ user: "ghost" })), ['User "ghost" (--user)']);
    await refused(connect(world(files), flags({ cluster: "ghost" })), [
      'Cluster "ghost" (--cluster)',
    ]);
  });
  await t.step("--server and --token without any kubeconfig", async () => {
    const { target, connection } = await connect(world({}, {}), {
      server: "https://flag.example:6443",
      token: "t",
    });
    assert.equal(target.source, "flags");
    assert.equal(connection.server, "https://flag.example:6443");
    assert.deepEqual(await connection.credentials.get(), { authorization: "Bearer t" });
  });
  await t.step("--as, --as-group, --as-uid become Impersonate-* headers", async () => {
    const { connection } = await connect(
      world(files),
      flags({ as: "jane", asGroups: ["devs", "ops"], asUid: "42" }),
    );
    assert.deepEqual(connection.headers, [
      ["Impersonate-User", "jane"],
      ["Impersonate-Uid", "42"],
      ["Impersonate-Group", "devs"],
      ["Impersonate-Group", "ops"],
    ]);
  });
  await t.step("--as-group without a user is an error", async () => {
    await refused(connect(world(files), flags({ asGroups: ["devs"] })), ["no user", "--as"]);
    await refused(connect(world(files), flags({ asUid: "42" })), ["no user"]);
  });
});

Deno.test("kubeconfig impersonation: as, as-groups, as-uid, as-user-extra", async (t) => {
  const user = {
    token: "t",
    as: "alice",
    "as-uid": "abc123",
    "as-groups": ["group-1", "group-2"],
    "as-user-extra": { "some-key": ["v1", "v2"], "example.com/scopes": ["read"] },
  };
  await t.step("headers, the extra keys percent-encoded", async () => {
    const { connection } = await connect(world({ [FILE]: oneContext(user) }));
    assert.deepEqual(connection.headers, [
      ["Impersonate-User", "alice"],
      ["Impersonate-Uid", "abc123"],
      ["Impersonate-Group", "group-1"],
      ["Impersonate-Group", "group-2"],
      ["Impersonate-Extra-some-key", "v1"],
      ["Impersonate-Extra-some-key", "v2"],
      ["Impersonate-Extra-example.com%2Fscopes", "read"],
    ]);
  });
  await t.step("every extra key gives a valid header name", async () => {
    // client-go's headerKeyEscape %-encodes every byte that is not an HTTP
    // token character: "(" and ")" too, which encodeURIComponent keeps.
    const odd = { ...user, "as-user-extra": { "scopes(read) [x]": ["v"] } };
    const { connection } = await connect(world({ [FILE]: oneContext(odd) }));
    const extra = connection.headers.filter(([name]) => name.startsWith("Impersonate-Extra-"));
    assert.deepEqual(extra, [["Impersonate-Extra-scopes%28read%29%20%5Bx%5D", "v"]]);
    assert.doesNotThrow(() => new Headers(connection.headers));
  });
  await t.step("the flags win over the kubeconfig", async () => {
    const { connection } = await connect(world({ [FILE]: oneContext(user) }), {
      kubeconfig: FILE,
      as: "bob",
      asGroups: ["g"],
    });
    assert.deepEqual(connection.headers.slice(0, 3), [
      ["Impersonate-User", "bob"],
      ["Impersonate-Uid", "abc123"],
      ["Impersonate-Group", "g"],
    ]);
  });
  await t.step("groups without a user are an error", async () => {
    const w = world({ [FILE]: oneContext({ "as-groups": ["g"] }) });
    await refused(connect(w), ["Impersonation", "no user"]);
  });
});

Deno.test("unknown kubeconfig fields: one warning each, naming file, section and field", async () => {
  const w = world({
    [FILE]: stringify({
      apiVersion: "v1",
      kind: "Config",
      colors: true,
      clusters: [{ name: "c", cluster: { server: SERVER, "api-version": "v1" } }],
      users: [{
        name: "u",
        user: {
          "new-auth": { x: 1 },
          exec: {
            command: "aws",
            apiVersion: "client.authentication.k8s.io/v1",
            interactiveMode: "Never",
            shell: "bash",
          },
        },
      }],
      contexts: [{ name: "ctx", context: { cluster: "c", user: "u", color: "red" } }],
      "current-context": "ctx",
    }),
  });
  const { connection } = await connect(w);
  assert.equal(connection.exec?.command, "aws");
  const expected: [string, string][] = [
    ["colors", "the file"],
    ["color", 'context "ctx"'],
    ["api-version", 'cluster "c"'],
    ["new-auth", 'user "u"'],
    ["shell", 'user "u" exec'],
  ];
  assert.equal(w.logger.warnings.length, expected.length, w.logger.warnings.join("\n"));
  for (const [field, section] of expected) {
    const found = w.logger.warnings.filter((m) =>
      m.includes(`unknown field "${field}"`) && m.includes(`in ${section}`) && m.includes(FILE)
    );
    assert.equal(found.length, 1, `${field} in ${section}: ${w.logger.warnings.join("\n")}`);
  }
});

Deno.test("auth-provider: oidc sends its id-token; the removed providers name their plugin", async (t) => {
  const oidc = (config: Record<string, unknown>) => ({
    "auth-provider": { name: "oidc", config: { "idp-issuer-url": "https://idp", ...config } },
  });
  await t.step("a valid id-token is the bearer token", async () => {
    const token = jwt({ exp: 4_102_444_800, sub: "me" });
    const { connection } = await connect(
      world({ [FILE]: oneContext(oidc({ "id-token": token })) }),
    );
    assert.deepEqual(await connection.credentials.get(), { authorization: `Bearer ${token}` });
  });
  await t.step("an expired or missing id-token is an error, never quoted", async () => {
    const expired = jwt({ exp: 1_000_000_000 });
    await refused(
      connect(
        world({ [FILE]: oneContext(oidc({ "id-token": expired, "refresh-token": "r3fresh" })) }),
      ),
      ["oidc", "expired", 'user "u"'],
      [expired, "s1gnatureS3cret", "r3fresh"],
    );
    await refused(connect(world({ [FILE]: oneContext(oidc({})) })), ["oidc", "missing"]);
  });
  const removed: [string, string][] = [["gcp", "gke-gcloud-auth-plugin"], ["azure", "kubelogin"]];
  for (const [name, plugin] of removed) {
    await t.step(`${name} names ${plugin}`, async () => {
      const w = world({
        [FILE]: oneContext({ "auth-provider": { name, config: { "access-token": "s3cret" } } }),
      });
      await refused(connect(w), [`auth-provider "${name}"`, plugin], ["s3cret"]);
    });
  }
  await t.step("exec and auth-provider together are refused", async () => {
    const w = world({
      [FILE]: oneContext({
        ...oidc({ "id-token": jwt({}) }),
        exec: { command: "aws", apiVersion: "client.authentication.k8s.io/v1beta1" },
      }),
    });
    await refused(connect(w), ["both exec and auth-provider"]);
  });
});

Deno.test("exec sections are checked as kubectl checks them", async (t) => {
  const exec = (fields: Record<string, unknown>) =>
    world({ [FILE]: oneContext({ exec: fields }), "/k/bin/plugin": "" });
  await t.step("v1 requires interactiveMode", async () => {
    await refused(
      connect(exec({ command: "aws", apiVersion: "client.authentication.k8s.io/v1" })),
      [
        "interactiveMode",
        'user "u"',
      ],
    );
  });
  await t.step("v1beta1 defaults it to IfAvailable", async () => {
    const { connection } = await connect(
      exec({ command: "aws", apiVersion: "client.authentication.k8s.io/v1beta1" }),
    );
    assert.equal(connection.exec?.interactiveMode, "IfAvailable");
    assert.equal(connection.exec?.provideClusterInfo, false);
  });
  await t.step("every field parsed", async () => {
    const { connection } = await connect(exec({
      command: "aws",
      args: ["eks", "get-token"],
      env: [{ name: "AWS_PROFILE", value: "prod" }],
      apiVersion: "client.authentication.k8s.io/v1",
      interactiveMode: "Never",
      provideClusterInfo: true,
      installHint: "install the AWS CLI",
    }));
    assert.deepEqual(connection.exec, {
      command: "aws",
      args: ["eks", "get-token"],
      env: { AWS_PROFILE: "prod" },
      apiVersion: "client.authentication.k8s.io/v1",
      installHint: "install the AWS CLI",
      provideClusterInfo: true,
      interactiveMode: "Never",
    });
  });
  const bad: [string, Record<string, unknown>, string][] = [
    ["no command", { apiVersion: "client.authentication.k8s.io/v1beta1" }, "has no command"],
    ["no apiVersion", { command: "aws" }, "has no apiVersion"],
    [
      "an old apiVersion",
      { command: "aws", apiVersion: "client.authentication.k8s.io/v1alpha1" },
      '"client.authentication.k8s.io/v1alpha1"',
    ],
    [
      "a bad interactiveMode",
      {
        command: "aws",
        apiVersion: "client.authentication.k8s.io/v1",
        interactiveMode: "Sometimes",
      },
      '"Sometimes"',
    ],
    [
      "args not strings",
      { command: "aws", apiVersion: "client.authentication.k8s.io/v1beta1", args: [1] },
      "args",
    ],
    [
      "an env entry without a name",
      { command: "aws", apiVersion: "client.authentication.k8s.io/v1beta1", env: [{ value: "x" }] },
      "env entry without a name",
    ],
  ];
  for (const [name, fields, reason] of bad) {
    await t.step(name, async () => {
      await refused(connect(exec(fields)), ['exec credential plugin of user "u"', reason]);
    });
  }
  const commands: [string, string][] = [
    ["bin/plugin", "/k/bin/plugin"],
    ["./plugin", "/k/./plugin"],
    ["aws", "aws"],
    ["/usr/local/bin/aws", "/usr/local/bin/aws"],
  ];
  for (const [command, resolved] of commands) {
    await t.step(`command ${command} runs as ${resolved}`, async () => {
      const { connection } = await connect(
        exec({ command, apiVersion: "client.authentication.k8s.io/v1beta1" }),
      );
      assert.equal(connection.exec?.command, resolved);
    });
  }
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
    'tasks.tekton.dev in namespace "d": forbidden: user "restricted" cannot list resource "tasks" in API group "tekton.dev" in namespace "d"',
  );
});
