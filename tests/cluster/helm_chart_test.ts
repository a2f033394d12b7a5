/**
 * The components chart against the real helm v3 and v4 of the test
 * environment: packaging the 48 corpus Tasks (lint, byte-identical twice),
 * rendering with values, deploy-path rendering equal to the chart's, errors,
 * push to the local OCI registry, and — on the cluster — install from oci://
 * and `pipelines deploy` of helm:// references.
 */
import assert from "node:assert/strict";
import { realCluster } from "./_kube.ts";
import { CHART_LABELS, NAME_LABEL } from "../../src/charts/chart_plan.ts";
import { gatherTasks } from "../../src/charts/gather.ts";
import { packageComponents } from "../../src/charts/package.ts";
import { renderTask } from "../../src/charts/render.ts";
import { HelmError } from "../../src/errors.ts";
import { HelmNotInstalledError } from "../../src/helm/helm.ts";
import { HelmCli } from "../../src/helm/helm_cli.ts";
import { DenoFileSystem } from "../../src/io/filesystem.ts";
import { parseYamlDocuments } from "../../src/yaml/yaml.ts";
import { helmExpressionsIn } from "../../src/tekton/task.ts";
import type { Task } from "../../src/tekton/types.ts";
import { runCli } from "../cli/_cli.ts";
import { clusterTest, CONNECTS_CLUSTER, makeHelm } from "./_testenv.ts";

const COMPONENTS = new URL("../../../shared/dracon/components", import.meta.url).pathname;
const ESCAPING = new URL("../../fixtures/charts/escaping/tasks", import.meta.url).pathname;
const fs = new DenoFileSystem();

function env(name: string): string {
  const value = Deno.env.get(name);
  if (!value) throw new Error(`${name} is not set: run the cluster tests with "deno task test"`);
  return value;
}

/** A HelmCli on the environment's helm v3 or v4, with its own config/cache dirs. */
async function helmCli(major: 3 | 4): Promise<HelmCli> {
  const home = await Deno.makeTempDir({ prefix: `draconctl-helmcli${major}-` });
  return new HelmCli({
    binary: `${env("DRACONCTL_TESTENV_BIN")}/helm${major}`,
    env: {
      HELM_CONFIG_HOME: `${home}/config`,
      HELM_CACHE_HOME: `${home}/cache`,
      HELM_DATA_HOME: `${home}/data`,
      HOME: home,
    },
  });
}

async function tasksOf(yaml: string): Promise<Task[]> {
  return (await parseYamlDocuments(yaml, "helm template")).map((d) => d.value as Task)
    .filter((o) => o?.kind === "Task");
}

function withoutChartLabels(task: Task): Task {
  const labels = { ...task.metadata.labels };
  for (const label of [...Object.keys(CHART_LABELS), NAME_LABEL]) delete labels[label];
  return { ...task, metadata: { ...task.metadata, labels } };
}

