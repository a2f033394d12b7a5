/**
 * FetchObjectClient (Deno's fetch, HTTP/2) against the real API server: both
 * identities, request counts and errors.
 */
import assert from "node:assert/strict";
import { parse } from "yaml";
import { toKubeError } from "../../src/k8s/errors.ts";
import {
  ApplyError,
  ClusterUnreachableError,
  KindNotServedError,
  KubeApiError,
} from "../../src/k8s/api_errors.ts";
import { ClusterHelmTaskLookup } from "../../src/tekton/helm_tasks.ts";
import { SsaApplier } from "../../src/k8s/ssa_applier.ts";
import type { Task } from "../../src/tekton/types.ts";
import type { KubeObject } from "../../src/k8s/objects.ts";
import { connectEnv, editedKubeConfig } from "./_kube.ts";
import { type ClusterEnv, clusterTest } from "./_testenv.ts";
import { openClient } from "../../src/tekton/kube_cluster.ts";

function task(name: string, description = "first"): Task {
  return {
    apiVersion: "tekton.dev/v1beta1",
    kind: "Task",
    metadata: { name },
    spec: { description, steps: [{ name: "run", image: "alpine:3.20" }] },
  };
}

/** A fetch client on `context` of the environment that records `METHOD path?query`. */
async function fetchClient(
  env: ClusterEnv,
  context = "admin",
  kubeconfig = env.kubeconfigPath,
  requestTimeoutMs = 5_000,
) {
  const requests: string[] = [];
  const { client } = await openClient(
    { kubeconfig, context, requestTimeoutMs },
    connectEnv({
      onRequest: (method, url) => {
        const u = new URL(url);
        requests.push(`${method} ${u.pathname}${u.search}`);
      },
    }),
  );
  return { client, requests };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return await promise.then(() => assert.fail("expected an error"), (e: unknown) => e);
}

/** The environment's kubeconfig with the cluster's (and the admin user's) fields edited. */
async function editedKubeconfig(
  env: ClusterEnv,
  cluster: Record<string, unknown>,
  admin: Record<string, unknown> = {},
): Promise<string> {
  return await editedKubeConfig(env.kubeconfigPath, (config) => {
    config.clusters[0]!.cluster = { ...config.clusters[0]!.cluster, ...cluster };
    const user = config.users.find((u) => u.name === "admin")!;
    user.user = { ...user.user, ...admin };
  });
}

clusterTest("FetchObjectClient applies and lists with the client certificate", async (env, t) => {
  const { client, requests } = await fetchClient(env);
  const applier = new SsaApplier(client, { namespace: env.namespace });
  const names = Array.from({ length: 10 }, (_, i) => `task-${i}`);
  await t.step("cold: one discovery GET, one LIST, one PATCH per Task", async () => {
    const entries = await Promise.all(names.map((n) => applier.apply(task(n))));
    assert.deepEqual(new Set(entries.map((e) => e.action)), new Set(["created"]));
    assert.deepEqual(requests.filter((r) => r.startsWith("GET ")), [
      "GET /apis/tekton.dev/v1beta1",
      `GET /apis/tekton.dev/v1beta1/namespaces/${env.namespace}/tasks?limit=500`,
    ]);
    const patches = requests.filter((r) => r.startsWith("PATCH "));
    assert.equal(patches.length, names.length);
    assert.ok(
      patches.every((p) => p.includes("fieldManager=draconctl") && p.includes("force=false")),
      patches.join("\n"),
    );
  });
  await t.step("redeploy with a fresh client: discovery and one LIST, no PATCH", async () => {
    const again = await fetchClient(env);
    const entries = await Promise.all(
      names.map((n) => new SsaApplier(again.client, { namespace: env.namespace }).apply(task(n))),
    );
    assert.deepEqual(new Set(entries.map((e) => e.action)), new Set(["unchanged"]));
    assert.equal(again.requests.filter((r) => r.startsWith("PATCH")).length, 0);
    again.client.close();
  });
  await t.step("configured: dry run, then the apply", async () => {
    const before = requests.length;
    assert.equal((await applier.apply(task("task-0", "second"))).action, "configured");
    const sent = requests.slice(before);
    assert.equal(sent.length, 2, sent.join("\n"));
    assert.ok(sent[0]!.includes("dryRun=All") && !sent[1]!.includes("dryRun"), sent.join("\n"));
    const live = (await client.list("tekton.dev/v1beta1", "Task", env.namespace))
      .find((o) => o.metadata.name === "task-0") as Task;
    assert.equal(live.spec.description, "second");
    assert.equal(live.kind, "Task");
  });
  await t.step("a label-selected LIST (the Helm lookup)", async () => {
    const before = requests.length;
    const releases = await new ClusterHelmTaskLookup(client, { namespace: env.namespace })
      .listHelmTasks();
    assert.equal(releases.size, 0);
    assert.deepEqual(requests.slice(before), [
      `GET /apis/tekton.dev/v1beta1/namespaces/${env.namespace}/tasks?labelSelector=app.kubernetes.io%2Fmanaged-by%3DHelm&limit=500`,
    ]);
  });
  await t.step("a kind the cluster does not serve", async () => {
    const error = await rejection(
      applier.apply({ ...task("alpha"), apiVersion: "tekton.dev/v1alpha1" } as KubeObject),
    );
    assert.ok(error instanceof KindNotServedError, String(error));
    const core = await rejection(applier.apply({ ...task("x"), apiVersion: "v1", kind: "Nope" }));
    assert.ok(core instanceof KindNotServedError, String(core));
  });
  await t.step("the LIST returns every Task", async () => {
    const items = await client.list("tekton.dev/v1beta1", "Task", env.namespace);
    assert.equal(items.length, names.length);
  });
  client.close();
});

