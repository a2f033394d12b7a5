/**
 * `components upgrade-check` in-process: the corpus components chart
 * "installed" in the in-memory cluster (rendered by the fake helm), the
 * corpus golang-project deployed against it, then new charts with one
 * change each. tests/cluster/upgrade_check_test.ts runs it against the real
 * API server with the real helm.
 */
import assert from "node:assert/strict";
import { planChart } from "../../src/charts/chart_plan.ts";
import { gatherTasks } from "../../src/charts/gather.ts";
import { writeChart } from "../../src/charts/package.ts";
import { DenoFileSystem } from "../../src/io/filesystem.ts";
import { ApiStatusError } from "../../src/k8s/api_errors.ts";
import { MemoryApplier } from "../../src/tekton/memory_applier.ts";
import type { Task } from "../../src/tekton/types.ts";
import { parseYamlDocuments } from "../../src/yaml/yaml.ts";
import { FakeHelm } from "../_fakes/fake_helm.ts";
import { memoryCluster } from "../_fakes/memory_cluster.ts";
import { DRACON_ROOT, runCli } from "../cli/_cli.ts";
import type { UpgradeReport } from "../../src/pipelines/upgrade_check.ts";
import { assertMatchesSchema } from "../_schemas.ts";

const RELEASE = "dracon-oss-components";
const fs = new DenoFileSystem();
const corpus = (await gatherTasks(`${DRACON_ROOT}/components`, fs)).tasks;

/** A chart directory of the corpus Tasks, each first passed through `edit` (undefined: left out), and `extra`. */
async function chart(
  edit: (task: Task) => Task | undefined = (t) => t,
  extra: readonly Task[] = [],
): Promise<string> {
  const tasks = corpus.flatMap((g) => {
    const task = edit(structuredClone(g.task));
    return task === undefined ? [] : [{ origin: g.relative, task }];
  }).concat(extra.map((task) => ({ origin: `${task.metadata.name}.yaml`, task })));
  const dir = `${await Deno.makeTempDir({ prefix: "draconctl-upgrade-test-" })}/chart`;
  await writeChart(
    planChart(tasks, { name: "dracon-components", chartVersion: "0.1.0", appVersion: "0.1.0" }),
    dir,
    fs,
  );
  return dir;
}

/** The chart installed as {@link RELEASE}, golang-project deployed, someone's Pipeline using git-clone. */
async function setUp() {
  const helm = new FakeHelm();
  const memory = new MemoryApplier({ namespace: "dracon" });
  const installed = await helm.template(await chart(), {
    releaseName: RELEASE,
    namespace: "dracon",
  });
  for (const doc of await parseYamlDocuments(installed, "install")) {
    if ((doc.value as Task | null)?.kind === "Task") memory.addHelmTask(RELEASE, doc.value as Task);
  }
  const cluster = memoryCluster(memory);
  const deployed = await runCli(
    ["-n", "dracon", "pipelines", "deploy", `${DRACON_ROOT}/examples/pipelines/golang-project`],
    { cluster, helm },
  );
  assert.equal(deployed.code, 0, deployed.stderr);
  memory.seed({
    apiVersion: "tekton.dev/v1",
    kind: "Pipeline",
    metadata: { name: "theirs", namespace: "dracon" },
    spec: {
      workspaces: [{ name: "src" }],
      tasks: [{
        name: "clone",
        taskRef: { name: "git-clone" },
        params: [{ name: "git-clone-url", value: "https://example.com/r.git" }],
        workspaces: [{ name: "output", workspace: "src" }],
      }],
    },
  });
  memory.seed({
    apiVersion: "tekton.dev/v1",
    kind: "Pipeline",
    metadata: { name: "unrelated", namespace: "dracon" },
    spec: { tasks: [{ name: "x", taskSpec: { steps: [{ image: "alpine" }] } }] },
  });
  const check = (newChart: string, ...flags: string[]) =>
    runCli(
      ["-n", "dracon", "components", "upgrade-check", "--chart", newChart, "--release", RELEASE]
        .concat(flags),
      { cluster, helm },
    );
  return { memory, check };
}

const env = await setUp();

function edit(name: string, change: (task: Task) => void): (task: Task) => Task {
  return (task) => {
    if (task.metadata.name === name) change(task);
    return task;
  };
}

/** Removes the param `name` and the step env vars using it, so the Task stays valid. */
function dropParam(task: Task, name: string): void {
  task.spec.params = task.spec.params!.filter((p) => p.name !== name);
  dropEnvOf(task, name);
}