for (const major of [3, 4] as const) {
  Deno.test(`helm v${major}: the corpus chart lints, packages byte-identically twice, renders values`, async (t) => {
    const helm = await helmCli(major);
    assert.match(await helm.version(), new RegExp(`^v${major}\\.`));
    const out = [await Deno.makeTempDir(), await Deno.makeTempDir()];
    const started = performance.now();
    const first = await packageComponents(COMPONENTS, { fs, helm }, {
      name: "dracon-components",
      outputDir: out[0]!,
    });
    const ms = Math.round(performance.now() - started);
    console.log(`helm v${major}: packaged ${first.tasks.length} Tasks in ${ms} ms`);
    const second = await packageComponents(COMPONENTS, { fs, helm }, {
      name: "dracon-components",
      outputDir: out[1]!,
    });
    assert.equal(first.tasks.length, 48);
    assert.ok(!first.lint.some((f) => f.startsWith("[ERROR]")), first.lint.join("\n"));
    assert.deepEqual(await Deno.readFile(first.archive), await Deno.readFile(second.archive));

    await t.step(
      "--set image.registry=registry.internal changes every templated image",
      async () => {
        const yaml = await helm.template(first.archive, {
          releaseName: "dracon-oss-components",
          namespace: "dracon",
          set: ["image.registry=registry.internal"],
        });
        const tasks = await tasksOf(yaml);
        assert.equal(tasks.length, 48);
        const sources = new Map(
          (await gatherTasks(COMPONENTS, fs)).tasks.map((g) => [g.task.metadata.name, g.task]),
        );
        let templated = 0;
        for (const task of tasks) {
          assert.equal(task.metadata.labels?.["app.kubernetes.io/managed-by"], "Helm");
          assert.equal(
            task.metadata.labels?.["app.kubernetes.io/instance"],
            "dracon-oss-components",
          );
          assert.equal(task.metadata.labels?.["helm.sh/chart"], "dracon-components-0.1.0");
          const source = sources.get(task.metadata.name)!;
          source.spec.steps!.forEach((step, i) => {
            if (!step.image?.includes(".Values.image.registry")) return;
            templated++;
            const image = task.spec.steps![i]!.image!;
            assert.match(image, /^registry\.internal\/components\/.+:0\.1\.0$/, image);
          });
        }
        assert.ok(templated >= 45, `${templated} templated images`);
        const defaults = await tasksOf(await helm.template(first.archive, { releaseName: "r" }));
        assert.ok(
          defaults.flatMap((t) => t.spec.steps!).some((s) =>
            s.image?.startsWith("ghcr.io/ocurity/dracon/components/")
          ),
          "without values the Tasks' defaults apply",
        );
      },
    );

    await t.step(
      "deploy-path rendering equals the chart's Task without its Helm labels",
      async () => {
        const values = { set: ["image.registry=registry.internal"], appVersion: "0.1.0" };
        const fromChart = new Map(
          (await tasksOf(
            await helm.template(first.archive, {
              releaseName: "draconctl",
              namespace: "ns",
              ...values,
            }),
          )).map((task) => [task.metadata.name, task]),
        );
        for (const gathered of (await gatherTasks(COMPONENTS, fs)).tasks) {
          if (helmExpressionsIn(gathered.task).length === 0) continue;
          const rendered = await renderTask(gathered.task, gathered.file, { fs, helm }, {
            ...values,
            namespace: "ns",
          });
          assert.deepEqual(
            withoutChartLabels(rendered), // its own app.kubernetes.io/version yields to the chart's
            withoutChartLabels(fromChart.get(gathered.task.metadata.name)!),
            gathered.file,
          );
        }
      },
    );

    await t.step("text that is not a Helm expression survives helm verbatim", async () => {
      const dir = await Deno.makeTempDir();
      const result = await packageComponents(ESCAPING, { fs, helm }, {
        name: "escaping",
        outputDir: dir,
      });
      const tasks = await tasksOf(await helm.template(result.archive, { releaseName: "r" }));
      const script = tasks.find((t) => t.metadata.name === "producer-templated")!.spec.steps![0]!
        .script!;
      assert.ok(script.includes("'{{ range .Issues }}{{ .Title }}{{ end }}'"), script);
      assert.ok(script.includes(`jq '{{ "not" }} . | {name: .a}'`), script);
      assert.ok(script.includes("echo 'release r in default'"), script);
    });

    await t.step(
      "a failing helm is a HelmError with helm's words and no --set secret",
      async () => {
        const error = await helm.template(`${out[0]}/missing-chart`, {
          releaseName: "r",
          set: ["password=s3cret-value"],
        }).catch((e) => e);
        assert.ok(error instanceof HelmError, String(error));
        assert.match(error.message, /helm template failed/);
        assert.ok(!error.message.includes("s3cret-value"));
        assert.ok(error.hint);
      },
    );

    await t.step("push to the OCI registry prints the digest; the chart is there", async () => {
      const registry = env("DRACONCTL_TESTENV_REGISTRY");
      const repo = `oci://${registry}/charts-v${major}`;
      const pushed = await helm.push(first.archive, repo, { plainHttp: true });
      assert.match(pushed.digest, /^sha256:[0-9a-f]{64}$/);
      assert.equal(pushed.ref, `${registry}/charts-v${major}/dracon-components:0.1.0`);
    });
  });
}

Deno.test("HelmCli: a missing binary is HelmNotInstalledError (exit 6) with a hint", async () => {
  const error = await new HelmCli({ binary: "/nonexistent/helm" }).version().catch((e) => e);
  assert.ok(error instanceof HelmNotInstalledError);
  assert.equal(error.exitCode, 6);
  assert.match(error.hint ?? "", /install helm/);
});

for (const major of [3, 4] as const) {
  clusterTest(
    `helm v${major}: install the chart from oci://, then deploy a pipeline of helm:// Tasks`,
    async (cluster) => {
      const helm = await helmCli(major);
      const dir = await Deno.makeTempDir();
      const result = await packageComponents(COMPONENTS, { fs, helm }, {
        name: "dracon-components",
        outputDir: dir,
        push: `oci://${cluster.registry}/install-v${major}`,
        plainHttp: true,
      });
      const helmRun = await makeHelm(cluster, major);
      await helmRun([
        "install",
        "dracon-oss-components",
        `oci://${cluster.registry}/install-v${major}/dracon-components`,
        "--version",
        "0.1.0",
        "--plain-http",
        "-n",
        cluster.namespace,
        "--set",
        "image.registry=registry.internal",
      ]);
      assert.ok(result.pushed);
      const pipelineDir = await Deno.makeTempDir();
      await Deno.writeTextFile(
        `${pipelineDir}/kustomization.yaml`,
        [
          "nameSuffix: -golang-project",
          "components:",
          ...[
            "base",
            "git-clone",
            "producer-golang-gosec",
            "producer-aggregator",
            "enricher-aggregator",
            "consumer-stdout-json",
          ].map((task) => `  - helm://dracon-oss-components/${task}`),
          "",
        ].join("\n"),
      );
      const deployed = await runCli(
        [
          "--kubeconfig",
          cluster.kubeconfigPath,
          "-n",
          cluster.namespace,
          "pipelines",
          "deploy",
          pipelineDir,
          "-o",
          "json",
        ],
        { cluster: realCluster(), helm },
      );
      assert.equal(deployed.code, 0, deployed.stderr);
      const json = JSON.parse(deployed.stdout);
      assert.equal(json.helm.length, 6);
      assert.deepEqual(
        json.changes.map((c: { kind: string }) => c.kind),
        ["Pipeline"],
        "no Helm-owned Task is re-applied",
      );
    },
    CONNECTS_CLUSTER,
  );
}
