/**
 * connectCluster() and loadKubeConfig(): kubeconfig files, contexts,
 * namespaces, both identities (client certificate and token) and connection
 * failures, against the real API server.
 */
import assert from "node:assert/strict";
import { parse, stringify } from "yaml";
import { ClusterError } from "../../src/errors.ts";
import { ClusterUnreachableError } from "../../src/k8s/api_errors.ts";
import { connectCluster } from "../../src/tekton/kube_cluster.ts";
import { type ConnectionFlags, resolveTarget, type Target } from "../../src/k8s/kubeconfig.ts";
import type { Task } from "../../src/tekton/types.ts";
import { connectEnv } from "./_kube.ts";
import { clusterTest, CONNECTS_CLUSTER } from "./_testenv.ts";

const BASE = { fieldManager: "draconctl", requestTimeoutMs: 5_000 };

interface KubeConfigFile {
  clusters: { name: string; cluster: Record<string, unknown> }[];
  users: { name: string; user: Record<string, unknown> }[];
  contexts: { name: string; context: Record<string, unknown> }[];
  "current-context"?: string;
}

async function readConfig(path: string): Promise<KubeConfigFile> {
  return parse(await Deno.readTextFile(path)) as KubeConfigFile;
}

/** Writes `config` to a fresh temporary file and returns its path. */
async function writeConfig(config: unknown): Promise<string> {
  const path = await Deno.makeTempFile({ prefix: "draconctl-kubeconfig-" });
  await Deno.writeTextFile(path, typeof config === "string" ? config : stringify(config));
  return path;
}

function task(name: string): Task {
  return {
    apiVersion: "tekton.dev/v1beta1",
    kind: "Task",
    metadata: { name },
    spec: { steps: [{ name: "run", image: "alpine:3.20" }] },
  };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return await promise.then(() => assert.fail("expected an error"), (e: unknown) => e);
}

clusterTest(
  "connectCluster() applies with the client-certificate and token contexts",
  async (env, t) => {
    await t.step(
      "admin (client certificate) from --kubeconfig, namespace from the option",
      async () => {
        const cluster = await connectCluster({
          ...BASE,
          kubeconfig: env.kubeconfigPath,
          context: "admin",
          namespace: env.namespace,
        }, connectEnv());
        assert.equal(cluster.namespace, env.namespace);
        assert.ok(cluster.server.startsWith("https://127.0.0.1:"), cluster.server);
        assert.equal((await cluster.applier.apply(task("by-cert"))).action, "created");
        assert.equal((await cluster.helmTasks.listHelmTasks()).size, 0);
      },
    );
    await t.step(
      "restricted (token) reads, and is refused a write without the token in the message",
      async () => {
        const token = String(
          (await readConfig(env.kubeconfigPath)).users
            .find((u) => u.name === "restricted")?.user.token,
        );
        const cluster = await connectCluster({
          ...BASE,
          kubeconfig: env.kubeconfigPath,
          context: "restricted",
          namespace: env.namespace,
        }, connectEnv());
        assert.equal((await cluster.helmTasks.listHelmTasks()).size, 0);
        const error = await rejection(cluster.applier.apply(task("by-token")));
        assert.ok(
          error instanceof ClusterError && /cannot patch/.test(error.message),
          String(error),
        );
        assert.ok(!error.message.includes(token) && !String(error.hint).includes(token));
      },
    );
  },
  CONNECTS_CLUSTER,
);

/** resolveTarget() with exactly the environment variables `variables`. */
function load(flags: ConnectionFlags, variables: Record<string, string> = {}): Promise<Target> {
  return resolveTarget(flags, connectEnv({ env: (name) => variables[name] }));
}

clusterTest(
  "resolveTarget() picks the file, context and namespace like kubectl",
  async (env, t) => {
    const real = await readConfig(env.kubeconfigPath);
    await t.step("namespace: option, else the context's, else default", async () => {
      const withNs = await writeConfig({
        ...real,
        contexts: [
          { name: "ns", context: { cluster: "testenv", user: "admin", namespace: "from-context" } },
          { name: "none", context: { cluster: "testenv", user: "admin" } },
        ],
        "current-context": "ns",
      });
      assert.equal((await load({ kubeconfig: withNs })).namespace, "from-context");
      assert.equal((await load({ kubeconfig: withNs, namespace: "flag" })).namespace, "flag");
      assert.equal((await load({ kubeconfig: withNs, context: "none" })).namespace, "default");
    });
    await t.step("$KUBECONFIG: files merged, first wins, missing files skipped", async () => {
      // The first file holds only a context (and the current-context); the
      // cluster and users come from the second.
      const first = await writeConfig({
        apiVersion: "v1",
        kind: "Config",
        clusters: [],
        users: [],
        contexts: [{
          name: "mine",
          context: { cluster: "testenv", user: "admin", namespace: "merged" },
        }],
        "current-context": "mine",
      });
      const { context, contexts, namespace, files } = await load({}, {
        KUBECONFIG: `/nonexistent/kubeconfig:${first}:${env.kubeconfigPath}`,
      });
      assert.deepEqual(files, [first, env.kubeconfigPath]);
      assert.equal(context, "mine");
      assert.equal(namespace, "merged");
      assert.deepEqual(contexts, ["mine", "admin", "restricted"]);
    });
    await t.step("--kubeconfig wins over $KUBECONFIG", async () => {
      const { files } = await load({ kubeconfig: env.kubeconfigPath }, { KUBECONFIG: "/nope" });
      assert.deepEqual(files, [env.kubeconfigPath]);
    });
    await t.step("~/.kube/config without $KUBECONFIG", async () => {
      const home = await Deno.makeTempDir();
      await Deno.mkdir(`${home}/.kube`);
      await Deno.copyFile(env.kubeconfigPath, `${home}/.kube/config`);
      const { files, context } = await load({}, { HOME: home });
      assert.deepEqual(files, [`${home}/.kube/config`]);
      assert.equal(context, "admin");
    });
  },
  CONNECTS_CLUSTER,
);