/** Removes the step env vars whose value is `$(params.<name>)`. */
function dropEnvOf(task: Task, name: string): void {
  for (const step of task.spec.steps ?? []) {
    if (step.env !== undefined) step.env = step.env.filter((e) => e.value !== `$(params.${name})`);
  }
}

/** The `-o json` report, checked against docs/schemas/components-upgrade-check.schema.json. */
function report(stdout: string): UpgradeReport {
  return assertMatchesSchema("components upgrade-check", stdout) as UpgradeReport;
}

Deno.test("upgrade-check: the same chart changes nothing, exit 0", async () => {
  const r = await env.check(await chart(), "-o", "json");
  assert.equal(r.code, 0, r.stderr);
  const out = report(r.stdout);
  assert.equal(out.breaks, false);
  assert.deepEqual(out.pipelines.map((p) => p.pipeline), ["dracon-golang-project", "theirs"]);
  assert.ok(out.tasks.every((t) => t.status === "unchanged"), JSON.stringify(out.tasks));
  assert.ok(out.pipelines.every((p) => p.tasks.every((t) => t.changed.length === 0)));
  assert.equal(env.memory.applied.length, 1, "only the deploy's Pipeline was ever written");
  assert.ok(!env.memory.objects().some((o) => o.metadata.name.startsWith("draconctl-upgrade")));
});

Deno.test("upgrade-check: a removed param a pipeline task passes breaks that Pipeline only (exit 11)", async () => {
  const removed = await chart(edit("git-clone", (t) => dropParam(t, "git-clone-depth")));
  const r = await env.check(removed);
  assert.equal(r.code, 11, r.stderr);
  assert.match(
    r.stderr,
    /^error: Helm release "dracon-oss-components": the upgrade would break 1 Pipeline\(s\) in namespace "dracon": "dracon-golang-project"\n/,
  );
  assert.match(r.stdout, /^pipeline\.tekton\.dev\/dracon-golang-project: BREAKS$/m);
  assert.match(r.stdout, /^ {2}pipeline task "git-clone" \(Task "git-clone"\):$/m);
  assert.match(
    r.stdout,
    /breaking: Task "git-clone": params\[\d+\] "git-clone-depth": the Task declares no such param: after the upgrade Tekton drops the value the pipeline task passes$/m,
  );
  // "theirs" does not pass it: changed, not broken.
  assert.match(r.stdout, /^pipeline\.tekton\.dev\/theirs: not breaking$/m);
  assert.match(r.stdout, /changed: Task "git-clone": params "git-clone-depth": removed/);
  assert.doesNotMatch(r.stdout, /unrelated/);
  const json = report((await env.check(removed, "-o", "json")).stdout);
  assert.deepEqual(json.tasks.find((t) => t.task === "git-clone")?.changes, [
    { field: 'params "git-clone-depth"', change: "removed", incompatible: true },
    { field: 'steps "clone"', change: "env changed", incompatible: false },
  ]);
});

Deno.test("upgrade-check: a new Task Tekton would refuse is invalid and breaks every Pipeline using it (exit 11)", async () => {
  // The param removed, its step still using it: the API server (no Tekton webhook) accepts it.
  const refused = await chart(edit("git-clone", (t) => {
    t.spec.params = t.spec.params!.filter((p) => p.name !== "git-clone-depth");
  }));
  const r = await env.check(refused, "-o", "json");
  assert.equal(r.code, 11, r.stderr);
  assert.match(
    r.stderr,
    /^error: Helm release "dracon-oss-components": the upgrade would break 2 Pipeline\(s\) in namespace "dracon": "dracon-golang-project", "theirs"; Tekton would refuse 1 Task\(s\) of the new chart: "git-clone"\n/,
  );
  const json = report(r.stdout);
  assert.equal(json.breaks, true);
  const git = json.tasks.find((t) => t.task === "git-clone")!;
  assert.equal(git.status, "invalid");
  const refusal = git.changes[0]!;
  assert.match(refusal.field, /^spec\.steps\[0\]\.env\[PARAM_DEPTH\]$/);
  assert.match(refusal.change, /git-clone-depth/);
  assert.equal(refusal.incompatible, true);
  assert.ok(
    git.changes.some((c) => c.field === 'params "git-clone-depth"' && c.change === "removed"),
    "the diff's changes follow",
  );
  assert.ok(
    json.tasks.filter((t) => t.task !== "git-clone").every((t) => t.status === "unchanged"),
  );
  const message = `Tekton would refuse the new Task: ${refusal.field}: ${refusal.change}`;
  for (const pipeline of ["dracon-golang-project", "theirs"]) {
    const p = json.pipelines.find((p) => p.pipeline === pipeline)!;
    assert.equal(p.breaks, true, pipeline);
    const pt = p.tasks.find((t) => t.task === "git-clone")!;
    assert.equal(pt.breaking[0], message, pipeline);
  }
  const text = await env.check(refused);
  assert.equal(text.code, 11, text.stderr);
  assert.match(text.stdout, /0 added, 1 invalid; 2 Pipeline\(s\) use its Tasks, 2 would break$/m);
  assert.match(
    text.stdout,
    /^task\.tekton\.dev\/git-clone: INVALID \(Tekton would refuse the new Task\)$/m,
  );
  assert.match(
    text.stdout,
    /^ {2}incompatible: spec\.steps\[0\]\.env\[PARAM_DEPTH\]: .*git-clone-depth/m,
  );
  assert.match(text.stdout, /^pipeline\.tekton\.dev\/theirs: BREAKS$/m);
  assert.match(text.stdout, /^ {4}breaking: Tekton would refuse the new Task: spec\.steps\[0\]/m);
});

