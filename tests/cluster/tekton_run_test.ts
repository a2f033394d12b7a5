/**
 * Issue 16: a Pipeline draconctl deploys actually runs. Against the test
 * environment's real Tekton controller (`scripts/testenv up --tekton`, the
 * v1.15.0 controller built from its Go module) and the pod completer standing
 * in for the kubelet (scripts/pod_completer.ts, a simulation: it ends each
 * step with exit 0 and the results its Task declares, or with the failure a
 * test annotates):
 *
 * - every corpus example pipeline that draconctl deploys, deployed by the
 *   shipped product against the packaged and helm-installed components chart,
 *   and again from the local components: its own `pipelinerun.yaml`, created
 *   with kubectl, reaches `Succeeded`; the Pods carry the rendered images and
 *   the run's params;
 * - a failing producer fails the PipelineRun and no consumer runs;
 * - two pipelines sharing Tasks run at the same time;
 * - the controller reaches no registry (a step without `command` fails on the
 *   blocked proxy instead of leaving the machine).
 */
import assert from "node:assert/strict";
import { parse } from "yaml";
import { gatherTasks } from "../../src/charts/gather.ts";
import { DenoFileSystem } from "../../src/io/filesystem.ts";
import type { KubeObject } from "../../src/k8s/objects.ts";
import { DRACON_ROOT } from "../cli/_cli.ts";
import { runProduct } from "../e2e/_product.ts";
import { testenv } from "./_dedicated.ts";
import { type ClusterEnv, clusterTest, makeHelm, uniqueNamespace } from "./_testenv.ts";

const EXAMPLES = `${DRACON_ROOT}/examples/pipelines`;
const RELEASE = "dracon-oss-components";
const REGISTRY = "registry.internal.example";
const APP_VERSION = "0.1.0";
/** The completer's annotations (scripts/pod_completer.ts). */
const FAIL = "testenv.draconctl.dev/fail";
const RUN_FOR = "testenv.draconctl.dev/run-for";
const RESULTS = "testenv.draconctl.dev/results";

/** Examples draconctl refuses, and why (tests/cluster/corpus_examples_test.ts checks the refusal). */
const REFUSED: Record<string, RegExp> = {
  // its component list names `pkg:helm/dracon-oss-components/enrichers/reachability`, not a Task
  "reachability-project": /pkg:helm\/dracon-oss-components\/enrichers\/reachability/,
};

/**
 * Examples whose own `pipelinerun.yaml` lacks a parameter its Pipeline requires:
 * all four include the git-clone Task but pass no `git-clone-url`. Tekton
 * refuses such a run (`ParameterMissing`, checked) and the run with the
 * parameter added must succeed.
 */
const fromRepositoryUrl = (run: Run) =>
  String(run.spec.params!.find((p) => p.name === "repository_url")!.value);
const MISSING_PARAMS: Record<string, { missing: string; value: (run: Run) => string }> = {
  // these pass `repository_url`, a parameter of an older git-clone Task
  "iac-project": { missing: "git-clone-url", value: fromRepositoryUrl },
  "java-project": { missing: "git-clone-url", value: fromRepositoryUrl },
  "misc-project": { missing: "git-clone-url", value: fromRepositoryUrl },
  // passes only `source-dependency-purl`, for its purl source; nothing to clone is named
  "nancy-purl-project": {
    missing: "git-clone-url",
    value: () => "https://github.com/ocurity/e2e-monorepo.git",
  },
};