clusterTest("resolveTarget() errors name the file and never a credential", async (env, t) => {
  const real = await readConfig(env.kubeconfigPath);
  const token = String(real.users.find((u) => u.name === "restricted")?.user.token);
  await t.step("missing file", async () => {
    await assert.rejects(
      () => load({ kubeconfig: "/nonexistent/kubeconfig" }),
      (e: unknown) =>
        e instanceof ClusterError &&
        e.message === 'Cannot read kubeconfig "/nonexistent/kubeconfig": the file does not exist' &&
        e.hint === "pass --kubeconfig <file>, or set KUBECONFIG",
    );
  });
  await t.step("corrupt file holding a token", async () => {
    const corrupt = await writeConfig(
      `apiVersion: v1\nusers:\n  - name: x\n    user:\n      token: ${token}\n   bad: [\n`,
    );
    const error = await load({ kubeconfig: corrupt }).then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof ClusterError, String(error));
    assert.ok(
      error.message.startsWith(`Cannot load kubeconfig "${corrupt}": invalid YAML at line`),
      error.message,
    );
    assert.ok(!error.message.includes(token), error.message);
    assert.equal(error.cause, undefined, "the parser error (with its snippet) is not kept");
  });
  await t.step("unknown context lists the contexts", async () => {
    await assert.rejects(
      () => load({ kubeconfig: env.kubeconfigPath, context: "prod" }),
      (e: unknown) =>
        e instanceof ClusterError &&
        e.message ===
          `Context "prod" not found in kubeconfig "${env.kubeconfigPath}": contexts are "admin", "restricted"` &&
        e.exitCode === 5,
    );
  });
}, CONNECTS_CLUSTER);

clusterTest(
  "connectCluster() reports an unreachable or untrusted server by URL",
  async (env, t) => {
    const real = await readConfig(env.kubeconfigPath);
    const withCluster = (cluster: Record<string, unknown>) =>
      writeConfig({ ...real, clusters: [{ name: "testenv", cluster }] });
    await t.step("connection refused", async () => {
      // A port that was free a moment ago (port 1 is on fetch's blocked list).
      const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const port = (listener.addr as Deno.NetAddr).port;
      listener.close();
      const kubeconfig = await withCluster({
        ...real.clusters[0]!.cluster,
        server: `https://127.0.0.1:${port}`,
      });
      const cluster = await connectCluster(
        { ...BASE, kubeconfig, namespace: env.namespace },
        connectEnv(),
      );
      const error = await rejection(cluster.applier.apply(task("x")));
      assert.ok(error instanceof ClusterUnreachableError, String(error));
      assert.equal(
        error.message,
        `Cannot reach the API server "https://127.0.0.1:${port}": connection refused`,
      );
      assert.ok(error.hint?.includes("is the cluster running?"));
    });
    await t.step("untrusted certificate (no CA in the kubeconfig)", async () => {
      const { "certificate-authority-data": _ca, ...rest } = real.clusters[0]!.cluster;
      const kubeconfig = await withCluster(rest);
      const cluster = await connectCluster(
        { ...BASE, kubeconfig, namespace: env.namespace },
        connectEnv(),
      );
      const error = await rejection(cluster.helmTasks.listHelmTasks());
      assert.ok(error instanceof ClusterUnreachableError, String(error));
      assert.ok(error.message.includes(cluster.server), error.message);
      assert.ok(
        error.message.endsWith(
          "the server's TLS certificate is not trusted (signed by an unknown authority)",
        ),
        error.message,
      );
    });
    await t.step("a host name that does not resolve", async () => {
      const kubeconfig = await withCluster({
        ...real.clusters[0]!.cluster,
        server: "https://draconctl-test.invalid:6443",
      });
      const cluster = await connectCluster(
        { ...BASE, kubeconfig, namespace: env.namespace },
        connectEnv(),
      );
      const error = await rejection(cluster.helmTasks.listHelmTasks());
      assert.ok(error instanceof ClusterUnreachableError, String(error));
      assert.equal(
        error.message,
        'Cannot reach the API server "https://draconctl-test.invalid:6443": the host name does not resolve (DNS lookup failed)',
      );
    });
  },
  CONNECTS_CLUSTER,
);