clusterTest("FetchObjectClient with the token: reads, and is refused a write", async (env) => {
  const { client } = await fetchClient(env, "restricted");
  const applier = new SsaApplier(client, { namespace: env.namespace });
  assert.deepEqual(await client.list("tekton.dev/v1beta1", "Task", env.namespace), []);
  const error = await rejection(applier.apply(task("denied")));
  assert.ok(error instanceof ApplyError, String(error));
  assert.equal(error.status, 403);
  assert.ok(error.message.includes('user "restricted" cannot patch resource "tasks"'));
  const token = String(
    parse(await Deno.readTextFile(env.kubeconfigPath)).users
      .find((u: { name: string }) => u.name === "restricted").user.token,
  );
  assert.ok(!error.message.includes(token) && !String(error.hint).includes(token));
  client.close();
});

clusterTest("FetchObjectClient without credentials gets 401 or 403, typed", async (env) => {
  const kubeconfig = await editedKubeconfig(env, {}, {
    "client-certificate-data": null,
    "client-key-data": null,
  });
  const { client } = await fetchClient(env, "admin", kubeconfig);
  const error = toKubeError(
    await rejection(client.list("tekton.dev/v1beta1", "Task", env.namespace)),
    { server: client.server, kind: "Task", namespace: env.namespace },
  );
  assert.ok(error instanceof KubeApiError, String(error));
  assert.ok([401, 403].includes(error.status), String(error.status));
  client.close();
});

clusterTest("FetchObjectClient reports an unreachable or untrusted server", async (env, t) => {
  await t.step("connection refused", async () => {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    const kubeconfig = await editedKubeconfig(env, { server: `https://127.0.0.1:${port}` });
    const { client } = await fetchClient(env, "admin", kubeconfig);
    const error = toKubeError(
      await rejection(client.list("tekton.dev/v1beta1", "Task", env.namespace)),
      { server: client.server },
    );
    client.close();
    assert.ok(error instanceof ClusterUnreachableError, String(error));
    assert.equal(
      error.message,
      `Cannot reach the API server "https://127.0.0.1:${port}": connection refused`,
    );
  });
  await t.step("a CA that did not sign the server certificate", async () => {
    const other = await Deno.readTextFile(new URL("../../fixtures/tls/ca.pem", import.meta.url));
    const kubeconfig = await editedKubeconfig(env, { "certificate-authority-data": btoa(other) });
    const { client } = await fetchClient(env, "admin", kubeconfig);
    const error = toKubeError(
      await rejection(client.list("tekton.dev/v1beta1", "Task", env.namespace)),
      { server: client.server },
    );
    client.close();
    assert.ok(error instanceof ClusterUnreachableError, String(error));
    assert.ok(
      error.message.endsWith(
        "the server's TLS certificate is not trusted (signed by an unknown authority)",
      ),
      error.message,
    );
  });
  await t.step("a request that takes longer than the timeout", async () => {
    // A TCP listener that accepts and never answers.
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    const held: Deno.Conn[] = [];
    const accepting = (async () => {
      for await (const conn of listener) held.push(conn);
    })();
    const kubeconfig = await editedKubeconfig(env, { server: `https://127.0.0.1:${port}` });
    const { client } = await fetchClient(env, "admin", kubeconfig, 300);
    const started = performance.now();
    const error = toKubeError(
      await rejection(client.list("tekton.dev/v1beta1", "Task", env.namespace)),
      { server: client.server },
    );
    assert.ok(performance.now() - started < 2_000);
    assert.ok(error instanceof ClusterUnreachableError, String(error));
    assert.ok(error.message.endsWith("the request timed out"), error.message);
    listener.close();
    for (const conn of held) conn.close();
    await accepting.catch(() => {});
    client.close();
  });
});
