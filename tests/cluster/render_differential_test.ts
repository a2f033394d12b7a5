/**
 * The in-process renderer (`src/charts/template_engine.ts`) against real
 * helm v3 and v4: every Task of the Dracon corpus and of `examples/` that
 * holds Helm expressions, and generated expressions, rendered with the
 * chart defaults both ways must give the same Task. The in-process path must
 * also actually be taken for them (no silent fallback to helm).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { renderTask } from "../../src/charts/render.ts";
import { type ProcessOptions, processTask } from "../../src/dracon/component_task.ts";
import { ANCHOR_IMAGE_TEMPLATE } from "../../src/charts/chart_plan.ts";
import { HelmCli } from "../../src/helm/helm_cli.ts";
import { DenoFileSystem } from "../../src/io/filesystem.ts";
import { helmExpressionsIn, toTask } from "../../src/tekton/task.ts";
import type { Task } from "../../src/tekton/types.ts";
import { parseYamlDocuments } from "../../src/yaml/yaml.ts";
import { DRACON_ROOT } from "../cli/_cli.ts";
import { testEnvFromEnvironment } from "./_testenv.ts";

const EXAMPLES = new URL("../../examples/components", import.meta.url).pathname;

async function tasksUnder(
  root: string,
  options: ProcessOptions = {},
): Promise<{ origin: string; task: Task }[]> {
  const found: { origin: string; task: Task }[] = [];
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(dir)) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) await walk(path);
      else if (entry.name === "task.yaml") {
        for (const doc of await parseYamlDocuments(await Deno.readTextFile(path), path)) {
          const task = processTask(toTask(doc.value, path), options);
          if (helmExpressionsIn(task).length > 0) found.push({ origin: path, task });
        }
      }
    }
  };
  await walk(root);
  return found;
}

function helms() {
  const { bin } = testEnvFromEnvironment();
  return ([3, 4] as const).map((major) => ({
    major,
    helm: new HelmCli({
      binary: `${bin}/helm${major}`,
      env: {
        HELM_CONFIG_HOME: "/tmp/draconctl-render-helm",
        HELM_CACHE_HOME: "/tmp/draconctl-render-helm",
      },
    }),
  }));
}

const fs = new DenoFileSystem();

async function both(task: Task, origin: string, namespace = "dracon") {
  const inProcess = await renderTask(task, origin, { fs, helm: helms()[0]!.helm }, {
    namespace,
    engine: "in-process",
  });
  const byHelm = [];
  for (const { major, helm } of helms()) {
    byHelm.push({
      major,
      task: await renderTask(task, origin, { fs, helm }, { namespace, engine: "helm" }),
    });
  }
  return { inProcess, byHelm };
}

Deno.test("every corpus and example Task renders in-process exactly as helm v3 and v4 render it", async (t) => {
  const tasks = [...await tasksUnder(`${DRACON_ROOT}/components`), ...await tasksUnder(EXAMPLES)];
  assert.ok(tasks.length >= 40, `${tasks.length} Tasks with Helm expressions`);
  for (const { origin, task } of tasks) {
    await t.step(origin.replace(/^.*\/(components\/)/, "$1"), async () => {
      const { inProcess, byHelm } = await both(task, origin);
      assert.equal(helmExpressionsIn(inProcess).length, 0, "nothing left to render");
      for (const { major, task: rendered } of byHelm) {
        assert.deepEqual(inProcess, rendered, `helm v${major}`);
      }
    });
  }
});

Deno.test("the components chart's anchor step (anchor.image) renders in-process as helm renders it", async () => {
  // As `components package` templates it: the anchor step reads the chart value.
  const tasks = await tasksUnder(`${DRACON_ROOT}/components`, {
    anchorImage: ANCHOR_IMAGE_TEMPLATE,
  });
  const anchorImage = (task: Task) => task.spec.steps?.find((s) => s.name === "anchor")?.image;
  const withAnchor = tasks.filter((t) => anchorImage(t.task) === ANCHOR_IMAGE_TEMPLATE);
  assert.ok(withAnchor.length >= 30, `${withAnchor.length} Tasks with an anchor step`);
  for (const { origin, task } of withAnchor) {
    const { inProcess, byHelm } = await both(task, origin);
    assert.equal(anchorImage(inProcess), "docker.io/busybox", origin);
    for (const { major, task: rendered } of byHelm) {
      assert.deepEqual(inProcess, rendered, `helm v${major}: ${origin}`);
    }
  }
  const pinned = `registry.internal.example/busybox@sha256:${"d".repeat(64)}`;
  const { origin, task } = withAnchor[0]!;
  for (const { major, helm } of helms()) {
    const rendered = await renderTask(task, origin, { fs, helm }, {
      namespace: "dracon",
      set: [`anchor.image=${pinned}`],
    });
    assert.equal(anchorImage(rendered), pinned, `helm v${major}`);
  }
});

/** A piece of a string in a Task: text, or a kept expression of the supported subset. */
const piece = fc.oneof(
  fc.constantFrom("/", ":", "-", "registry.internal", "x_y", " ", "{{ .Name }}", "}}"),
  fc.constantFrom(
    "{{ .Values.image.registry }}",
    '{{ default "ghcr.io/ocurity/dracon" .Values.image.registry }}',
    '{{ .Values.image.registry | default "docker.io" }}',
    "{{ .Chart.AppVersion }}",
    "{{ .Chart.Name }}",
    "{{ .Release.Namespace }}",
    "{{ .Release.Name | quote }}",
    '{{ "lit" | quote }}',
    "{{ .Values.report.title | quote }}",
    '{{ default "a b" .Values.missing.deep.path }}',
  ),
);

Deno.test("generated Helm expressions render in-process exactly as helm does", async () => {
  const base = (await tasksUnder(EXAMPLES))[0]!;
  await fc.assert(
    fc.asyncProperty(
      fc.array(piece, { minLength: 1, maxLength: 6 }),
      fc.array(piece, { minLength: 1, maxLength: 4 }),
      fc.constantFrom("dracon", "default", "team-a"),
      async (image, env, namespace) => {
        const task = structuredClone(base.task);
        const step = task.spec.steps![0]!;
        step.image = image.join("");
        step.env = [{ name: "GENERATED", value: env.join("") }];
        if (helmExpressionsIn(task).length === 0) return;
        const { inProcess, byHelm } = await both(task, base.origin, namespace);
        for (const { major, task: rendered } of byHelm) {
          assert.deepEqual(inProcess, rendered, `helm v${major}: ${step.image} / ${env.join("")}`);
        }
      },
    ),
    { numRuns: 40, seed: 20261201 },
  );
});
