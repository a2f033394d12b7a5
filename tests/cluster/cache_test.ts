/**
 * The cache across runs against the test environment's API server
 * (docs/cache.md): `golang-project` (local corpus Tasks, 7 of 9 holding
 * Helm expressions) deployed with an empty cache, then again with the warm
 * one: the second run finds every Task in the cache, writes nothing to it,
 * and is a no-op on the server (every object unchanged, same
 * resourceVersions); a run without a cache agrees.
 *
 * @module
 */
import assert from "node:assert/strict";
import { realCluster } from "./_kube.ts";
import type { Cache } from "../../src/io/cache.ts";
import { DiskCache } from "../../src/io/disk_cache.ts";
import { CountingCache } from "../_fakes/memory_cache.ts";
import type { KubeObject } from "../../src/k8s/objects.ts";
import { DRACON_ROOT, fixture, runCli } from "../cli/_cli.ts";
import { type ClusterEnv, clusterTest, CONNECTS_CLUSTER } from "./_testenv.ts";

/** Every Task and Pipeline of the namespace, as the server holds them. */
async function snapshot(env: ClusterEnv): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const plural of ["tasks.v1beta1.tekton.dev", "pipelines.v1.tekton.dev"]) {
    for (const object of await env.kubectl.list<KubeObject>(plural, env.namespace)) {
      out[`${plural}/${object.metadata.name}`] = object;
    }
  }
  return out;
}

clusterTest(
  "golang-project twice: the warm-cache redeploy is a no-op with identical objects",
  async (env) => {
    const dir = await Deno.makeTempDir({ prefix: "draconctl-cluster-cache-" });
    const deploy = (cache?: Cache, namespace = env.namespace) =>
      runCli([
        "--kubeconfig",
        env.kubeconfigPath,
        "-n",
        namespace,
        "pipelines",
        "deploy",
        fixture("pipelines/golang-project"),
        "--base-dir",
        DRACON_ROOT,
        "-o",
        "json",
      ], { cluster: realCluster(), ...(cache ? { cache } : {}) });
    const actions = (stdout: string) =>
      (JSON.parse(stdout).changes as { action: string }[]).map((c) => c.action);

    const cold = new CountingCache(new DiskCache(dir));
    const first = await deploy(cold);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(actions(first.stdout), Array(10).fill("created"));
    assert.equal(cold.hits, 0);
    assert.equal(cold.puts, 9 + 7, "9 loaded Tasks, 7 in-process renders");
    const deployed = await snapshot(env);
    assert.equal(Object.keys(deployed).length, 10);

    const warm = new CountingCache(new DiskCache(dir));
    const second = await deploy(warm);
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(actions(second.stdout), Array(10).fill("unchanged"));
    assert.deepEqual([warm.hits, warm.misses, warm.puts], [16, 0, 0]);
    assert.deepEqual(await snapshot(env), deployed, "the server holds the same objects");

    const none = await deploy();
    assert.equal(none.code, 0, none.stderr);
    assert.deepEqual(
      actions(none.stdout),
      Array(10).fill("unchanged"),
      "without a cache: the same",
    );
    assert.deepEqual(await snapshot(env), deployed);

    // Another namespace: no corpus template reads .Release.Namespace, so nothing is rendered.
    const other = `${env.namespace}-2`;
    await env.kubectl.createNamespace(other);
    const elsewhere = new CountingCache(new DiskCache(dir));
    const third = await deploy(elsewhere, other);
    assert.equal(third.code, 0, third.stderr);
    assert.deepEqual(actions(third.stdout), Array(10).fill("created"));
    assert.deepEqual([elsewhere.hits, elsewhere.misses, elsewhere.puts], [16, 0, 0]);
    await Deno.remove(dir, { recursive: true });
  },
  CONNECTS_CLUSTER,
);