Deno.test("upgrade-check: an added Task Tekton would refuse, used by no Pipeline, still fails the check (exit 11)", async () => {
  const step = { name: "a", image: "alpine" };
  const extra: Task = {
    apiVersion: "tekton.dev/v1beta1",
    kind: "Task",
    metadata: { name: "new-task", labels: { "v1.dracon.ocurity.com/component": "producer" } },
    spec: { steps: [step, step] },
  };
  const r = await env.check(await chart((t) => t, [extra]), "-o", "json");
  assert.equal(r.code, 11, r.stderr);
  assert.match(
    r.stderr,
    /^error: Helm release "dracon-oss-components": Tekton would refuse 1 Task\(s\) of the new chart: "new-task"\n/,
  );
  const json = report(r.stdout);
  assert.equal(json.breaks, true);
  assert.deepEqual(json.tasks.find((t) => t.task === "new-task"), {
    task: "new-task",
    status: "invalid",
    changes: [{
      field: "spec.steps[1].name",
      change: 'step name "a" is used more than once',
      incompatible: true,
    }],
  });
  assert.ok(json.pipelines.every((p) => !p.breaks), "no Pipeline uses it");
});

Deno.test("upgrade-check: a Pipeline waiting for a Task the chart adds is reported: fixed, or broken when Tekton would refuse it", async () => {
  const own = await setUp();
  own.memory.seed({
    apiVersion: "tekton.dev/v1",
    kind: "Pipeline",
    metadata: { name: "waiting", namespace: "dracon" },
    spec: {
      tasks: [{
        name: "n",
        taskRef: { name: "new-task" },
        // The params the chart's producer scaffolding adds.
        params: ["dracon_scan_id", "dracon_scan_start_time", "dracon_scan_tags"]
          .map((name) => ({ name, value: "x" })),
      }],
    },
  });
  const task = (steps: { name: string; image: string }[]): Task => ({
    apiVersion: "tekton.dev/v1beta1",
    kind: "Task",
    metadata: { name: "new-task", labels: { "v1.dracon.ocurity.com/component": "producer" } },
    spec: { steps },
  });
  const step = { name: "a", image: "alpine" };
  const valid = await own.check(await chart((t) => t, [task([step])]), "-o", "json");
  assert.equal(valid.code, 0, valid.stdout + valid.stderr);
  const fixed = report(valid.stdout).pipelines.find((p) => p.pipeline === "waiting");
  assert.equal(fixed?.breaks, false);
  assert.equal(fixed.fixed.length, 1, JSON.stringify(fixed));
  assert.match(fixed.fixed[0]!, /new-task/);
  const refused = await own.check(await chart((t) => t, [task([step, step])]), "-o", "json");
  assert.equal(refused.code, 11, refused.stderr);
  const broken = report(refused.stdout).pipelines.find((p) => p.pipeline === "waiting");
  assert.equal(broken?.breaks, true);
  assert.deepEqual(broken.tasks, [{
    pipelineTask: "n",
    task: "new-task",
    breaking: [
      'Tekton would refuse the new Task: spec.steps[1].name: step name "a" is used more than once',
    ],
    changed: [],
  }]);
});

