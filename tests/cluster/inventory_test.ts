/**
 * The commands after a deploy against the real API server: two pipelines
 * sharing Tasks, a real Helm release providing the base Task, a Pipeline
 * someone applied with kubectl, a foreign edit, and deletes racing deploys.
 */
import assert from "node:assert/strict";
import { realCluster } from "./_kube.ts";
import { DRACON_ROOT, runCli } from "../cli/_cli.ts";
import { type ClusterEnv, clusterTest, CONNECTS_CLUSTER, makeHelm } from "./_testenv.ts";
import { parseYamlDocuments } from "../../src/yaml/yaml.ts";
import type { KubeObject } from "../../src/k8s/objects.ts";
import { assertMatchesSchema } from "../_schemas.ts";

const C = `${DRACON_ROOT}/components`;

/** Kustomization a: base (Helm), git-clone, wget, gosec; b: base (Helm), git-clone, wget. */
async function kustomizations(): Promise<{ a: string; b: string }> {
  const dir = await Deno.makeTempDir({ prefix: "draconctl-inventory-" });
  const write = async (name: string, suffix: string, refs: string[]) => {
    await Deno.mkdir(`${dir}/${name}`);
    await Deno.writeTextFile(
      `${dir}/${name}/kustomization.yaml`,
      `nameSuffix: ${suffix}\ncomponents:\n${refs.map((r) => `  - ${r}\n`).join("")}`,
    );
    return `${dir}/${name}`;
  };
  const shared = ["helm://ci/base", `${C}/sources/git`, `${C}/sources/wget`];
  return {
    a: await write("a", "-a", [...shared, `${C}/producers/golang-gosec`]),
    b: await write("b", "-b", shared),
  };
}

/** `helm install ci` of a chart holding the corpus base Task, labelled as charts label. */
async function installBase(env: ClusterEnv): Promise<void> {
  const chart = await Deno.makeTempDir({ prefix: "draconctl-chart-" });
  await Deno.mkdir(`${chart}/templates`);
  await Deno.writeTextFile(
    `${chart}/Chart.yaml`,
    "apiVersion: v2\nname: ci-tasks\nversion: 0.3.0\n",
  );
  const [doc] = await parseYamlDocuments(await Deno.readTextFile(`${C}/base/task.yaml`), "base");
  const task = doc!.value as KubeObject;
  task.metadata.labels = {
    ...task.metadata.labels,
    "app.kubernetes.io/managed-by": "{{ .Release.Service }}",
    "app.kubernetes.io/instance": "{{ .Release.Name }}",
    "helm.sh/chart": "ci-tasks-0.3.0",
  };
  await Deno.writeTextFile(`${chart}/templates/base.json`, JSON.stringify(task));
  const helm = await makeHelm(env, 3);
  await helm(["install", "ci", chart, "-n", env.namespace, "--wait=false"]);
}

/** Commands reading a kustomization read the corpus's absolute paths, as deploy does. */
const READS_KUSTOMIZATION = ["deploy", "status", "delete", "diff"];

function cli(env: ClusterEnv, ...args: string[]) {
  const extra = READS_KUSTOMIZATION.includes(args[1] ?? "") ? ["--load-restrictor", "none"] : [];
  return runCli(
    ["--kubeconfig", env.kubeconfigPath, "-n", env.namespace, ...args, ...extra],
    { cluster: realCluster() },
  );
}

async function taskNames(env: ClusterEnv): Promise<string[]> {
  return (await env.kubectl.list("tasks.v1beta1.tekton.dev", env.namespace))
    .map((t) => t.metadata.name).sort();
}

async function setUp(env: ClusterEnv) {
  await installBase(env);
  const k = await kustomizations();
  for (const dir of [k.a, k.b]) {
    const r = await cli(env, "pipelines", "deploy", dir);
    assert.equal(r.code, 0, r.stderr);
  }
  return k;
}

