/**
 * Concurrent deploys into one namespace, each a real `deno run` process with
 * the shipped permissions (tests/e2e/_product.ts): 10 different pipelines
 * sharing most of their Tasks, then one pipeline deployed twice at once.
 * Server-side apply without a resourceVersion must make both safe.
 *
 * Figures are printed as `FIGURE …` lines for docs/reliability.md.
 */
import assert from "node:assert/strict";
import { canonicalJson } from "../../src/k8s/ssa_applier.ts";
import type { KubeObject } from "../../src/k8s/objects.ts";
import { runProduct } from "../e2e/_product.ts";
import { writePipeline } from "./_generate.ts";
import type { Kubectl } from "./_kube.ts";
import { clusterTest } from "./_testenv.ts";

type Live = KubeObject & { spec: unknown };

async function list(kubectl: Kubectl, namespace: string, plural: string): Promise<Live[]> {
  return await kubectl.list<Live>(`${plural}.v1beta1.tekton.dev`, namespace);
}

/** The objects a client dry run of `dir` prints, by `Kind/name`. */
async function expected(dir: string): Promise<Map<string, Live>> {
  const result = await runProduct([
    "pipelines",
    "deploy",
    dir,
    "--dry-run",
    "-o",
    "json",
    "--load-restrictor",
    "none",
  ]);
  assert.equal(result.code, 0, result.stderr);
  const objects = JSON.parse(result.stdout) as (Live & { kind: string })[];
  return new Map(objects.map((o) => [`${o.kind}/${o.metadata.name}`, o]));
}

const SHARED = ["producer-shared-a", "producer-shared-b", "producer-shared-c"];

clusterTest("10 pipelines sharing Tasks deploy at once into one namespace", async (env, t) => {
  const root = await Deno.makeTempDir({ prefix: "draconctl-concurrent-" });
  const dirs: string[] = [];
  for (let i = 0; i < 10; i++) {
    dirs.push(await writePipeline(root, `p${i}`, [...SHARED, `producer-only-${i}`]));
  }
  const deploy = (dir: string) =>
    runProduct([
      "--kubeconfig",
      env.kubeconfigPath,
      "-n",
      env.namespace,
      "pipelines",
      "deploy",
      dir,
      "--load-restrictor",
      "none",
    ]);

  await t.step("10 different pipelines: every process succeeds", async () => {
    const started = performance.now();
    const results = await Promise.all(dirs.map(deploy));
    const ms = performance.now() - started;
    results.forEach((r, i) => assert.equal(r.code, 0, `p${i}: ${r.stderr}`));
    const created = results.map((r) => (r.stdout.match(/ created$/gm) ?? []).length);
    console.log(
      `FIGURE concurrency: 10 processes, 10 pipelines sharing 5 Tasks: all exit 0 in ${
        Math.round(ms)
      } ms; objects reported created per process: ${created.join(", ")}`,
    );
  });

  await t.step("every Pipeline and Task is present and as a dry run renders it", async () => {
    const want = new Map<string, Live>();
    for (const dir of dirs) for (const [key, object] of await expected(dir)) want.set(key, object);
    const tasks = await list(env.kubectl, env.namespace, "tasks");
    const pipelines = await list(env.kubectl, env.namespace, "pipelines");
    assert.equal(tasks.length, 2 + SHARED.length + 10);
    assert.equal(pipelines.length, 10);
    for (const [kind, items] of [["Task", tasks], ["Pipeline", pipelines]] as const) {
      for (const item of items) {
        const key = `${kind}/${item.metadata.name}`;
        assert.ok(want.has(key), `unexpected ${key}`);
        assert.equal(canonicalJson(item.spec), canonicalJson(want.get(key)!.spec), key);
      }
    }
  });

  await t.step("the same pipeline deployed twice at once: both succeed", async () => {
    const dir = await writePipeline(root, "twice", [...SHARED, "producer-twice"]);
    const results = await Promise.all([deploy(dir), deploy(dir)]);
    results.forEach((r, i) => assert.equal(r.code, 0, `run ${i}: ${r.stderr}`));
    const pipelines = await list(env.kubectl, env.namespace, "pipelines");
    assert.ok(pipelines.some((p) => p.metadata.name === "dracon-twice"));
    console.log(
      `FIGURE concurrency: the same pipeline twice at once: both exit 0 (${
        results.map((r) => r.stdout.trim().split("\n").at(-1)).join(" | ")
      })`,
    );
  });
});