interface Param {
  name: string;
  value: unknown;
}
interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
interface Run extends KubeObject {
  metadata: KubeObject["metadata"] & {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: {
    params?: Param[];
    pipelineRef?: { name: string };
    taskRef?: { name: string };
    [key: string]: unknown;
  };
  status?: {
    conditions?: Condition[];
    startTime?: string;
    completionTime?: string;
    childReferences?: { name: string; pipelineTaskName: string }[];
    results?: { name: string; value: unknown }[];
  };
}
interface PipelineTask {
  name: string;
  taskRef?: { name: string };
  params?: Param[];
}
interface Step {
  name: string;
  image?: string;
}
interface TaskSpec {
  params?: { name: string; default?: unknown }[];
  steps?: Step[];
}
interface Container {
  name: string;
  image: string;
  args?: string[];
}
interface Pod extends KubeObject {
  metadata: KubeObject["metadata"] & { labels?: Record<string, string> };
  spec: { containers: Container[]; initContainers?: Container[] };
  status?: { phase?: string };
}

function requireTekton(): void {
  if (!Deno.env.get("DRACONCTL_TESTENV_TEKTON")) {
    throw new Error(
      "the test environment runs without the Tekton controller: start it with " +
        '`scripts/testenv up --tekton` and `eval "$(scripts/testenv env)"` (scripts/test does)',
    );
  }
}

/** A namespace for PipelineRuns: with the `default` ServiceAccount Tekton reads for every TaskRun (no controller-manager creates it here). */
async function runNamespace(env: ClusterEnv, namespace: string): Promise<void> {
  requireTekton();
  await env.kubectl.run(["-n", namespace, "create", "serviceaccount", "default"]);
}

/** The corpus examples, each with its `pipelinerun.yaml`, sorted. */
async function examples(): Promise<string[]> {
  const dirs: string[] = [];
  for await (const entry of Deno.readDir(EXAMPLES)) if (entry.isDirectory) dirs.push(entry.name);
  return dirs.sort();
}

async function pipelineRunOf(example: string): Promise<Run> {
  return parse(await Deno.readTextFile(`${EXAMPLES}/${example}/pipelinerun.yaml`)) as Run;
}

/** Creates `run` in `namespace` with kubectl, with extra annotations; returns its name. */
async function createRun(
  env: ClusterEnv,
  namespace: string,
  run: Run,
  annotations: Record<string, string> = {},
): Promise<string> {
  const object = structuredClone(run);
  // Some examples name the namespace they were written for; the test's own one is used.
  delete (object.metadata as { namespace?: string }).namespace;
  object.metadata.annotations = { ...object.metadata.annotations, ...annotations };
  const { stdout } = await env.kubectl.run(
    ["-n", namespace, "create", "-f", "-", "-o", "jsonpath={.metadata.name}"],
    JSON.stringify(object),
  );
  return stdout.trim();
}

const succeeded = (run: Run) => run.status?.conditions?.find((c) => c.type === "Succeeded");

/** Polls until every named PipelineRun is done (Succeeded True or False); returns them by name. */
async function waitForRuns(
  env: ClusterEnv,
  namespace: string,
  names: string[],
  timeoutMs = 300_000,
): Promise<Map<string, Run>> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const runs = new Map(
      (await env.kubectl.list<Run>("pipelineruns.v1.tekton.dev", namespace))
        .map((r) => [r.metadata.name, r]),
    );
    const pending = names.filter((n) =>
      (succeeded(runs.get(n)!)?.status ?? "Unknown") === "Unknown"
    );
    if (pending.length === 0) return runs;
    if (Date.now() > deadline) {
      const states = pending.map((n) => `${n}: ${JSON.stringify(succeeded(runs.get(n)!) ?? null)}`);
      throw new Error(`PipelineRuns not done after ${timeoutMs} ms:\n${states.join("\n")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** Every string in `value`, recursively. */
function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === "object") return Object.values(value).flatMap(strings);
  return [];
}

/** The strings of the Pod's spec, and the scripts Tekton's place-scripts init container writes, decoded from base64. */
function podText(pod: Pod): string {
  const spec = strings(pod.spec).join("\n");
  const scripts = (pod.spec.initContainers ?? []).flatMap((c) => c.args ?? []).join("\n");
  const decoded = [...scripts.matchAll(/<< '_EOF_'\n([A-Za-z0-9+/=\n]+?)\n_EOF_/g)]
    .map((m) =>
      new TextDecoder().decode(
        Uint8Array.from(atob(m[1]!.replace(/\n/g, "")), (c) => c.charCodeAt(0)),
      )
    );
  return [spec, ...decoded].join("\n");
}

/** `$(params.x)` in `text` replaced by the TaskRun's value of x, else the Task's default. */
function substitute(text: string, taskRun: Run, task: TaskSpec): string {
  return text.replace(/\$\(params\.([\w.-]+)\)/g, (whole, name: string) => {
    const bound = taskRun.spec.params?.find((p) => p.name === name)?.value;
    const value = bound ?? task.params?.find((p) => p.name === name)?.default;
    return typeof value === "string" ? value : whole;
  });
}

interface Cluster {
  tasks: Map<string, TaskSpec>;
  pipelines: Map<string, { tasks: PipelineTask[]; finally?: PipelineTask[] }>;
  taskRuns: Run[];
  pods: Pod[];
}

async function readCluster(env: ClusterEnv, namespace: string): Promise<Cluster> {
  const [tasks, pipelines, taskRuns, pods] = await Promise.all([
    env.kubectl.list("tasks.v1.tekton.dev", namespace),
    env.kubectl.list("pipelines.v1.tekton.dev", namespace),
    env.kubectl.list<Run>("taskruns.v1.tekton.dev", namespace),
    env.kubectl.list<Pod>("pods", namespace),
  ]);
  return {
    tasks: new Map(tasks.map((t) => [t.metadata.name, (t as unknown as { spec: TaskSpec }).spec])),
    pipelines: new Map(
      pipelines.map((p) => [
        p.metadata.name,
        (p as unknown as { spec: { tasks: PipelineTask[]; finally?: PipelineTask[] } }).spec,
      ]),
    ),
    taskRuns,
    pods,
  };
}

/**
 * Checks a succeeded PipelineRun: one succeeded TaskRun per pipeline task, each
 * Pod's step images are its Task's (params substituted: Tekton renders them),
 * and every run param bound to a Task param that the Task's steps use is in
 * that Task's Pod. Returns how many param values it found in Pods.
 */
function checkSucceededRun(cluster: Cluster, run: Run): number {
  const where = run.metadata.name;
  assert.equal(succeeded(run)?.status, "True", `${where}: ${JSON.stringify(succeeded(run))}`);
  const pipeline = cluster.pipelines.get(run.spec.pipelineRef!.name)!;
  const pipelineTasks = [...pipeline.tasks, ...(pipeline.finally ?? [])];
  const taskRuns = cluster.taskRuns.filter((tr) =>
    tr.metadata.labels?.["tekton.dev/pipelineRun"] === where
  );
  assert.deepEqual(
    taskRuns.map((tr) => tr.metadata.labels!["tekton.dev/pipelineTask"]).sort(),
    pipelineTasks.map((t) => t.name).sort(),
    `${where}: one TaskRun per pipeline task`,
  );
  let found = 0;
  for (const pipelineTask of pipelineTasks) {
    const taskRun = taskRuns.find((tr) =>
      tr.metadata.labels!["tekton.dev/pipelineTask"] === pipelineTask.name
    )!;
    assert.equal(succeeded(taskRun)?.status, "True", `${where}/${pipelineTask.name}`);
    const task = cluster.tasks.get(pipelineTask.taskRef!.name)!;
    const pod = cluster.pods.find((p) =>
      p.metadata.labels?.["tekton.dev/taskRun"] === taskRun.metadata.name
    )!;
    assert.ok(pod, `${where}/${pipelineTask.name}: no Pod`);
    assert.equal(pod.status?.phase, "Succeeded");
    const steps = pod.spec.containers.filter((c) => c.name.startsWith("step-"));
    assert.deepEqual(
      steps.map((c) => [c.name, c.image]),
      task.steps!.map((s) => [`step-${s.name}`, substitute(s.image!, taskRun, task)]),
      `${where}/${pipelineTask.name}: the Pod runs the Task's images`,
    );
    const text = podText(pod);
    const stepsText = JSON.stringify(task.steps);
    for (const { name, value } of run.spec.params ?? []) {
      for (const bound of pipelineTask.params ?? []) {
        if (!JSON.stringify(bound.value).includes(`$(params.${name})`)) continue;
        if (!stepsText.includes(`$(params.${bound.name})`)) continue; // the Task does not use it
        for (const v of typeof value === "string" ? [value] : value as string[]) {
          assert.ok(
            text.includes(v),
            `${where}/${pipelineTask.name}: param ${name}=${v} (as ${bound.name}) not in its Pod`,
          );
          found++;
        }
      }
    }
  }
  return found;
}