clusterTest(
  "list, status and components list across two pipelines sharing Tasks and a Helm release",
  async (env) => {
    const k = await setUp(env);
    const list = await cli(env, "pipelines", "list", "-o", "json");
    assert.equal(list.code, 0, list.stderr);
    const { pipelines } = assertMatchesSchema("pipelines list", list.stdout);
    assert.deepEqual(pipelines.map((p: { name: string }) => p.name), ["dracon-a", "dracon-b"]);
    const tasksOfB = Object.fromEntries(
      pipelines[1].tasks.map((t: { name: string; from: string }) => [t.name, t.from]),
    );
    assert.deepEqual(tasksOfB, { base: "helm", "git-clone": "draconctl", wget: "draconctl" });
    const base = pipelines[1].tasks.find((t: { name: string }) => t.name === "base");
    assert.deepEqual([base.release, base.chart], ["ci", "ci-tasks-0.3.0"]);
    assert.equal(pipelines[1].kustomization, k.b);

    for (const target of [k.b, "dracon-b"]) {
      const status = await cli(env, "pipelines", "status", target, "--exit-code", "-o", "json");
      assert.equal(status.code, 0, status.stdout + status.stderr);
      const states = Object.fromEntries(
        assertMatchesSchema("pipelines status", status.stdout).objects.map((
          o: { subject: string; state: string },
        ) => [
          o.subject,
          o.state,
        ]),
      );
      assert.deepEqual(states, {
        "pipeline.tekton.dev/dracon-b": "in-sync",
        "task.tekton.dev/git-clone": "in-sync",
        "task.tekton.dev/wget": "in-sync",
        "task.tekton.dev/base": "helm",
      });
    }
    const components = await cli(env, "components", "list", "--usages", "-o", "json");
    assert.equal(components.code, 0, components.stderr);
    assert.deepEqual(
      assertMatchesSchema("components list", components.stdout).releases,
      [{
        release: "ci",
        chart: "ci-tasks-0.3.0",
        tasks: [{ name: "base", usedBy: ["dracon-a", "dracon-b"] }],
      }],
    );
  },
  CONNECTS_CLUSTER,
);

clusterTest(
  "delete --prune-tasks keeps shared, kubectl-used and Helm Tasks, removes only its own",
  async (env) => {
    const k = await setUp(env);
    let r = await cli(env, "pipelines", "delete", "dracon-a", "--prune-tasks", "--dry-run");
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await taskNames(env), ["base", "git-clone", "producer-golang-gosec", "wget"]);

    r = await cli(env, "pipelines", "delete", k.a, "--prune-tasks");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /task\.tekton\.dev\/producer-golang-gosec deleted/);
    assert.match(
      r.stdout,
      /task\.tekton\.dev\/git-clone kept: referenced by pipeline\.tekton\.dev\/dracon-b/,
    );
    assert.deepEqual(await taskNames(env), ["base", "git-clone", "wget"]);

    // Someone else's Pipeline, applied with kubectl, uses wget.
    await env.kubectl.applyServerSide([{
      apiVersion: "tekton.dev/v1",
      kind: "Pipeline",
      metadata: { name: "theirs", namespace: env.namespace },
      spec: { tasks: [{ name: "fetch", taskRef: { name: "wget" } }] },
    }], { fieldManager: "kubectl" });
    r = await cli(env, "pipelines", "delete", "dracon-b", "--prune-tasks");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /wget kept: referenced by pipeline\.tekton\.dev\/theirs/);
    assert.match(r.stdout, /base kept: provided by Helm release "ci"/);
    assert.deepEqual(await taskNames(env), ["base", "wget"], "git-clone went; Helm's base stays");

    r = await cli(env, "pipelines", "delete", "theirs");
    assert.equal(r.code, 5, "a Pipeline draconctl did not deploy is refused");
  },
  CONNECTS_CLUSTER,
);

