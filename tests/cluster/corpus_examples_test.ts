/**
 * Issue 5 end to end, with helm v3 and v4 of the test environment: package
 * the Dracon corpus's components with `draconctl components package`, install
 * the chart as `dracon-oss-components` with a private registry, deploy the
 * corpus's example pipelines that reference it, refuse the malformed
 * `reachability-project`, then push the chart to the local OCI registry,
 * install it from `oci://` as a second release and deploy against that one.
 */
import assert from "node:assert/strict";
import { realCluster } from "./_kube.ts";
import { gatherTasks } from "../../src/charts/gather.ts";
import { DenoFileSystem } from "../../src/io/filesystem.ts";
import type { Task } from "../../src/tekton/types.ts";
import type { KubeObject } from "../../src/k8s/objects.ts";
import { DRACON_ROOT, runCli } from "../cli/_cli.ts";
import {
  type ClusterEnv,
  clusterTest,
  CONNECTS_CLUSTER,
  makeHelm,
  makeHelmCli,
  uniqueNamespace,
} from "./_testenv.ts";

const EXAMPLES = `${DRACON_ROOT}/examples/pipelines`;
const REGISTRY = "registry.internal.example";
const RELEASE = "dracon-oss-components";

/** The examples that deploy with helm:// references only, with the Pipeline name their `nameSuffix` gives. */
const EXAMPLES_OK = [
  { dir: "golang-project", pipeline: "dracon-golang-project" },
  { dir: "yarn-audit-purl-project", pipeline: "dracon-yarn-audit-purl-project" },
  { dir: "dast-project", pipeline: "dracon-dast-project" },
  // its nameSuffix is -annotation-project
  { dir: "custom-annotations-enricher-project", pipeline: "dracon-annotation-project" },
];

async function list<T>(
  env: ClusterEnv,
  namespace: string,
  plural: "tasks" | "pipelines",
): Promise<T[]> {
  const version = plural === "tasks" ? "v1beta1" : "v1";
  return await env.kubectl.list<KubeObject>(`${plural}.${version}.tekton.dev`, namespace) as T[];
}

async function resourceVersions(env: ClusterEnv, namespace: string): Promise<Map<string, string>> {
  return new Map(
    (await list<Task>(env, namespace, "tasks")).map((t) => [
      t.metadata.name,
      (t.metadata as { resourceVersion?: string }).resourceVersion ?? "",
    ]),
  );
}

async function pipelineNames(env: ClusterEnv, namespace: string): Promise<string[]> {
  return (await list<{ metadata: { name: string } }>(env, namespace, "pipelines"))
    .map((p) => p.metadata.name).sort();
}

/** Copies a directory tree (a corpus fixture to trim). */
async function copyDir(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    if (entry.isDirectory) await copyDir(`${from}/${entry.name}`, `${to}/${entry.name}`);
    else if (entry.isFile) await Deno.copyFile(`${from}/${entry.name}`, `${to}/${entry.name}`);
  }
}