/** `draconctl` as it ships, on the environment's kubeconfig and helm v3 with private dirs. */
async function product(env: ClusterEnv) {
  const home = await Deno.makeTempDir({ prefix: "draconctl-tekton-helm-" });
  const vars = {
    KUBECONFIG: env.kubeconfigPath,
    HELM_CONFIG_HOME: `${home}/config`,
    HELM_CACHE_HOME: `${home}/cache`,
    HELM_DATA_HOME: `${home}/data`,
    PATH: `${env.bin}/helm-v3:${env.bin}:${Deno.env.get("PATH")}`,
  };
  return (args: string[]) => runProduct(args, vars);
}

const RENDER_FLAGS = [
  "--base-dir",
  DRACON_ROOT,
  "--set",
  `image.registry=${REGISTRY}`,
  "--app-version",
  APP_VERSION,
];

/**
 * Deploys every example with `deploy(example)` (refused ones must fail as
 * documented), creates every `pipelinerun.yaml` at once and checks each run.
 */
async function runAllExamples(
  env: ClusterEnv,
  namespace: string,
  deploy: (example: string) => Promise<{ code: number; stderr: string }>,
): Promise<void> {
  const names = new Map<string, string>();
  for (const example of await examples()) {
    const result = await deploy(example);
    if (REFUSED[example]) {
      assert.equal(result.code, 3, `${example}: ${result.stderr}`);
      assert.match(result.stderr, REFUSED[example]);
      continue;
    }
    assert.equal(result.code, 0, `${example}: ${result.stderr}`);
  }
  const refusedRuns = new Map<string, string>();
  for (const example of await examples()) {
    if (REFUSED[example]) continue;
    const run = await pipelineRunOf(example);
    const gap = MISSING_PARAMS[example];
    if (gap) {
      refusedRuns.set(example, await createRun(env, namespace, run));
      run.spec.params!.push({ name: gap.missing, value: gap.value(run) });
    }
    names.set(example, await createRun(env, namespace, run));
  }
  assert.equal(names.size, (await examples()).length - Object.keys(REFUSED).length);
  const runs = await waitForRuns(env, namespace, [...names.values(), ...refusedRuns.values()]);
  for (const [example, name] of refusedRuns) {
    const condition = succeeded(runs.get(name)!);
    assert.equal(condition?.reason, "ParameterMissing", `${example}: ${JSON.stringify(condition)}`);
    assert.match(
      condition!.message!,
      new RegExp(`missing parameters: \\[${MISSING_PARAMS[example]!.missing}\\]`),
    );
  }
  const cluster = await readCluster(env, namespace);
  let found = 0;
  for (const [example, name] of names) {
    const run = runs.get(name)!;
    assert.equal(run.spec.pipelineRef?.name, (await pipelineRunOf(example)).spec.pipelineRef?.name);
    found += checkSucceededRun(cluster, run);
  }
  assert.ok(found >= names.size, `only ${found} param values checked in Pods`);
  const templated = cluster.pods.flatMap((p) => p.spec.containers)
    .filter((c) =>
      c.image.startsWith(`${REGISTRY}/components/`) && c.image.endsWith(`:${APP_VERSION}`)
    );
  assert.ok(templated.length >= names.size, `${templated.length} Pods with rendered images`);
}

