import assert from "node:assert/strict";
import { problemsOf } from "../_problems.ts";
import { DEFAULT_BASE_PIPELINE, toBasePipeline } from "../../src/pipelines/base_pipeline.ts";
import { parseYamlDocuments } from "../../src/yaml/yaml.ts";

const CORPUS_BASE = new URL(
  "../../../shared/dracon/components/base/pipeline.yaml",
  import.meta.url,
);

function basePipelineProblems(value: unknown): readonly string[] {
  return problemsOf(() => toBasePipeline(value, "base.yaml"));
}

Deno.test("DEFAULT_BASE_PIPELINE is the corpus base pipeline with the Go tool's description", async () => {
  const text = await Deno.readTextFile(CORPUS_BASE);
  const [doc] = await parseYamlDocuments(text, "pipeline.yaml");
  // ocurity/dracon pkg/pipelines/base.go: BasePipeline's Spec.Description.
  const described = structuredClone(doc?.value) as { spec: Record<string, unknown> };
  described.spec = { description: "Base pipeline for all Dracon pipelines", ...described.spec };
  assert.deepEqual(DEFAULT_BASE_PIPELINE, described);
  assert.deepEqual(toBasePipeline(described, "pipeline.yaml"), DEFAULT_BASE_PIPELINE);
  assert.ok(Object.isFrozen(DEFAULT_BASE_PIPELINE.spec));
});

Deno.test("toBasePipeline() accepts tekton.dev Pipelines", async (t) => {
  for (const apiVersion of ["tekton.dev/v1beta1", "tekton.dev/v1"]) {
    await t.step(apiVersion, () => {
      const value = { apiVersion, kind: "Pipeline", metadata: { name: "p" }, spec: { tasks: [] } };
      const pipeline = toBasePipeline(value, "base.yaml");
      assert.deepEqual(pipeline, value);
      assert.notEqual(pipeline.spec, value.spec);
    });
  }
  await t.step("a missing spec is empty", () => {
    const value = { apiVersion: "tekton.dev/v1", kind: "Pipeline", metadata: { name: "p" } };
    assert.deepEqual(toBasePipeline(value, "base.yaml").spec, {});
  });
});

Deno.test("toBasePipeline() refuses what is not a Pipeline", async (t) => {
  const ok = { apiVersion: "tekton.dev/v1beta1", kind: "Pipeline", metadata: { name: "p" } };
  const cases: [string, unknown, string][] = [
    ["a string", "x", "base.yaml: expected a Pipeline mapping, found a string"],
    ["a Task", { ...ok, kind: "Task" }, 'base.yaml: expected kind "Pipeline", found "Task"'],
    ["argo", { ...ok, apiVersion: "argoproj.io/v1alpha1" }, 'found "argoproj.io/v1alpha1"'],
    ["no name", { ...ok, metadata: {} }, 'base.yaml: expected "metadata.name" to be a string'],
    ["bad name", { ...ok, metadata: { name: "A" } }, 'name "A" is not a valid Kubernetes name'],
    ["spec list", { ...ok, spec: [] }, 'base.yaml: expected "spec" to be a mapping, found a list'],
    ["tasks map", { ...ok, spec: { tasks: {} } }, 'expected "spec.tasks" to be a list'],
  ];
  for (const [label, value, message] of cases) {
    await t.step(label, () => {
      const problems = basePipelineProblems(value);
      assert.ok(problems.some((p) => p.includes(message)), problems.join("\n"));
    });
  }
});