Deno.test("upgrade-check: images only (--set image.registry) is not breaking, exit 0", async () => {
  const r = await env.check(await chart(), "--set", "image.registry=registry.internal");
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /0 would break$/m);
  assert.match(r.stdout, /^pipeline\.tekton\.dev\/dracon-golang-project: not breaking$/m);
  assert.match(
    r.stdout,
    /changed: Task "producer-golang-gosec": steps "produce-issues" image: "[^"]+" → "registry\.internal\/[^"]+"/,
  );
  assert.doesNotMatch(r.stdout, /breaking:/);
  const json = report(
    (await env.check(await chart(), "--set", "image.registry=r.internal", "-o", "json")).stdout,
  );
  const changes = json.tasks.flatMap((t) => t.changes);
  assert.ok(changes.length > 40, `${changes.length} changes`);
  assert.ok(
    changes.every((c) => / image$/.test(c.field) && !c.incompatible),
    JSON.stringify(changes),
  );
});

Deno.test("upgrade-check: each incompatible change breaks the pipeline task using it", async (t) => {
  const cases: { name: string; edit: (task: Task) => Task | undefined; breaking: RegExp }[] = [
    {
      name: "a Task removed",
      edit: (task) => task.metadata.name === "producer-golang-nancy" ? undefined : task,
      breaking: /taskRef\.name: Task "producer-golang-nancy" is neither/,
    },
    {
      name: "a param's type changed",
      edit: edit("git-clone", (task) => {
        const p = task.spec.params!.find((p) => p.name === "git-clone-depth")!;
        p.type = "array";
        p.default = ["1"];
        dropEnvOf(task, "git-clone-depth"); // a step using it as a string: Tekton would refuse the Task
      }),
      // The pipeline task passes "$(params.git-clone-depth)", which Tekton's check lets through.
      breaking:
        /Task "git-clone": params "git-clone-depth": type "string" → "array"; the pipeline task passes it/,
    },
    {
      name: "a param without default added",
      edit: edit("producer-golang-gosec", (task) => {
        task.spec.params!.push({ name: "producer-golang-gosec-new", type: "string" });
      }),
      breaking:
        /Task "producer-golang-gosec": params: required param "producer-golang-gosec-new" \(no default\) is not passed/,
    },
    {
      name: "a consumed result removed",
      edit: edit("base", (task) => {
        task.spec.results = task.spec.results!.filter((r) => r.name !== "dracon-scan-id");
      }),
      breaking:
        /"\$\(tasks\.base\.results\.dracon-scan-id\)": Task "base" of pipeline task "base" declares no result "dracon-scan-id"/,
    },
    {
      name: "a consumed result's type changed",
      edit: edit("base", (task) => {
        task.spec.results!.find((r) => r.name === "dracon-scan-id")!.type = "array";
      }),
      breaking:
        /Task "base": results "dracon-scan-id": type "string" → "array"; used by pipeline task "/,
    },
    {
      name: "a required workspace added",
      edit: edit("producer-golang-gosec", (task) => {
        task.spec.workspaces = [...task.spec.workspaces ?? [], { name: "cache" }];
      }),
      breaking: /Task "producer-golang-gosec": workspaces: required workspace "cache" is not bound/,
    },
    {
      name: "a bound workspace removed",
      edit: edit("git-clone", (task) => {
        task.spec.workspaces = task.spec.workspaces!.filter((w) => w.name !== "output");
      }),
      breaking: /Task "git-clone": workspaces\[\d+\] "output": the Task declares no such workspace/,
    },
  ];
  for (const c of cases) {
    await t.step(c.name, async () => {
      const r = await env.check(await chart(c.edit));
      assert.equal(r.code, 11, r.stdout + r.stderr);
      assert.match(r.stdout, /^pipeline\.tekton\.dev\/dracon-golang-project: BREAKS$/m);
      assert.match(r.stdout, c.breaking);
    });
  }
});

Deno.test("upgrade-check: a changed default or script is not breaking", async () => {
  const r = await env.check(
    await chart(edit("git-clone", (task) => {
      task.spec.params!.find((p) => p.name === "git-clone-depth")!.default = "5";
      task.spec.steps![0]!.script = "#!/bin/sh\necho changed\n";
    })),
    "-o",
    "yaml",
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /breaks: false/);
  assert.match(r.stdout, /params "git-clone-depth": default "1" → "5"/);
  assert.match(r.stdout, /steps "clone" script: changed/);
});

