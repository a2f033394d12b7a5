/**
 * Several kustomizations in one run, and one run to several contexts, on the
 * real API server (docs/multi.md): the 19 corpus example pipelines
 * with local components (bench/corpus_pipelines.ts) in one run — one
 * connection, one LIST of each kind before the writes and one Task LIST
 * after, each shared Task applied once (writes counted by request), a second
 * run writing nothing; conflicting Task content across two kustomizations
 * refused before any request; a fleet of two contexts (two namespaces, and
 * two identities) deployed concurrently; and a fleet of two API servers
 * (a second test environment started for it).
 */
import assert from "node:assert/strict";
import { parse, parseAllDocuments } from "yaml";
import { connectEnv, type KubeConfigFile, realCluster } from "./_kube.ts";
import { nativeLister, testenv } from "./_dedicated.ts";
import { DRACON_ROOT, writeLocalCorpusPipelines } from "../../bench/corpus_pipelines.ts";
import { openFleet } from "../../src/tekton/kube_cluster.ts";
import type { KubeObject } from "../../src/k8s/objects.ts";
import type { FleetFactory } from "../../src/tekton/cluster.ts";
import { runCli } from "../cli/_cli.ts";
import { clusterTest, CONNECTS_CLUSTER, uniqueNamespace } from "./_testenv.ts";

/**
 * Requests as `METHOD resource[/name]` (`GET tasks` is a LIST), `(dry run)`
 * appended to a `dryRun=All` one (the applier's comparison, not a write).
 */
function counter() {
  const requests: string[] = [];
  const count = (pattern: RegExp) => requests.filter((r) => pattern.test(r)).length;
  const onRequest = (method: string, url: string) => {
    const path = new URL(url).pathname;
    const match = /\/namespaces\/[^/]+\/([^/]+)(\/[^/]+)?$/.exec(path);
    const dryRun = new URL(url).searchParams.get("dryRun") === "All" ? " (dry run)" : "";
    requests.push(
      (match ? `${method} ${match[1]}${match[2] ?? ""}` : `${method} ${path}`) + dryRun,
    );
  };
  return { requests, count, onRequest };
}

/** Paths of `applied` that `live` lacks (lists compared item by item). */
function droppedFields(applied: unknown, live: unknown, path = ""): string[] {
  if (Array.isArray(applied)) {
    if (!Array.isArray(live)) return [path];
    return applied.flatMap((item, i) => droppedFields(item, live[i], `${path}[${i}]`));
  }
  if (applied === null || typeof applied !== "object") return live === undefined ? [path] : [];
  if (live === null || typeof live !== "object") return [path];
  return Object.entries(applied).flatMap(([key, value]) =>
    droppedFields(value, (live as Record<string, unknown>)[key], `${path}.${key}`)
  );
}

async function corpusTasks(dirs: readonly string[]): Promise<Set<string>> {
  const names = new Set<string>();
  for (const dir of dirs) {
    const { components } = parse(await Deno.readTextFile(`${dir}/kustomization.yaml`)) as {
      components: string[];
    };
    for (const c of components) {
      const task = parse(await Deno.readTextFile(`${DRACON_ROOT}/${c}/task.yaml`)) as KubeObject;
      names.add(task.metadata.name);
    }
  }
  return names;
}

