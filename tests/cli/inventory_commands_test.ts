/**
 * `pipelines list`, `status`, `delete`, `diff` and `components list` against
 * the in-memory cluster: two pipelines sharing Tasks, one Helm release, a
 * Pipeline someone applied with kubectl. (tests/cluster/inventory_test.ts
 * runs the same against a real API server.)
 */
import assert from "node:assert/strict";
import { deployBoth, run, setUp } from "./_inventory_env.ts";

Deno.test("pipelines list shows draconctl's Pipelines with each Task's origin", async () => {
  const env = await setUp();
  await deployBoth(env);
  const r = await run(env, ["pipelines", "list", "-o", "json"]);
  assert.equal(r.code, 0, r.stderr);
  const { pipelines } = JSON.parse(r.stdout);
  assert.deepEqual(pipelines.map((p: { name: string }) => p.name), ["dracon-a", "dracon-b"]);
  const b = pipelines[1];
  assert.equal(b.kustomization, `${env.dir}/b`);
  const base = b.tasks.find((t: { name: string }) => t.name === "base");
  assert.deepEqual({ from: base.from, release: base.release }, { from: "helm", release: "ci" });
  const git = b.tasks.find((t: { name: string }) => t.name === "git-clone");
  assert.equal(git.from, "draconctl");
  assert.equal(git.source, "git.yaml");
  assert.match(git.digest, /^sha256:/);
  const names = await run(env, ["pipelines", "list", "-o", "name"]);
  assert.equal(names.stdout, "pipeline.tekton.dev/dracon-a\npipeline.tekton.dev/dracon-b\n");
});

Deno.test("pipelines status: in sync, then drifted naming the field manager, then missing", async () => {
  const env = await setUp();
  await deployBoth(env);
  let r = await run(env, ["pipelines", "status", "dracon-b", "--exit-code"]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /task\.tekton\.dev\/base\s+helm/);
  env.memory.addManager("Task", "wget", "kubectl-edit");
  r = await run(env, ["pipelines", "status", `${env.dir}/b`, "--exit-code", "-o", "json"]);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stderr, "");
  const wget = JSON.parse(r.stdout).objects.find((o: { name: string }) => o.name === "wget");
  assert.equal(wget.state, "drifted");
  assert.match(wget.detail, /kubectl-edit/);
  r = await run(env, ["pipelines", "status", "no-such-pipeline"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /pipeline\.tekton\.dev\/no-such-pipeline\s+missing/);
});