for (const major of [3, 4] as const) {
  clusterTest(
    `helm v${major}: the corpus examples deploy against the installed components chart`,
    async (env, t) => {
      const started = performance.now();
      const lap = (what: string) =>
        console.log(`helm v${major}: ${what} at ${Math.round(performance.now() - started)} ms`);
      const helm = await makeHelmCli(env, major);
      const helmRun = await makeHelm(env, major);
      const deploy = (namespace: string, path: string, ...extra: string[]) =>
        runCli(
          [
            "--kubeconfig",
            env.kubeconfigPath,
            "-n",
            namespace,
            "pipelines",
            "deploy",
            path,
            ...extra,
          ],
          { cluster: realCluster(), helm },
        );

      // 1. package (the whole corpus; and, for rails-project's local brakeman, the
      // corpus without it — see below)
      const pack = async (dir: string) => {
        const out = await Deno.makeTempDir({ prefix: "draconctl-corpus-chart-" });
        const packaged = await runCli(
          ["components", "package", dir, "--name", "dracon-components"]
            .concat(["--output-dir", out, "-o", "json"]),
          { helm },
        );
        assert.equal(packaged.code, 0, packaged.stderr);
        return JSON.parse(packaged.stdout) as {
          archive: string;
          chart: { name: string; version: string; appVersion: string };
          tasks: string[];
        };
      };
      const { archive, chart, tasks: chartTasks } = await pack(`${DRACON_ROOT}/components`);
      assert.equal(chartTasks.length, 48);
      assert.equal(
        chart.appVersion,
        "0.1.0",
        "components package defaults appVersion to the chart version",
      );
      lap("packaged");

      // Offline: the chart stands in for the release, no cluster is contacted.
      await t.step(
        "--dry-run --helm-chart assembles golang-project from the chart alone",
        async () => {
          let connected = 0;
          const result = await runCli(
            ["pipelines", "deploy", `${EXAMPLES}/golang-project/kustomization.yaml`, "--dry-run"]
              .concat([
                "--helm-chart",
                `${RELEASE}=${archive}`,
                "--set",
                `image.registry=${REGISTRY}`,
              ]),
            {
              helm,
              cluster: () => Promise.reject(new Error(`contacted a cluster (${++connected})`)),
            },
          );
          assert.equal(result.code, 0, result.stderr);
          assert.equal(connected, 0);
          const kinds = [...result.stdout.matchAll(/^kind: (\w+)$/gm)].map((m) => m[1]);
          assert.deepEqual(
            kinds,
            ["Pipeline"],
            "helm:// Tasks are the release's: only the Pipeline is printed",
          );
          assert.match(result.stdout, /name: dracon-golang-project/);
          assert.match(result.stdout, /taskRef:\n\s+name: producer-golang-gosec/);
          const missing = await runCli(
            ["pipelines", "deploy", `${EXAMPLES}/golang-project/kustomization.yaml`, "--dry-run"]
              .concat(["--helm-chart", `other=${archive}`]),
            { helm },
          );
          assert.equal(missing.code, 3, missing.stderr);
          assert.match(
            missing.stderr,
            /no Helm release "dracon-oss-components" .*\(releases there: "other"\)/,
          );
        },
      );

      // 2. install
      const install = (chartRef: string, namespace: string) =>
        helmRun([
          "install",
          RELEASE,
          chartRef,
          "-n",
          namespace,
          "--set",
          `image.registry=${REGISTRY}`,
        ]);
      await install(archive, env.namespace);
      const before = await resourceVersions(env, env.namespace);
      assert.deepEqual([...before.keys()].sort(), chartTasks);
      lap("installed");

      const railsFlags = [
        "--base-dir",
        DRACON_ROOT,
        "--set",
        `image.registry=${REGISTRY}`,
        "--app-version",
        chart.appVersion,
      ];
      const assertHelmTasksUntouched = async (
        namespace: string,
        versions: Map<string, string>,
      ) => {
        const after = await resourceVersions(env, namespace);
        for (const [name, version] of versions) {
          assert.equal(after.get(name), version, `Helm-owned Task ${name} was re-applied`);
        }
      };

      // 3./4. the examples
      for (const example of EXAMPLES_OK) {
        await t.step(`${example.dir} deploys; no Helm-owned Task is re-applied`, async () => {
          const result = await deploy(
            env.namespace,
            `${EXAMPLES}/${example.dir}/kustomization.yaml`,
          );
          assert.equal(result.code, 0, result.stderr);
          assert.equal(
            result.stdout,
            `pipeline.tekton.dev/${example.pipeline} created\n` +
              "1 object: 1 created, 0 configured, 0 unchanged, 0 failed in 0.0 s\n",
          );
          assert.ok((await pipelineNames(env, env.namespace)).includes(example.pipeline));
          await assertHelmTasksUntouched(env.namespace, before);
          lap(`deployed ${example.dir}`);
        });
      }

      // rails-project mixes in a local producer-brakeman, which the chart also
      // installed. Rendered with the chart's values it is identical to the
      // Helm-owned Task, so the release provides it: nothing is taken over or
      // re-applied, and the Pipeline uses it.
      await t.step(
        "rails-project against the full chart: its local producer-brakeman is the release's own",
        async () => {
          const result = await deploy(
            env.namespace,
            `${EXAMPLES}/rails-project/kustomization.yaml`,
            ...railsFlags,
          );
          assert.equal(result.code, 0, result.stderr);
          assert.equal(
            result.stdout,
            "pipeline.tekton.dev/dracon-rails-project created\n" +
              "1 object: 1 created, 0 configured, 0 unchanged, 0 failed in 0.0 s\n",
          );
          assert.ok(
            result.warnings.some((w) =>
              w.includes(
                '"producer-brakeman" is identical to the one Helm release "dracon-oss-components"',
              )
            ),
            result.warnings.join("\n"),
          );
          assert.ok((await pipelineNames(env, env.namespace)).includes("dracon-rails-project"));
          await assertHelmTasksUntouched(env.namespace, before);
        },
      );

      // A release without producer-brakeman: the local one is rendered and applied.
      await t.step(
        "rails-project against a chart without producer-brakeman: brakeman rendered locally",
        async () => {
          const copy = await Deno.makeTempDir({ prefix: "draconctl-corpus-nobrakeman-" });
          await copyDir(`${DRACON_ROOT}/components`, `${copy}/components`);
          await Deno.remove(`${copy}/components/producers/brakeman`, { recursive: true });
          const partial = await pack(`${copy}/components`);
          assert.equal(partial.tasks.length, 47);
          const namespace = uniqueNamespace(`corpus rails v${major}`);
          await env.kubectl.createNamespace(namespace);
          await install(partial.archive, namespace);
          const installed = await resourceVersions(env, namespace);
          const result = await deploy(
            namespace,
            `${EXAMPLES}/rails-project/kustomization.yaml`,
            ...railsFlags,
          );
          assert.equal(result.code, 0, result.stderr);
          assert.equal(
            result.stdout,
            "task.tekton.dev/producer-brakeman created\npipeline.tekton.dev/dracon-rails-project created\n" +
              "2 objects: 2 created, 0 configured, 0 unchanged, 0 failed in 0.0 s\n",
          );
          assert.deepEqual(await pipelineNames(env, namespace), ["dracon-rails-project"]);
          await assertHelmTasksUntouched(namespace, installed);
          const brakeman = (await list<Task>(env, namespace, "tasks"))
            .find((t) => t.metadata.name === "producer-brakeman")!;
          // draconctl's own, never labelled as Helm's (docs/inventory.md).
          assert.equal(brakeman.metadata.labels?.["app.kubernetes.io/managed-by"], "draconctl");
          assert.deepEqual(
            brakeman.spec.steps!.map((s) => s.image),
            [
              "presidentbeef/brakeman:v6.2.1.1",
              `${REGISTRY}/components/producers/brakeman:${chart.appVersion}`,
              "docker.io/busybox", // the anchor step producers get
            ],
          );
          lap("deployed rails-project");
        },
      );

      await t.step(`every templated Task image carries ${REGISTRY}`, async () => {
        const sources = new Map(
          (await gatherTasks(`${DRACON_ROOT}/components`, new DenoFileSystem())).tasks
            .map((g) => [g.task.metadata.name, g.task]),
        );
        let templated = 0;
        for (const task of await list<Task>(env, env.namespace, "tasks")) {
          const source = sources.get(task.metadata.name)!;
          source.spec.steps!.forEach((step, i) => {
            const image = task.spec.steps![i]!.image!;
            if (!step.image?.includes(".Values.image.registry")) {
              assert.equal(image, step.image, `${task.metadata.name}: untemplated image kept`);
              return;
            }
            templated++;
            assert.equal(
              image,
              step.image.replace(/^.*\}\}\/components\//, `${REGISTRY}/components/`)
                .replace(/:\{\{.*$/, `:${chart.appVersion}`),
              task.metadata.name,
            );
            assert.ok(image.startsWith(`${REGISTRY}/components/`), image);
          });
        }
        assert.ok(templated >= 45, `${templated} templated images`);
      });

      // 5. the malformed reference
      await t.step(
        "reachability-project fails with exit 3 naming the reference; nothing applied",
        async () => {
          const before = await resourceVersions(env, env.namespace);
          const result = await deploy(
            env.namespace,
            `${EXAMPLES}/reachability-project/kustomization.yaml`,
          );
          assert.equal(result.code, 3, result.stderr);
          assert.equal(result.stdout, "");
          const first = result.stderr.split("\n")[0]!;
          assert.match(first, /^error: .*pkg:helm\/dracon-oss-components\/enrichers\/reachability/);
          assert.ok(!/^\s+at /m.test(result.stderr), `no stack trace:\n${result.stderr}`);
          assert.equal(
            (await pipelineNames(env, env.namespace)).includes("dracon-reachability-project"),
            false,
          );
          assert.deepEqual(await resourceVersions(env, env.namespace), before);
        },
      );

      // 6. push, install from oci:// as a second release, deploy against it
      await t.step(
        "pushed to oci://, installed as dracon-second, a pipeline deploys against it",
        async () => {
          await helmRun([
            "push",
            archive,
            `oci://${env.registry}/corpus-v${major}`,
            "--plain-http",
          ]);
          const second = uniqueNamespace(`corpus second v${major}`);
          await env.kubectl.createNamespace(second);
          await helmRun([
            "install",
            "dracon-second",
            `oci://${env.registry}/corpus-v${major}/${chart.name}`,
            "--version",
            chart.version,
            "-n",
            second,
            "--plain-http",
          ]);
          const installed = await resourceVersions(env, second);
          assert.equal(installed.size, 48);
          const dir = await Deno.makeTempDir({ prefix: "draconctl-corpus-second-" });
          await Deno.writeTextFile(
            `${dir}/kustomization.yaml`,
            [
              "nameSuffix: -second",
              "components:",
              ...[
                "base",
                "git-clone",
                "producer-golang-gosec",
                "producer-aggregator",
                "consumer-stdout-json",
              ]
                .map((task) => `  - helm://dracon-second/${task}`),
              "",
            ].join("\n"),
          );
          const result = await deploy(second, dir);
          assert.equal(result.code, 0, result.stderr);
          assert.equal(
            result.stdout,
            "pipeline.tekton.dev/dracon-second created\n" +
              "1 object: 1 created, 0 configured, 0 unchanged, 0 failed in 0.0 s\n",
          );
          assert.deepEqual(await pipelineNames(env, second), ["dracon-second"]);
          assert.deepEqual(await resourceVersions(env, second), installed);
          lap("second release deployed");
        },
      );
    },
    CONNECTS_CLUSTER,
  );
}