clusterTest(
  "the 19 corpus pipelines in one run: shared Tasks applied once, one LIST, a second run writes nothing",
  async (env) => {
    const root = await Deno.makeTempDir({ prefix: "draconctl-multi-corpus-" });
    const dirs = await writeLocalCorpusPipelines(root);
    assert.equal(dirs.length, 19);
    const tasks = await corpusTasks(dirs);
    const references = (await Promise.all(
      dirs.map(async (d) =>
        (parse(await Deno.readTextFile(`${d}/kustomization.yaml`)) as { components: string[] })
          .components.length
      ),
    )).reduce((a, b) => a + b, 0);
    assert.ok(references > tasks.size * 2, `${references} references, ${tasks.size} Tasks`);

    let connections = 0;
    const run = async () => {
      const c = counter();
      const factory = realCluster({ onRequest: c.onRequest });
      const result = await runCli(
        ["--kubeconfig", env.kubeconfigPath, "-n", env.namespace, "pipelines", "deploy"]
          .concat(["--base-dir", DRACON_ROOT, root]),
        { cluster: (o) => (connections++, factory(o)) },
      );
      return { ...c, result };
    };
    const cold = await run();
    assert.equal(cold.result.code, 0, cold.result.stderr);
    assert.equal(connections, 1, "one connection");
    assert.equal(cold.count(/^PATCH tasks\/[^ ]+$/), tasks.size, "each Task applied once");
    assert.equal(cold.count(/^PATCH pipelines\/[^ ]+$/), 19);
    assert.equal(cold.count(/^GET tasks$/), 1, "one Task LIST, before the writes");
    // After its Pipeline is written, each deploy reads its own Tasks back: one round of GETs.
    assert.equal(cold.count(/^GET tasks\/[^ ]+$/), references, "a GET per Task reference");
    assert.equal(cold.count(/^GET pipelines$/), 1);
    assert.deepEqual(
      cold.requests.filter((r) => r.startsWith("GET /apis/")).sort(),
      ["GET /apis/tekton.dev/v1", "GET /apis/tekton.dev/v1beta1"],
      "one discovery for the run",
    );
    const last = cold.result.stdout.trimEnd().split("\n").at(-1)!;
    assert.match(
      last,
      new RegExp(
        `^19 pipelines: 19 deployed, 0 failed; ${tasks.size + 19} objects: ${
          tasks.size + 19
        } created, 0 configured, 0 unchanged, 0 failed in \\d+\\.\\d s$`,
      ),
    );
    assert.equal(
      cold.result.stdout.split("\n").filter((l) => l.includes("(shared with ")).length,
      references - tasks.size,
    );
    const live = await env.kubectl.list<KubeObject>("pipelines.v1.tekton.dev", env.namespace);
    assert.equal(live.length, 19);
    assert.equal(
      (await env.kubectl.list<KubeObject>("tasks.v1beta1.tekton.dev", env.namespace)).length,
      tasks.size,
    );

    const again = await run();
    assert.equal(again.result.code, 0, again.result.stderr);
    const writes = again.requests.filter((r) => /^(PATCH|POST|PUT|DELETE) /.test(r));
    assert.deepEqual(writes.filter((r) => !r.endsWith(" (dry run)")), [], "no write");
    assert.match(again.result.stdout, / 0 created, 0 configured, \d+ unchanged, 0 failed in /);
    // No request at all for a Task the live object proves unchanged: a dry run
    // only where the server dropped a field of the applied Task (this
    // environment's Task CRD has no conversion: a v1beta1 step's `resources`
    // is pruned by the v1 storage schema), which the live object cannot prove.
    const printed = await runCli(
      ["--kubeconfig", env.kubeconfigPath, "-n", env.namespace, "pipelines", "deploy"]
        .concat(["--base-dir", DRACON_ROOT, "--dry-run=client", "-o", "yaml", root]),
    );
    assert.equal(printed.code, 0, printed.stderr);
    const applied = parseAllDocuments(printed.stdout).map((d) => d.toJS() as KubeObject)
      .filter((o) => o.kind === "Task");
    assert.equal(new Set(applied.map((t) => t.metadata.name)).size, tasks.size);
    const liveTasks = new Map(
      (await env.kubectl.list<KubeObject>("tasks.v1beta1.tekton.dev", env.namespace))
        .map((t) => [t.metadata.name, t]),
    );
    const dropped = [...new Map(applied.map((t) => [t.metadata.name, t])).values()]
      .filter((t) => droppedFields(t.spec, liveTasks.get(t.metadata.name)!.spec).length > 0)
      .map((t) => `PATCH tasks/${t.metadata.name} (dry run)`).sort();
    assert.deepEqual([...writes].sort(), dropped);
  },
  CONNECTS_CLUSTER,
);

