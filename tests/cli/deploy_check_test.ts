/**
 * `pipelines deploy` makes the checks of `pipelines check` before any write
 * (issue 16): a Pipeline that would not run is refused with the check's exit
 * code and message, nothing applied (not even a dry run); `--no-check` skips
 * them; a client dry run never makes them (it contacts no cluster).
 */
import assert from "node:assert/strict";
import { MemoryApplier } from "../../src/tekton/memory_applier.ts";
import { memoryCluster } from "../_fakes/memory_cluster.ts";
import { fixture, runCli } from "./_cli.ts";

const DIR = fixture("bad/cluster-check-missing-task");

function setUp() {
  const memory = new MemoryApplier({ namespace: "dracon" });
  const deploy = (...flags: string[]) =>
    runCli(["-n", "dracon", "pipelines", "deploy", DIR, "--load-restrictor", "none", ...flags], {
      cluster: memoryCluster(memory),
    });
  return { memory, deploy };
}

for (const mode of [[], ["--dry-run=server"], ["--only-validate"]]) {
  Deno.test(`deploy ${mode.join(" ")}: a Pipeline that would not run is refused before any apply`, async () => {
    const { memory, deploy } = setUp();
    const r = await deploy(...mode);
    assert.equal(r.code, 3, r.stderr);
    assert.match(
      r.stderr,
      /^error: Pipeline "dracon-x": pipeline task "notify" \(spec\.tasks\[0\]\): taskRef\.name: Task "slack-notify" is neither deployed with the Pipeline nor on the cluster$/m,
    );
    assert.match(r.stderr, /^hint: .*pipelines check/m);
    assert.deepEqual(memory.calls, [], "no apply, not even a dry run");
  });
}

Deno.test("deploy --no-check applies what the check would refuse", async () => {
  const { memory, deploy } = setUp();
  const r = await deploy("--no-check");
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^pipeline\.tekton\.dev\/dracon-x created$/m);
  assert.deepEqual(memory.applied.map((o) => o.metadata.name), ["base", "dracon-x"]);
});

Deno.test("deploy passes the check once the Task is on the cluster; warnings are printed", async () => {
  const { memory, deploy } = setUp();
  memory.seed({
    apiVersion: "tekton.dev/v1beta1",
    kind: "Task",
    metadata: { name: "slack-notify", namespace: "dracon" },
    spec: { params: [{ name: "unused", default: "x" }], steps: [{ image: "alpine" }] },
  });
  const r = await deploy();
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(memory.applied.map((o) => o.metadata.name), ["base", "dracon-x"]);
  assert.ok(
    r.warnings.some((w) => /params\[0\] "channel": the Task declares no such param/.test(w)),
    r.warnings.join("\n"),
  );
});

Deno.test("deploy --dry-run (client) makes no check and contacts no cluster", async () => {
  const r = await runCli(["pipelines", "deploy", DIR, "--load-restrictor", "none", "--dry-run"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /name: slack-notify/);
});