clusterTest(
  "diff: before and after a change, and after a foreign edit (status names the manager)",
  async (env) => {
    const k = await setUp(env);
    let r = await cli(env, "pipelines", "diff", k.b, "--exit-code");
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.stdout, "");

    // A change in the kustomization: one more component.
    await Deno.writeTextFile(
      `${k.b}/kustomization.yaml`,
      (await Deno.readTextFile(`${k.b}/kustomization.yaml`)) + `  - ${C}/producers/aggregator\n`,
    );
    r = await cli(env, "pipelines", "diff", k.b, "--exit-code", "-o", "json");
    assert.equal(r.code, 1, r.stderr);
    const changes = Object.fromEntries(
      assertMatchesSchema("pipelines diff", r.stdout).objects.map((
        o: { subject: string; change: string },
      ) => [o.subject, o.change]),
    );
    assert.equal(changes["task.tekton.dev/producer-aggregator"], "created");
    assert.equal(changes["pipeline.tekton.dev/dracon-b"], "changed");
    assert.equal(changes["task.tekton.dev/wget"], "unchanged");
    r = await cli(env, "pipelines", "deploy", k.b);
    assert.equal(r.code, 0, r.stderr);
    r = await cli(env, "pipelines", "diff", k.b, "--exit-code");
    assert.equal(r.code, 0, r.stdout);

    // A foreign edit of a Task draconctl applied.
    await env.kubectl.run([
      "patch",
      "tasks.v1beta1.tekton.dev",
      "wget",
      "-n",
      env.namespace,
      "--type=json",
      "-p",
      '[{"op":"replace","path":"/spec/description","value":"edited"}]',
    ]);
    r = await cli(env, "pipelines", "status", "dracon-b", "--exit-code", "-o", "json");
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const wget = assertMatchesSchema("pipelines status", r.stdout).objects.find((
      o: { name: string },
    ) => o.name === "wget");
    assert.equal(wget.state, "drifted");
    assert.match(wget.detail, /kubectl-patch \(Update\) changed spec\.description/);
    r = await cli(env, "pipelines", "diff", k.b, "--exit-code");
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^-\s+description: edited$/m);
    assert.match(r.stdout, /another field manager owns fields; deploy needs --force-conflicts/);
    assert.doesNotMatch(r.stdout, /managedFields|resourceVersion/);
  },
  CONNECTS_CLUSTER,
);

/** Every taskRef of every Pipeline in the namespace names a Task that is there. */
async function danglingRefs(env: ClusterEnv): Promise<string[]> {
  const { tasks, pipelines } = await env.kubectl.tekton(env.namespace);
  const names = new Set(tasks.map((t) => t.metadata.name));
  return pipelines.flatMap((p) =>
    ((p.spec as { tasks: { taskRef?: { name: string } }[] }).tasks ?? [])
      .map((t) => t.taskRef?.name)
      .filter((n): n is string => n !== undefined && !names.has(n))
      .map((n) => `${p.metadata.name} → ${n}`)
  );
}

clusterTest(
  "concurrent deletes with --prune-tasks and a deploy never leave a dangling taskRef",
  async (env) => {
    const k = await setUp(env);
    const ROUNDS = 12;
    for (let round = 0; round < ROUNDS; round++) {
      // dracon-a is there, dracon-b is not: delete a (twice at once) while b is deployed.
      const d = await cli(env, "pipelines", "delete", "dracon-b", "--prune-tasks");
      assert.equal(d.code, 0, d.stderr);
      const results = await Promise.all([
        cli(env, "pipelines", "delete", "dracon-a", "--prune-tasks"),
        cli(env, "pipelines", "delete", "dracon-a", "--prune-tasks"),
        cli(env, "pipelines", "deploy", k.b),
      ]);
      const deploy = results[2]!;
      assert.equal(deploy.code, 0, `round ${round}: ${deploy.stderr}`);
      // The second delete may find the Pipeline gone or changed: a clean refusal, never a crash.
      for (const r of results.slice(0, 2)) assert.ok([0, 5].includes(r.code), r.stderr);
      assert.deepEqual(await danglingRefs(env), [], `round ${round}`);
      const tasks = await taskNames(env);
      for (const name of ["base", "git-clone", "wget"]) {
        assert.ok(tasks.includes(name), `round ${round}: ${name} is there for dracon-b`);
      }
      const again = await cli(env, "pipelines", "deploy", k.a);
      assert.equal(again.code, 0, again.stderr);
    }
  },
  CONNECTS_CLUSTER,
);