clusterTest(
  "different content under one Task name in two kustomizations: refused before any request",
  async (env) => {
    const c = counter();
    const result = await runCli(
      ["--kubeconfig", env.kubeconfigPath, "-n", env.namespace, "pipelines", "deploy"]
        .concat(["--load-restrictor", "none"])
        .concat([new URL("../../fixtures/bad/multi-task-conflict", import.meta.url).pathname]),
      { cluster: realCluster({ onRequest: c.onRequest }) },
    );
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stderr, /^error: Task "git-clone" differs between .*\/one and .*\/two/);
    assert.deepEqual(c.requests, []);
    assert.deepEqual(
      await env.kubectl.list<KubeObject>("tasks.v1beta1.tekton.dev", env.namespace),
      [],
    );
  },
  CONNECTS_CLUSTER,
);

/** A kubeconfig with two more contexts on the environment's server: namespaces `a`, `b`. */
async function fleetKubeconfig(
  path: string,
  a: string,
  b: string,
  bUser = "admin",
): Promise<string> {
  const config = parse(await Deno.readTextFile(path)) as {
    clusters: { name: string }[];
    contexts: { name: string; context: Record<string, unknown> }[];
  };
  const cluster = config.clusters[0]!.name;
  config.contexts.push(
    { name: "fleet-a", context: { cluster, user: "admin", namespace: a } },
    { name: "fleet-b", context: { cluster, user: bUser, namespace: b } },
  );
  const file = `${await Deno.makeTempDir({ prefix: "draconctl-fleet-" })}/kubeconfig`;
  await Deno.writeTextFile(file, JSON.stringify(config));
  return file;
}

clusterTest(
  "--context a,b deploys to both contexts concurrently, each line prefixed, the worst exit code",
  async (env, t) => {
    const second = uniqueNamespace("fleet second");
    await env.kubectl.createNamespace(second);
    const kubeconfig = await fleetKubeconfig(env.kubeconfigPath, env.namespace, second);
    const root = await Deno.makeTempDir({ prefix: "draconctl-fleet-corpus-" });
    const dirs = (await writeLocalCorpusPipelines(root)).filter((d) =>
      /\/(golang|python|iac)-project$/.test(d)
    );
    assert.equal(dirs.length, 3);
    // main.ts's fleet port, without revoking anything in the test process.
    const fleet: FleetFactory = (o, contexts) => openFleet(o, contexts, connectEnv());
    const deploy = (...args: string[]) =>
      runCli(
        ["--kubeconfig", kubeconfig, "--context", "fleet-a,fleet-b", "pipelines", "deploy"]
          .concat(["--base-dir", DRACON_ROOT, ...dirs, ...args]),
        { fleet, cluster: realCluster() },
      );

    await t.step("both contexts get the three pipelines", async () => {
      const result = await deploy();
      assert.equal(result.code, 0, result.stderr);
      const lines = result.stdout.trimEnd().split("\n");
      assert.ok(lines.every((l) => /^fleet-[ab]: /.test(l)), result.stdout);
      assert.match(result.stdout, /^fleet-a: 3 pipelines: 3 deployed, 0 failed; /m);
      assert.match(result.stdout, /^fleet-b: 3 pipelines: 3 deployed, 0 failed; /m);
      for (const namespace of [env.namespace, second]) {
        const live = await env.kubectl.list<KubeObject>("pipelines.v1.tekton.dev", namespace);
        assert.deepEqual(
          live.map((p) => p.metadata.name).sort(),
          ["dracon-golang-project", "dracon-iac-project", "dracon-python-project"],
        );
      }
    });

    await t.step("a context whose identity may not write fails alone, exit 5", async () => {
      const third = uniqueNamespace("fleet third");
      await env.kubectl.createNamespace(third);
      const restricted = await fleetKubeconfig(env.kubeconfigPath, third, third, "restricted");
      const result = await runCli(
        ["--kubeconfig", restricted, "--context", "fleet-a,fleet-b", "pipelines", "deploy"]
          .concat(["--base-dir", DRACON_ROOT, ...dirs]),
        { fleet, cluster: realCluster() },
      );
      assert.equal(result.code, 5, result.stderr);
      assert.match(result.stdout, /^fleet-a: 3 pipelines: 3 deployed, 0 failed; /m);
      assert.match(result.stdout, /^fleet-b: /m);
      assert.match(result.stderr, /^error: 1 of 2 context\(s\) failed: "fleet-b"\n/);
      const live = await env.kubectl.list<KubeObject>("pipelines.v1.tekton.dev", third);
      assert.equal(live.length, 3, "fleet-a deployed to the namespace");
    });
  },
  CONNECTS_CLUSTER,
);

