import assert from "node:assert/strict";
import { memoryCluster } from "../_fakes/memory_cluster.ts";
import { MemoryApplier } from "../../src/tekton/memory_applier.ts";
import { FakeHelm } from "../_fakes/fake_helm.ts";
import { DRACON_ROOT, fixture, runCli } from "./_cli.ts";

const ARGS = [
  "pipelines",
  "deploy",
  fixture("pipelines/golang-project"),
  "--dry-run",
  "--base-dir",
  DRACON_ROOT,
];

Deno.test("pipelines deploy --dry-run --set/--app-version renders Tasks holding Helm expressions", async () => {
  const result = await runCli([
    ...ARGS,
    "--set",
    "image.registry=registry.internal",
    "--app-version",
    "1.0.0",
  ]);
  assert.equal(result.code, 0, result.stderr);
  assert.ok(
    result.stdout.includes("image: registry.internal/components/producers/golang-gosec:1.0.0"),
    result.stdout,
  );
  assert.ok(!result.stdout.includes("{{"), "nothing left to render");
  assert.ok(
    !result.warnings.some((w) => w.includes("Helm template expressions")),
    result.warnings.join("\n"),
  );
});

Deno.test("pipelines deploy --dry-run renders as apply does; with the chart defaults it needs no helm", async () => {
  // A dry run prints what apply would send; apply renders Helm expressions, so the dry run must.
  const helm = Object.assign(new FakeHelm(), { installed: false });
  const result = await runCli(ARGS, { helm });
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(helm.calls, [], "rendered in-process");
  assert.ok(!result.stdout.includes("{{ default"), "no Helm expression is printed");
});

Deno.test("pipelines deploy --dry-run renders Helm expressions with the chart defaults, as apply", async () => {
  const result = await runCli(ARGS);
  assert.equal(result.code, 0, result.stderr);
  assert.ok(!result.stdout.includes("{{"), "no Helm expression is printed");
  assert.ok(helmCallsRendered(result.stdout), result.stdout.slice(0, 400));
});

Deno.test("pipelines deploy --dry-run --set without helm is exit 6 with a hint", async () => {
  const helm = Object.assign(new FakeHelm(), { installed: false });
  const result = await runCli([...ARGS, "--set", "image.registry=r"], { helm });
  assert.equal(result.code, 6, result.stderr);
  assert.match(result.stderr, /helm is not installed or not on PATH\nhint: install helm/);
});

/** Whether the images of the dry run's Tasks were rendered with the defaults (registry, `latest`). */
function helmCallsRendered(stdout: string): boolean {
  return /image: ghcr\.io\/ocurity\/dracon\/components\/\S+:latest/.test(stdout);
}

Deno.test("pipelines deploy --set refuses a value without key=", async () => {
  const result = await runCli([...ARGS, "--set", "novalue"]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /--set.*key=value/);
});

Deno.test("pipelines deploy without helm says so once, however many Tasks need it", async () => {
  const helm = Object.assign(new FakeHelm(), { installed: false });
  const memory = new MemoryApplier({ namespace: "dracon" });
  // Values need helm: the in-process renderer knows only the chart defaults.
  const args = [
    "-n",
    "dracon",
    ...ARGS.filter((a) => a !== "--dry-run"),
    "--set",
    "image.registry=r",
  ];
  const result = await runCli(args, {
    helm,
    cluster: memoryCluster(memory),
  });
  assert.equal(result.code, 6, result.stderr);
  assert.equal(helm.calls.length, 1, "all the Tasks in one helm call");
  assert.equal(result.stderr.match(/helm is not installed/g)?.length, 1, result.stderr);
  assert.deepEqual(memory.applied, [], "nothing applied");
});

Deno.test("pipelines deploy --set/-f renders every Task through one helm call, whatever their number", async () => {
  const memory = new MemoryApplier({ namespace: "dracon" });
  const helm = new FakeHelm();
  const cluster = memoryCluster(memory);
  const args = ["-n", "dracon", ...ARGS.filter((a) => a !== "--dry-run")];
  const result = await runCli([...args, "--set", "image.registry=registry.internal"], {
    helm,
    cluster,
  });
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(helm.calls.map((c) => c.method), ["template"]);
  const tasks = memory.applied.filter((o) => o.kind === "Task");
  assert.equal(tasks.length, 9);
  const templated = tasks.filter((t) => JSON.stringify(t).includes("registry.internal/"));
  assert.ok(templated.length >= 5, `${templated.length} Tasks rendered with the value`);
  assert.ok(!JSON.stringify(memory.applied).includes("{{"), "nothing left to render");
});