Deno.test("pipelines delete --prune-tasks keeps shared, Helm and foreign-used Tasks", async (t) => {
  const env = await setUp();
  await deployBoth(env);
  // Someone else's Pipeline, applied with kubectl, uses the aggregator Task.
  env.memory.seed({
    apiVersion: "tekton.dev/v1",
    kind: "Pipeline",
    metadata: { name: "theirs", namespace: "dracon" },
    spec: { tasks: [{ name: "x", taskRef: { name: "producer-aggregator" } }] },
  });
  await t.step("--dry-run deletes nothing and says what would go", async () => {
    const r = await run(env, ["pipelines", "delete", "dracon-a", "--prune-tasks", "--dry-run"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /task\.tekton\.dev\/producer-golang-gosec deleted \(dry run\)/);
    assert.ok(env.memory.get("Pipeline", "dracon-a"));
    assert.ok(env.memory.get("Task", "producer-golang-gosec"));
  });
  await t.step("only the Task nothing else needs goes", async () => {
    const r = await run(env, ["pipelines", "delete", "dracon-a", "--prune-tasks", "-o", "json"]);
    assert.equal(r.code, 0, r.stderr);
    const actions = Object.fromEntries(
      JSON.parse(r.stdout).objects.map((o: { name: string; action: string }) => [o.name, o.action]),
    );
    assert.deepEqual(actions, {
      "dracon-a": "deleted",
      base: "kept",
      "git-clone": "kept",
      wget: "kept",
      "producer-golang-gosec": "deleted",
      "producer-aggregator": "kept",
    });
    assert.equal(env.memory.get("Pipeline", "dracon-a"), undefined);
    assert.equal(env.memory.get("Task", "producer-golang-gosec"), undefined);
    for (const name of ["base", "git-clone", "wget", "producer-aggregator"]) {
      assert.ok(env.memory.get("Task", name), `${name} is kept`);
    }
  });
  await t.step("the last user gone, its Tasks go, never Helm's", async () => {
    const r = await run(env, ["pipelines", "delete", `${env.dir}/b`, "--prune-tasks"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /task\.tekton\.dev\/base kept: provided by Helm release "ci"/);
    assert.equal(env.memory.get("Task", "wget"), undefined);
    assert.ok(env.memory.get("Task", "base"));
  });
  await t.step("a Pipeline draconctl did not deploy is refused", async () => {
    const r = await run(env, ["pipelines", "delete", "theirs"]);
    assert.equal(r.code, 5);
    assert.match(r.stderr, /not deployed by draconctl/);
    assert.ok(env.memory.get("Pipeline", "theirs"));
  });
});

Deno.test("pipelines delete --prune-tasks keeps a Task another field manager edited", async () => {
  const env = await setUp();
  await deployBoth(env);
  await run(env, ["pipelines", "delete", "dracon-b"]);
  env.memory.addManager("Task", "producer-golang-gosec", "kubectl-edit");
  const r = await run(env, ["pipelines", "delete", "dracon-a", "--prune-tasks"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /producer-golang-gosec kept: field manager "kubectl-edit" owns fields of it/,
  );
  assert.match(r.stdout, /wget deleted/);
});

Deno.test("a deploy racing a prune keeps its Tasks: the mark is taken away, the delete refused", async () => {
  const env = await setUp();
  await deployBoth(env);
  await run(env, ["pipelines", "delete", "dracon-b"]);
  // Right before each Task DELETE (after the delete's own checks), dracon-b is deployed again.
  let raced = false;
  env.memory.beforeDelete = async (name) => {
    if (raced || name !== "wget") return;
    raced = true;
    const r = await run(env, ["pipelines", "deploy", `${env.dir}/b`]);
    assert.equal(r.code, 0, r.stderr);
  };
  const r = await run(env, ["pipelines", "delete", "dracon-a", "--prune-tasks"]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(raced);
  assert.match(r.stdout, /wget kept: changed while it was being pruned/);
  assert.ok(env.memory.get("Task", "wget"), "the Task dracon-b needs is there");
  assert.match(r.stdout, /producer-golang-gosec deleted/);
});

Deno.test("pipelines diff: everything new, nothing, then the changed Task only", async () => {
  const env = await setUp();
  let r = await run(env, ["pipelines", "diff", `${env.dir}/b`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\+\+\+ deploy\/task\.tekton\.dev\/wget/);
  await deployBoth(env);
  r = await run(env, ["pipelines", "diff", `${env.dir}/b`, "--exit-code"]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(r.stdout, "");
  const wget = await Deno.readTextFile(`${env.dir}/b/wget.yaml`);
  await Deno.writeTextFile(`${env.dir}/b/wget.yaml`, wget.replace(/image: .*/, "image: busybox:9"));
  r = await run(env, ["pipelines", "diff", `${env.dir}/b`, "--exit-code"]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /^\+\s+image: busybox:9$/m);
  assert.match(r.stdout, /^---.*wget/m);
  assert.doesNotMatch(r.stdout, /git-clone/);
  assert.doesNotMatch(r.stdout, /managedFields/);
});

Deno.test("components list --usages names the Pipelines using each Helm Task", async () => {
  const env = await setUp();
  await deployBoth(env);
  const r = await run(env, ["components", "list", "--usages", "-o", "json"]);
  assert.equal(r.code, 0, r.stderr);
  const { releases } = JSON.parse(r.stdout);
  assert.deepEqual(releases.map((x: { release: string }) => x.release), ["ci"]);
  assert.deepEqual(releases[0].tasks, [{ name: "base", usedBy: ["dracon-a", "dracon-b"] }]);
  const text = await run(env, ["components", "list", "--usages"]);
  assert.match(text.stdout, /ci\s+base\s+dracon-a, dracon-b/);
});