clusterTest(
  "--context across two API servers (a second test environment): both deployed in about one deploy's time",
  async (env) => {
    const state = `${await Deno.makeTempDir({ prefix: "draconctl-fleet-second-" })}/state`;
    await testenv(state, "up");
    try {
      // The second server's cluster and admin, renamed beside the first's, a context each.
      const first = parse(await Deno.readTextFile(env.kubeconfigPath)) as KubeConfigFile;
      const second = parse(await Deno.readTextFile(`${state}/kubeconfig`)) as KubeConfigFile;
      const secondNamespace = uniqueNamespace("fleet two servers");
      const lister = await nativeLister(`${state}/kubeconfig`);
      await lister.createNamespace(secondNamespace);
      first.clusters.push({ ...second.clusters[0]!, name: "second" });
      first.users.push({ ...second.users.find((u) => u.name === "admin")!, name: "second-admin" });
      first.contexts.push(
        {
          name: "one",
          context: { cluster: first.clusters[0]!.name, user: "admin", namespace: env.namespace },
        },
        {
          name: "two",
          context: { cluster: "second", user: "second-admin", namespace: secondNamespace },
        },
      );
      const kubeconfig = `${state}/fleet-kubeconfig`;
      await Deno.writeTextFile(kubeconfig, JSON.stringify(first));
      const root = await Deno.makeTempDir({ prefix: "draconctl-fleet-two-" });
      await writeLocalCorpusPipelines(root);
      const fleet: FleetFactory = (o, contexts) => openFleet(o, contexts, connectEnv());
      const deploy = async (contexts: string) => {
        const started = performance.now();
        const result = await runCli(
          ["--kubeconfig", kubeconfig, "--context", contexts, "pipelines", "deploy"]
            .concat(["--base-dir", DRACON_ROOT, root]),
          { fleet, cluster: realCluster() },
        );
        return { ...result, ms: performance.now() - started };
      };
      const both = await deploy("one,two");
      assert.equal(both.code, 0, both.stderr);
      assert.match(
        both.stdout,
        /^one: 19 pipelines: 19 deployed, 0 failed; 53 objects: 53 created/m,
      );
      assert.match(
        both.stdout,
        /^two: 19 pipelines: 19 deployed, 0 failed; 53 objects: 53 created/m,
      );
      assert.equal(
        (await env.kubectl.list<KubeObject>("pipelines.v1.tekton.dev", env.namespace)).length,
        19,
      );
      const live = await lister.live(secondNamespace);
      assert.equal(live.pipelines.length, 19);
      assert.equal(live.tasks.length, 34);
      lister.close();
      // The redeploy of both against one context's alone (no change: the same work per server).
      const again = await deploy("one,two");
      assert.equal(again.code, 0, again.stderr);
      const alone = await deploy("two");
      assert.equal(alone.code, 0, alone.stderr);
      console.log(
        `FIGURE fleet of 2 servers: cold ${Math.round(both.ms)} ms; no-op ${
          Math.round(again.ms)
        } ms vs one server's no-op ${Math.round(alone.ms)} ms (${
          (again.ms / alone.ms).toFixed(2)
        }×)`,
      );
    } finally {
      await testenv(state, "down").catch(() => {});
    }
  },
  CONNECTS_CLUSTER,
);
