import assert from "node:assert/strict";
import { ClusterError } from "../../src/errors.ts";
import { MemoryApplier } from "../../src/tekton/memory_applier.ts";
import type { Task } from "../../src/tekton/types.ts";

/** Asserts `fn` rejects with an instance of `type` whose message includes `text`. */
async function rejects(
  fn: () => Promise<unknown>,
  type: new (...a: never[]) => Error,
  text: string,
) {
  await assert.rejects(fn, (e: unknown) => e instanceof type && e.message.includes(text));
}

function task(name: string, image = "alpine:3.20"): Task {
  return {
    apiVersion: "tekton.dev/v1beta1",
    kind: "Task",
    metadata: { name },
    spec: { steps: [{ name: "run", image, script: "true" }] },
  };
}

Deno.test("MemoryApplier.apply() reports created, unchanged and configured", async (t) => {
  const cluster = new MemoryApplier({ namespace: "dracon" });
  await t.step("created, in the applier's namespace", async () => {
    const entry = await cluster.apply(task("git-clone"));
    assert.deepEqual(entry, {
      subject: "task.tekton.dev/git-clone",
      kind: "Task",
      namespace: "dracon",
      name: "git-clone",
      action: "created",
    });
    assert.deepEqual(cluster.get("Task", "git-clone")?.metadata.namespace, "dracon");
  });
  await t.step("unchanged, and nothing written", async () => {
    assert.deepEqual((await cluster.apply(task("git-clone"))).action, "unchanged");
    assert.deepEqual(cluster.applied.length, 1);
  });
  await t.step("configured when the content differs", async () => {
    assert.deepEqual((await cluster.apply(task("git-clone", "alpine:3.21"))).action, "configured");
    assert.deepEqual(cluster.applied.length, 2);
    const steps = (cluster.get("Task", "git-clone") as Task).spec.steps;
    assert.deepEqual(steps?.[0]?.image, "alpine:3.21");
  });
  await t.step("key order is not a change", async () => {
    const reordered = {
      spec: { steps: [{ script: "true", image: "alpine:3.21", name: "run" }] },
      metadata: { name: "git-clone" },
      kind: "Task",
      apiVersion: "tekton.dev/v1beta1",
    } as Task;
    assert.deepEqual((await cluster.apply(reordered)).action, "unchanged");
  });
});

Deno.test("MemoryApplier.apply() with dryRun reports the action and writes nothing", async () => {
  const cluster = new MemoryApplier();
  assert.deepEqual((await cluster.apply(task("a"), { dryRun: true })).action, "created");
  assert.deepEqual(cluster.get("Task", "a"), undefined);
  assert.deepEqual(cluster.applied, []);
  assert.deepEqual(cluster.calls[0]?.options, { dryRun: true });
});

Deno.test("MemoryApplier.apply() does not keep a reference to the caller's object", async () => {
  const cluster = new MemoryApplier();
  const original = task("a");
  await cluster.apply(original);
  original.spec.steps![0]!.image = "changed";
  assert.deepEqual((cluster.get("Task", "a") as Task).spec.steps?.[0]?.image, "alpine:3.20");
  assert.deepEqual(original.metadata.namespace, undefined);
});

Deno.test("MemoryApplier error knobs", async (t) => {
  await t.step("applyErrors fails one object by name", async () => {
    const cluster = new MemoryApplier();
    cluster.applyErrors.set("bad", new ClusterError("boom"));
    await rejects(() => cluster.apply(task("bad")), ClusterError, "boom");
    assert.deepEqual((await cluster.apply(task("good"))).action, "created");
    assert.deepEqual(cluster.get("Task", "bad"), undefined);
  });
  await t.step("applyError decides per object", async () => {
    const cluster = new MemoryApplier();
    cluster.applyError = (o) =>
      o.kind === "Pipeline" ? new ClusterError("no pipelines") : undefined;
    assert.deepEqual((await cluster.apply(task("t"))).action, "created");
    await rejects(
      () =>
        cluster.apply({ apiVersion: "tekton.dev/v1", kind: "Pipeline", metadata: { name: "p" } }),
      ClusterError,
      "no pipelines",
    );
  });
  await t.step("listError fails listHelmTasks", async () => {
    const cluster = new MemoryApplier();
    cluster.listError = new ClusterError("forbidden");
    await rejects(() => cluster.listHelmTasks(), ClusterError, "forbidden");
    assert.deepEqual(cluster.listCalls, 1);
  });
});

Deno.test("MemoryApplier.listHelmTasks() groups Helm Tasks by release", async (t) => {
  const cluster = new MemoryApplier({ namespace: "dracon" });
  cluster.addHelmTask("ci-tasks", task("git-clone"));
  cluster.addHelmTask("ci-tasks", task("semgrep"));
  cluster.addHelmTask("legacy", task("old-scan"), { labelled: false });
  await cluster.apply(task("local"));
  cluster.seed({ ...task("elsewhere"), metadata: { name: "elsewhere", namespace: "other" } });
  const releases = await cluster.listHelmTasks();
  await t.step("by the instance label", () => {
    assert.deepEqual([...releases.get("ci-tasks")!.keys()].sort(), ["git-clone", "semgrep"]);
  });
  await t.step("by the release-name annotation when the label is missing", () => {
    const legacy = releases.get("legacy")!.get("old-scan")!;
    assert.deepEqual(legacy.metadata.labels?.["app.kubernetes.io/instance"], undefined);
    assert.deepEqual(legacy.metadata.annotations?.["meta.helm.sh/release-name"], "legacy");
  });
  await t.step("never Tasks Helm does not manage, nor other namespaces", () => {
    assert.deepEqual([...releases.keys()].sort(), ["ci-tasks", "legacy"]);
  });
  await t.step("Helm Tasks are on the cluster, not recorded as applied", () => {
    assert.ok(cluster.get("Task", "git-clone") !== undefined);
    assert.deepEqual(cluster.applied.map((o) => o.metadata.name), ["local"]);
  });
});

Deno.test("MemoryApplier tracks concurrency with delayMs", async () => {
  const cluster = new MemoryApplier({ delayMs: 5 });
  await Promise.all(["a", "b", "c"].map((n) => cluster.apply(task(n))));
  assert.deepEqual(cluster.maxInFlight, 3);
  assert.deepEqual(cluster.objects().map((o) => o.metadata.name), ["a", "b", "c"]);
});