clusterTest(
  "Tekton: the corpus examples deployed against the installed components chart run to Succeeded",
  async (env, t) => {
    await runNamespace(env, env.namespace);
    const draconctl = await product(env);
    const helm = await makeHelm(env, 3);
    const out = await Deno.makeTempDir({ prefix: "draconctl-tekton-chart-" });
    const packaged = await draconctl([
      "components",
      "package",
      `${DRACON_ROOT}/components`,
      "--name",
      "dracon-components",
      "--output-dir",
      out,
      "-o",
      "json",
    ]);
    assert.equal(packaged.code, 0, packaged.stderr);
    const { archive } = JSON.parse(packaged.stdout) as { archive: string };
    const install = async (namespace: string) =>
      await helm([
        "install",
        RELEASE,
        archive,
        "-n",
        namespace,
        "--set",
        `image.registry=${REGISTRY}`,
      ]);
    await install(env.namespace);
    const deploy = (namespace: string, example: string) =>
      draconctl([
        "-n",
        namespace,
        "pipelines",
        "deploy",
        `${EXAMPLES}/${example}/kustomization.yaml`,
        ...(example === "rails-project" ? RENDER_FLAGS : []),
      ]);

    await t.step("every example's pipelinerun.yaml reaches Succeeded", async () => {
      await runAllExamples(env, env.namespace, (example) => deploy(env.namespace, example));
    });

    await t.step("a failing producer fails the PipelineRun and no consumer runs", async () => {
      const run = await pipelineRunOf("golang-project");
      const name = await createRun(env, env.namespace, run, { [FAIL]: "producer-golang-gosec=3" });
      const done = (await waitForRuns(env, env.namespace, [name])).get(name)!;
      assert.equal(succeeded(done)?.status, "False");
      assert.equal(succeeded(done)?.reason, "Failed");
      const cluster = await readCluster(env, env.namespace);
      const ran = new Map(
        cluster.taskRuns.filter((tr) => tr.metadata.labels?.["tekton.dev/pipelineRun"] === name)
          .map((tr) => [tr.metadata.labels!["tekton.dev/pipelineTask"]!, tr]),
      );
      const gosec = ran.get("producer-golang-gosec")!;
      assert.equal(succeeded(gosec)?.status, "False");
      assert.match(succeeded(gosec)!.message!, /"step-run-gosec" exited with code 3/);
      for (const task of ran.keys()) {
        assert.ok(!/^(producer-aggregator|enricher-|consumer-)/.test(task), `${task} ran`);
      }
      assert.ok(ran.has("base") && ran.has("git-clone"), [...ran.keys()].join(","));
      assert.match(succeeded(done)!.message!, /Failed: 1, .*Skipped: 5/);
    });

    await t.step("two pipelines sharing Tasks run at the same time", async () => {
      // golang-project and custom-annotations-enricher-project share base, git-clone,
      // producer-golang-gosec, producer-aggregator and enricher-aggregator.
      const slow = { [RUN_FOR]: "1s" };
      const [a, b] = await Promise.all(
        ["golang-project", "custom-annotations-enricher-project"].map(async (example) =>
          createRun(env, env.namespace, await pipelineRunOf(example), slow)
        ),
      );
      const runs = await waitForRuns(env, env.namespace, [a!, b!]);
      const cluster = await readCluster(env, env.namespace);
      for (const name of [a!, b!]) checkSucceededRun(cluster, runs.get(name)!);
      const [ra, rb] = [runs.get(a!)!, runs.get(b!)!];
      const start = (r: Run) => Date.parse(r.status!.startTime!);
      const end = (r: Run) => Date.parse(r.status!.completionTime!);
      assert.ok(
        Math.max(start(ra), start(rb)) < Math.min(end(ra), end(rb)),
        `the runs did not overlap: ${
          JSON.stringify([ra.status, rb.status].map((s) => [s!.startTime, s!.completionTime]))
        }`,
      );
      const taskOf = (name: string) =>
        cluster.taskRuns.filter((tr) => tr.metadata.labels?.["tekton.dev/pipelineRun"] === name)
          .map((tr) => tr.metadata.labels!["tekton.dev/task"]);
      const shared = taskOf(a!).filter((task) => taskOf(b!).includes(task));
      assert.deepEqual(
        shared.sort(),
        [
          "base",
          "enricher-aggregator",
          "git-clone",
          "producer-aggregator",
          "producer-golang-gosec",
        ],
      );
    });

    await t.step("result values from the run's fixture reach the Pods that take them", async () => {
      const scanId = `scan-${crypto.randomUUID()}`;
      const name = await createRun(env, env.namespace, await pipelineRunOf("golang-project"), {
        [RESULTS]: JSON.stringify({ base: { "dracon-scan-id": scanId } }),
      });
      const done = (await waitForRuns(env, env.namespace, [name])).get(name)!;
      const cluster = await readCluster(env, env.namespace);
      checkSucceededRun(cluster, done);
      // base's dracon-scan-id is every producer's DRACON_SCAN_ID
      for (const task of ["producer-golang-gosec", "producer-golang-nancy"]) {
        const pod = cluster.pods.find((p) =>
          p.metadata.labels?.["tekton.dev/pipelineRun"] === name &&
          p.metadata.labels?.["tekton.dev/pipelineTask"] === task
        )!;
        assert.ok(podText(pod).includes(scanId), `base's result is not in the Pod of ${task}`);
      }
    });
  },
);

