/**
 * `components upgrade-check` against the real API server and helm v3: the
 * corpus components chart packaged by `draconctl components package` and
 * installed with `helm install`, golang-project deployed against it; then a
 * modified copy of the chart (a param the Pipeline passes removed) names the
 * broken Pipeline with exit 11 — and the Task as invalid while its step still
 * uses the param (Tekton would refuse it; the test server has no webhook) — and an images-only change (`--set
 * image.registry=…`) is reported non-breaking with exit 0.
 */
import assert from "node:assert/strict";
import type { UpgradeReport } from "../../src/pipelines/upgrade_check.ts";
import { DRACON_ROOT, runCli } from "../cli/_cli.ts";
import { assertMatchesSchema } from "../_schemas.ts";
import { realCluster } from "./_kube.ts";
import { run } from "./_run.ts";
import { clusterTest, CONNECTS_CLUSTER, makeHelm, makeHelmCli } from "./_testenv.ts";

const RELEASE = "dracon-oss-components";
const REGISTRY = "registry.internal.example";

clusterTest("components upgrade-check against the installed corpus chart", async (env, t) => {
  const helm = await makeHelmCli(env);
  const helmRun = await makeHelm(env, 3);
  const out = await Deno.makeTempDir({ prefix: "draconctl-upgrade-chart-" });
  const packaged = await runCli(
    ["components", "package", `${DRACON_ROOT}/components`, "--name", "dracon-components"]
      .concat(["--output-dir", out, "-o", "json"]),
    { helm },
  );
  assert.equal(packaged.code, 0, packaged.stderr);
  const { archive } = assertMatchesSchema("components package", packaged.stdout) as {
    archive: string;
  };
  const installed = await helmRun(
    ["install", RELEASE, archive, "-n", env.namespace, "--set", `image.registry=${REGISTRY}`],
  );
  assert.equal(installed.code, 0, installed.stderr);
  const cli = (args: string[]) =>
    runCli(["--kubeconfig", env.kubeconfigPath, "-n", env.namespace, ...args], {
      cluster: realCluster(),
      helm,
    });
  const deployed = await cli(
    ["pipelines", "deploy", `${DRACON_ROOT}/examples/pipelines/golang-project`],
  );
  assert.equal(deployed.code, 0, deployed.stderr);
  const versions = new Map(
    (await env.kubectl.list("tasks.v1beta1.tekton.dev", env.namespace))
      .map((task) => [task.metadata.name, task.metadata.resourceVersion]),
  );
  const check = (chart: string, ...flags: string[]) =>
    cli(["components", "upgrade-check", "--chart", chart, "--release", RELEASE, ...flags]);

  await t.step("the installed chart with the installed values: nothing changes", async () => {
    const r = await check(archive, "--set", `image.registry=${REGISTRY}`, "-o", "json");
    assert.equal(r.code, 0, r.stderr);
    const report = assertMatchesSchema("components upgrade-check", r.stdout) as UpgradeReport;
    assert.equal(report.breaks, false);
    assert.deepEqual(report.pipelines.map((p) => p.pipeline), ["dracon-golang-project"]);
    assert.equal(report.tasks.length, 48);
    const changed = report.tasks.filter((task) => task.status !== "unchanged");
    assert.deepEqual(changed, [], "the live Tasks equal what the chart renders");
  });

  await t.step("an images-only change is not breaking: exit 0", async () => {
    const r = await check(archive, "--set", "image.registry=mirror.example");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /1 Pipeline\(s\) use its Tasks, 0 would break$/m);
    assert.match(r.stdout, /^pipeline\.tekton\.dev\/dracon-golang-project: not breaking$/m);
    assert.match(
      r.stdout,
      /changed: Task "producer-golang-gosec": steps "produce-issues" image: "registry\.internal\.example\/[^"]+" → "mirror\.example\/[^"]+"/,
    );
    assert.doesNotMatch(r.stdout, /breaking:/);
  });

  await t.step(
    "a removed param the Pipeline passes names the broken Pipeline: exit 11",
    async () => {
      // A modified copy of the chart, outside the repository.
      const copy = await Deno.makeTempDir({ prefix: "draconctl-upgrade-modified-" });
      const untar = await run("tar", ["-xzf", archive, "-C", copy]);
      assert.equal(untar.code, 0, untar.stderr);
      const template = `${copy}/dracon-components/templates/git-clone.yaml`;
      const text = await Deno.readTextFile(template);
      const trimmed = text.replace(
        /^ {4}- name: git-clone-depth\n(?: {6}.*\n)+/m,
        "",
      );
      assert.notEqual(trimmed, text, "the param was removed from the template");
      // Its step still using it: the API server (no Tekton webhook here) takes the Task, Tekton would not.
      await Deno.writeTextFile(template, trimmed);
      const refused = await check(
        `${copy}/dracon-components`,
        "--set",
        `image.registry=${REGISTRY}`,
        "-o",
        "json",
      );
      assert.equal(refused.code, 11, refused.stdout + refused.stderr);
      assert.match(
        refused.stderr,
        /error: Helm release "dracon-oss-components": the upgrade would break 1 Pipeline\(s\) in namespace "[^"]+": "dracon-golang-project"; Tekton would refuse 1 Task\(s\) of the new chart: "git-clone"/,
      );
      const report = assertMatchesSchema(
        "components upgrade-check",
        refused.stdout,
      ) as UpgradeReport;
      const impact = report.tasks.find((task) => task.task === "git-clone");
      assert.equal(impact?.status, "invalid");
      assert.match(impact.changes[0]!.field, /^spec\.steps\[0\]\.env\[PARAM_DEPTH\]$/);
      const pt = report.pipelines[0]!.tasks.find((task) => task.task === "git-clone");
      assert.match(pt!.breaking[0]!, /^Tekton would refuse the new Task: spec\.steps\[0\]\.env/);
      // The step's use removed too: a valid Task, the Pipeline's value dropped.
      const unused = trimmed.replace(
        /^ *- name: PARAM_DEPTH\n *value: "?\$\(params\.git-clone-depth\)"?\n/m,
        "",
      );
      assert.notEqual(unused, trimmed, "the step's use was removed from the template");
      await Deno.writeTextFile(template, unused);
      const r = await check(`${copy}/dracon-components`, "--set", `image.registry=${REGISTRY}`);
      assert.equal(r.code, 11, r.stdout + r.stderr);
      assert.match(
        r.stderr,
        /error: Helm release "dracon-oss-components": the upgrade would break 1 Pipeline\(s\) in namespace "[^"]+": "dracon-golang-project"/,
      );
      assert.match(r.stdout, /^pipeline\.tekton\.dev\/dracon-golang-project: BREAKS$/m);
      assert.match(
        r.stdout,
        /pipeline task "git-clone" \(Task "git-clone"\):\n {4}breaking: Task "git-clone": params\[\d+\] "git-clone-depth": the Task declares no such param/,
      );
      // Nothing was written: the release's Task still declares it.
      const live = await env.kubectl.list("tasks.v1beta1.tekton.dev", env.namespace);
      const git = live.find((task) => task.metadata.name === "git-clone") as
        | { spec: { params: { name: string }[] } }
        | undefined;
      assert.ok(git?.spec.params.some((p) => p.name === "git-clone-depth"));
    },
  );

  await t.step("a new Task the API server refuses: exit 3, naming it", async () => {
    const copy = await Deno.makeTempDir({ prefix: "draconctl-upgrade-invalid-" });
    const untar = await run("tar", ["-xzf", archive, "-C", copy]);
    assert.equal(untar.code, 0, untar.stderr);
    const template = `${copy}/dracon-components/templates/git-clone.yaml`;
    const text = await Deno.readTextFile(template);
    const broken = text.replace(
      /^ {2}workspaces:\n/m,
      "  timeout: [not, a, duration]\n  workspaces:\n",
    );
    assert.notEqual(broken, text);
    await Deno.writeTextFile(template, broken);
    const r = await check(`${copy}/dracon-components`, "--set", `image.registry=${REGISTRY}`);
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(
      r.stderr,
      /^error: Task "git-clone" of the new chart: the API server refuses it: .*spec\.timeout/m,
    );
    assert.doesNotMatch(r.stderr, /draconctl-upgrade-check-\d/, "the probe's name is not shown");
  });

  await t.step("nothing was written: the release's Tasks as installed, no probe left", async () => {
    const tasks = await env.kubectl.list("tasks.v1beta1.tekton.dev", env.namespace);
    assert.equal(tasks.length, 48);
    for (const task of tasks) {
      assert.equal(task.metadata.resourceVersion, versions.get(task.metadata.name));
    }
  });

  await t.step("a release with no Task in the namespace: exit 3, naming it", async () => {
    const r = await check(archive, "--release", "no-such-release");
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /Helm release "no-such-release" provides no Task in namespace/);
  });
}, CONNECTS_CLUSTER);
