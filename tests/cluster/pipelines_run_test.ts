/**
 * `pipelines check` and `pipelines run` end to end against the test
 * environment's real Tekton controller (`scripts/testenv up --tekton`) and
 * the pod completer (scripts/pod_completer.ts: a simulation of the kubelet,
 * steered by annotations). The golang-project example, from the local
 * components: the check lists the param a run must supply, a run without it
 * is refused before anything is created, `--wait` ends 0 when the run
 * succeeds, 7 when a producer fails, 8 when the run times out.
 */
import assert from "node:assert/strict";
import { DRACON_ROOT } from "../cli/_cli.ts";
import { runProduct } from "../e2e/_product.ts";
import { type ClusterEnv, clusterTest } from "./_testenv.ts";
import { assertMatchesSchema } from "../_schemas.ts";

const COMPONENTS = [
  "base",
  "sources/git",
  "producers/golang-gosec",
  "producers/golang-nancy",
  "producers/aggregator",
  "enrichers/codeowners",
  "enrichers/aggregator",
  "consumers/mongodb",
  "consumers/elasticsearch",
];
const PIPELINE = "dracon-golang-project";

function requireTekton(): void {
  if (!Deno.env.get("DRACONCTL_TESTENV_TEKTON")) {
    throw new Error(
      "the test environment runs without the Tekton controller: start it with " +
        '`scripts/testenv up --tekton` and `eval "$(scripts/testenv env)"` (scripts/test does)',
    );
  }
}

async function kustomization(components: string[]): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "draconctl-run-" });
  await Deno.writeTextFile(
    `${dir}/kustomization.yaml`,
    [
      "apiVersion: kustomize.config.k8s.io/v1beta1",
      "kind: Kustomization",
      "nameSuffix: -golang-project",
      "components:",
      ...components.map((c) => `  - components/${c}`),
      "",
    ].join("\n"),
  );
  return dir;
}

async function pipelineRuns(env: ClusterEnv): Promise<string[]> {
  return (await env.kubectl.list("pipelineruns.v1.tekton.dev", env.namespace))
    .map((r) => r.metadata.name);
}

clusterTest("pipelines check and run against the Tekton controller", async (env, t) => {
  requireTekton();
  await env.kubectl.run(["-n", env.namespace, "create", "serviceaccount", "default"]);
  const draconctl = (args: string[]) =>
    runProduct(["-n", env.namespace, "pipelines", ...args], { KUBECONFIG: env.kubeconfigPath });
  const dir = await kustomization(COMPONENTS);
  const base = ["--base-dir", DRACON_ROOT];

  await t.step("check lists what a run must supply and writes nothing", async () => {
    const checked = await draconctl(["check", dir, ...base, "-o", "json"]);
    assert.equal(checked.code, 0, checked.stderr);
    const summary = assertMatchesSchema("pipelines check", checked.stdout);
    assert.equal(summary.pipeline, PIPELINE);
    assert.deepEqual(summary.required, [{ name: "git-clone-url", type: "string" }]);
    assert.deepEqual(
      (await env.kubectl.list("pipelines.v1.tekton.dev", env.namespace)).length,
      0,
    );
  });

  const deployed = await draconctl(["deploy", dir, ...base]);
  assert.equal(deployed.code, 0, deployed.stderr);

  await t.step(
    "a run without the required param is refused before anything is created",
    async () => {
      const refused = await draconctl(["run", dir, ...base, "-w", "output=emptyDir"]);
      assert.equal(refused.code, 3, refused.stderr);
      assert.match(refused.stderr, /param "git-clone-url": the Pipeline requires it/);
      const unbound = await draconctl(["run", PIPELINE, "-p", "git-clone-url=https://x/y.git"]);
      assert.equal(unbound.code, 3, unbound.stderr);
      assert.match(unbound.stderr, /workspace "output": the Pipeline requires it/);
      assert.deepEqual(await pipelineRuns(env), []);
    },
  );

  await t.step("--dry-run prints the PipelineRun and creates nothing", async () => {
    const printed = await draconctl([
      "run",
      PIPELINE,
      "-p",
      "git-clone-url=https://x/y.git",
      "-w",
      "output=pvc:1Gi",
      "--dry-run",
      "-o",
      "json",
    ]);
    assert.equal(printed.code, 0, printed.stderr);
    const run = assertMatchesSchema("pipelines run", printed.stdout);
    assert.equal(run.kind, "PipelineRun");
    assert.equal(run.spec.pipelineRef.name, PIPELINE);
    assert.deepEqual(run.spec.params, [{ name: "git-clone-url", value: "https://x/y.git" }]);
    assert.equal(run.spec.workspaces[0].volumeClaimTemplate.spec.resources.requests.storage, "1Gi");
    assert.deepEqual(await pipelineRuns(env), []);
  });

  const run = ["-p", "git-clone-url=https://x/y.git", "-w", "output=emptyDir", "--wait"];

  await t.step("--wait follows the run to Succeeded (exit 0)", async () => {
    const done = await draconctl(["run", dir, ...base, ...run]);
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, /task consumer-mongodb succeeded/);
    assert.match(
      done.stdout,
      /pipelinerun\.tekton\.dev\/dracon-golang-project-run-\w+ Succeeded\n$/,
    );
  });

  await t.step("a failing producer: exit 7, no consumer ran", async () => {
    const failed = await draconctl([
      "run",
      PIPELINE,
      ...run,
      "-o",
      "name",
      "--annotation",
      "testenv.draconctl.dev/fail=producer-golang-gosec=3",
    ]);
    assert.equal(failed.code, 7, failed.stderr);
    const name = failed.stdout.trim().replace("pipelinerun.tekton.dev/", "");
    assert.match(failed.stderr, /Failed: Tasks Completed: \d+ \(Failed: 1/);
    const taskRuns = await env.kubectl.list("taskruns.v1.tekton.dev", env.namespace);
    const ran = taskRuns.filter((tr) => tr.metadata.labels?.["tekton.dev/pipelineRun"] === name)
      .map((tr) => tr.metadata.labels!["tekton.dev/pipelineTask"]!);
    assert.ok(ran.includes("producer-golang-gosec"), ran.join(","));
    assert.ok(!ran.some((task) => task.startsWith("consumer-")), ran.join(","));
  });

  await t.step("a run past its timeout: exit 8", async () => {
    const timedOut = await draconctl([
      "run",
      PIPELINE,
      ...run,
      "--timeout",
      "2s",
      "--annotation",
      "testenv.draconctl.dev/run-for=30s",
    ]);
    assert.equal(timedOut.code, 8, timedOut.stderr);
    assert.match(timedOut.stderr, /PipelineRunTimeout/);
  });
});