clusterTest(
  "Tekton: the corpus examples deployed from the local components run to Succeeded",
  async (env) => {
    await runNamespace(env, env.namespace);
    const draconctl = await product(env);
    // Task name -> its component directory, e.g. producer-golang-gosec -> components/producers/golang-gosec
    const dirs = new Map(
      (await gatherTasks(`${DRACON_ROOT}/components`, new DenoFileSystem())).tasks
        .map((g) => [g.task.metadata.name, `components/${g.relative.replace(/\/[^/]+$/, "")}`]),
    );
    const work = await Deno.makeTempDir({ prefix: "draconctl-tekton-local-" });
    await runAllExamples(env, env.namespace, async (example) => {
      const source = await Deno.readTextFile(`${EXAMPLES}/${example}/kustomization.yaml`);
      const local = source.replace(
        /pkg:helm\/dracon-oss-components\/([\w-]+)$/gm,
        (whole, task: string) => dirs.get(task) ?? whole,
      );
      if (!REFUSED[example]) assert.ok(!local.includes("pkg:helm"), `${example}:\n${local}`);
      await Deno.mkdir(`${work}/${example}`);
      await Deno.writeTextFile(`${work}/${example}/kustomization.yaml`, local);
      return await draconctl(
        ["-n", env.namespace, "pipelines", "deploy", `${work}/${example}`, ...RENDER_FLAGS],
      );
    });
    const tasks = await env.kubectl.list("tasks.v1.tekton.dev", env.namespace);
    assert.ok(tasks.length > 20, `${tasks.length} Tasks`);
    for (const task of tasks) {
      assert.equal(
        (task.metadata as { labels?: Record<string, string> }).labels
          ?.["app.kubernetes.io/managed-by"],
        "draconctl",
        `${task.metadata.name} is local (applied by draconctl), not Helm's`,
      );
    }
  },
);