Deno.test("upgrade-check: bad input", async (t) => {
  await t.step("a release with no Task in the namespace: exit 3, naming it", async () => {
    const r = await runCli(
      [
        "-n",
        "dracon",
        "components",
        "upgrade-check",
        "--chart",
        await chart(),
        "--release",
        "nope",
      ],
      { cluster: memoryCluster(env.memory), helm: new FakeHelm() },
    );
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /Helm release "nope" provides no Task in namespace "dracon"/);
  });
  await t.step("a chart that renders no Task: exit 3, naming it", async () => {
    const dir = await Deno.makeTempDir();
    await Deno.mkdir(`${dir}/templates`);
    await Deno.writeTextFile(`${dir}/Chart.yaml`, "apiVersion: v2\nname: empty\nversion: 0.1.0\n");
    await Deno.writeTextFile(`${dir}/values.yaml`, "{}\n");
    await Deno.writeTextFile(
      `${dir}/templates/cm.yaml`,
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
    );
    const r = await env.check(dir);
    assert.equal(r.code, 3, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`helm template dracon-oss-components ${dir}: the chart renders no Task`),
    );
  });
  await t.step("a missing -f file: exit 2 before the cluster is read", async () => {
    const r = await runCli(
      ["components", "upgrade-check", "--chart", await chart(), "--release", RELEASE]
        .concat(["-f", "/nonexistent/values.yaml"]),
    );
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /-f\/--values "\/nonexistent\/values\.yaml": no such file/);
  });
});

Deno.test("upgrade-check: a dry run the identity may not make falls back to the rendered Tasks, with a warning", async () => {
  const cluster = await memoryCluster(env.memory)({} as never);
  const forbidden = {
    ...cluster,
    client: {
      ...cluster.client,
      server: "memory",
      list: cluster.client.list.bind(cluster.client),
      get: cluster.client.get.bind(cluster.client),
      apply: () =>
        Promise.reject(
          new ApiStatusError(403, {
            reason: "Forbidden",
            message: 'tasks.tekton.dev is forbidden: User "u" cannot patch resource "tasks"',
          }),
        ),
    },
  };
  const r = await runCli(
    ["-n", "dracon", "components", "upgrade-check", "--chart", await chart(), "--release", RELEASE]
      .concat(["-o", "json"]),
    { cluster: () => Promise.resolve(forbidden), helm: new FakeHelm() },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.warnings.length, 1, r.warnings.join("\n"));
  assert.deepEqual(report(r.stdout).warnings, r.warnings, "the report carries the warning too");
  assert.match(
    r.warnings[0]!,
    /could not be dry-run on the API server \(.*forbidden.*\): they are compared as rendered/,
  );
});

Deno.test("upgrade-check: a result used in bracket form is found; a longer name is not it", async () => {
  const own = await setUp();
  const consumer = (name: string, value: string) => ({
    apiVersion: "tekton.dev/v1",
    kind: "Pipeline",
    metadata: { name, namespace: "dracon" },
    spec: {
      tasks: [
        { name: "b", taskRef: { name: "base" } },
        { name: "c", taskSpec: { steps: [{ image: "alpine" }] }, params: [{ name: "x", value }] },
      ],
    },
  });
  own.memory.seed(consumer("bracket", '$(tasks.b.results["dracon-scan-tags"])'));
  own.memory.seed(consumer("dotted", "$(tasks.b.results.dracon-scan-tags)"));
  own.memory.seed(
    consumer("other", "$(tasks.b.results.dracon-scan-tags-x) $(tasks.b.results.dracon-scan-id)"),
  );
  const r = await own.check(
    await chart(edit("base", (task) => {
      task.spec.results!.find((r) => r.name === "dracon-scan-tags")!.type = "array";
    })),
    "-o",
    "json",
  );
  assert.equal(r.code, 11, r.stderr);
  const json = report(r.stdout);
  const breaks = Object.fromEntries(json.pipelines.map((p) => [p.pipeline, p.breaks]));
  assert.equal(breaks.bracket, true);
  assert.equal(breaks.dotted, true);
  assert.equal(breaks.other, false, "dracon-scan-tags-x is another result");
  const bracket = json.pipelines.find((p) => p.pipeline === "bracket")!;
  assert.deepEqual(bracket.tasks[0]!.breaking, [
    'Task "base": results "dracon-scan-tags": type "string" → "array"; used by pipeline task "c"',
  ]);
});