clusterTest(
  "Tekton: the controller reaches no registry (entrypoint lookup blocked)",
  async (env) => {
    await runNamespace(env, env.namespace);
    const name = `no-command-${uniqueNamespace("x").slice(-6)}`;
    await env.kubectl.create([{
      apiVersion: "tekton.dev/v1",
      kind: "TaskRun",
      metadata: { name, namespace: env.namespace },
      spec: { taskSpec: { steps: [{ name: "x", image: "docker.io/library/busybox:1.36" }] } },
    }]);
    const deadline = Date.now() + 60_000;
    let taskRun: Run | undefined;
    while (Date.now() < deadline) {
      taskRun = await env.kubectl.get<Run>("taskruns.v1.tekton.dev", name, env.namespace);
      if (taskRun && (succeeded(taskRun)?.status ?? "Unknown") !== "Unknown") break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const condition = succeeded(taskRun!);
    assert.equal(condition?.status, "False", JSON.stringify(condition));
    assert.equal(condition?.reason, "PodCreationFailed");
    assert.match(condition!.message!, /proxyconnect tcp: dial tcp 127\.0\.0\.1:9/);
    assert.deepEqual(await env.kubectl.list("pods", env.namespace), []);
  },
);

/** The command line of process `pid` (`ps`), or "" when none runs (a zombie has ended). */
async function commandLine(pid: number): Promise<string> {
  const output = await new Deno.Command("ps", { args: ["-o", "stat=,args=", "-p", String(pid)] })
    .output();
  const [state, ...args] = new TextDecoder().decode(output.stdout).trim().split(/\s+/);
  return state === undefined || state === "" || state.startsWith("Z") ? "" : args.join(" ");
}

Deno.test("Tekton: up --tekton records the controller and the pod completer; down stops both", async () => {
  requireTekton();
  const state = await Deno.makeTempDir({ prefix: "draconctl-tekton-env-" });
  await Deno.remove(state);
  const pids = new Map<string, number>();
  try {
    await testenv(state, "up", "--tekton");
    for (const line of (await Deno.readTextFile(`${state}/pids`)).trim().split("\n")) {
      const [name, pid] = line.split(" ");
      pids.set(name!, Number(pid));
    }
    assert.match(
      await commandLine(pids.get("tekton-controller")!),
      /tekton-controller -kubeconfig/,
    );
    assert.match(await commandLine(pids.get("pod-completer")!), /pod_completer\.ts/);
    assert.match(
      await Deno.readTextFile(`${state}/logs/tekton-controller.log`),
      /Starting controllers/,
    );
    assert.match(await Deno.readTextFile(`${state}/logs/pod-completer.log`), /watching Pods/);
    assert.match(await testenv(state, "env"), /^export DRACONCTL_TESTENV_TEKTON=v1\.15\.0$/m);
  } finally {
    await testenv(state, "down");
  }
  assert.ok(pids.size >= 5, [...pids.keys()].join(","));
  for (const [name, pid] of pids) assert.equal(await commandLine(pid), "", `${name} still runs`);
});
