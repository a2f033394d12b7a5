import assert from "node:assert/strict";
import { problemsOf } from "../_problems.ts";
import { ValidationError } from "../../src/errors.ts";
import { assemblePipeline } from "../../src/pipelines/assembly.ts";
import { DEFAULT_BASE_PIPELINE } from "../../src/pipelines/base_pipeline.ts";
import type { ResolvedComponent } from "../../src/pipelines/component.ts";
import type { ComponentType } from "../../src/dracon/component_type.ts";
import { processTask } from "../../src/dracon/component_task.ts";
import type { Pipeline, PipelineTask, Task } from "../../src/tekton/types.ts";

/** A processed component of `type` named `name` with the given params and workspaces. */
function component(
  type: ComponentType,
  name: string,
  spec: Pick<Task["spec"], "params" | "workspaces"> = {},
): ResolvedComponent {
  const task: Task = processTask({
    apiVersion: "tekton.dev/v1beta1",
    kind: "Task",
    metadata: { name, labels: { "v1.dracon.ocurity.com/component": type } },
    spec: { ...spec, steps: [{ name: "run", image: "busybox" }] },
  });
  return { ref: { kind: "file", raw: name, path: `/c/${name}` }, name, type, task, origin: name };
}

const base = () =>
  component("base", "base", { params: [{ name: "base-scan-tags", type: "string", default: "" }] });

function assemble(components: ResolvedComponent[], nameSuffix = "-p"): Pipeline {
  return assemblePipeline(DEFAULT_BASE_PIPELINE, components, { nameSuffix });
}

function taskOf(pipeline: Pipeline, name: string): PipelineTask {
  const found = pipeline.spec.tasks?.find((t) => t.name === name);
  assert.ok(found, `no pipeline task "${name}"`);
  return found;
}

function paramValue(pipeline: Pipeline, task: string, param: string): unknown {
  return taskOf(pipeline, task).params?.find((p) => p.name === param)?.value;
}

const anchor = (name: string) => `$(tasks.${name}.results.anchor)`;

Deno.test("assemblePipeline() names the Pipeline and keeps the base first", async (t) => {
  await t.step("name and namespace", () => {
    const pipeline = assemblePipeline(DEFAULT_BASE_PIPELINE, [base()], {
      nameSuffix: "-golang",
      namespace: "dracon",
    });
    assert.deepEqual(pipeline.metadata, { name: "dracon-golang", namespace: "dracon" });
    assert.equal(DEFAULT_BASE_PIPELINE.metadata.name, "dracon");
  });
  await t.step("no namespace unless given", () => {
    assert.deepEqual(assemble([base()]).metadata, { name: "dracon-p" });
  });
  await t.step("tekton.dev/v1 by default, v1beta1 on request, whatever the base's", () => {
    assert.equal(DEFAULT_BASE_PIPELINE.apiVersion, "tekton.dev/v1beta1");
    assert.equal(assemble([base()]).apiVersion, "tekton.dev/v1");
    const beta = assemblePipeline(DEFAULT_BASE_PIPELINE, [base()], {
      nameSuffix: "-p",
      apiVersion: "tekton.dev/v1beta1",
    });
    assert.equal(beta.apiVersion, "tekton.dev/v1beta1");
  });
  await t.step("the base's own params, workspaces and tasks come first", () => {
    const custom: Pipeline = {
      apiVersion: "tekton.dev/v1",
      kind: "Pipeline",
      metadata: { name: "custom", labels: { a: "b" } },
      spec: {
        description: "mine",
        params: [{ name: "x", type: "string" }],
        workspaces: [{ name: "cache" }],
        tasks: [{ name: "setup", taskRef: { name: "setup" } }],
      },
    };
    const copy = structuredClone(custom);
    const source = component("source", "git-clone", { workspaces: [{ name: "output" }] });
    const pipeline = assemblePipeline(custom, [base(), source], { nameSuffix: "-p" });
    assert.deepEqual(custom, copy, "the base is not changed");
    assert.equal(pipeline.apiVersion, "tekton.dev/v1");
    assert.deepEqual(pipeline.metadata, { name: "custom-p", labels: { a: "b" } });
    assert.equal(pipeline.spec.description, "mine");
    assert.deepEqual(pipeline.spec.params?.map((p) => p.name), ["x", "base-scan-tags"]);
    assert.deepEqual(pipeline.spec.workspaces, [{ name: "cache" }, { name: "output" }]);
    assert.deepEqual(pipeline.spec.tasks?.map((p) => p.name), ["setup", "base", "git-clone"]);
  });
});

Deno.test("assemblePipeline() sorts tasks by component type, then by name", () => {
  const pipeline = assemble([
    component("consumer", "consumer-b"),
    component("producer", "producer-z"),
    component("enricher", "enricher-a"),
    component("consumer", "consumer-a"),
    component("producer-aggregator", "producer-aggregator"),
    component("producer", "producer-a"),
    component("source", "git-clone"),
    base(),
  ]);
  assert.deepEqual(pipeline.spec.tasks?.map((t) => t.name), [
    "base",
    "git-clone",
    "producer-a",
    "producer-z",
    "producer-aggregator",
    "enricher-a",
    "consumer-a",
    "consumer-b",
  ]);
});

Deno.test("assemblePipeline() wires anchors to the nearest earlier present stage", async (t) => {
  const full = [
    base(),
    component("source", "git-clone"),
    component("producer", "producer-a"),
    component("producer", "producer-b"),
    component("producer-aggregator", "producer-aggregator"),
    component("enricher", "enricher-a"),
    component("enricher", "enricher-b"),
    component("enricher-aggregator", "enricher-aggregator"),
    component("consumer", "consumer-a"),
  ];
  await t.step("every stage present", () => {
    const p = assemble(full);
    assert.equal(paramValue(p, "git-clone", "anchors"), undefined);
    assert.deepEqual(paramValue(p, "producer-a", "anchors"), [anchor("git-clone")]);
    assert.deepEqual(paramValue(p, "producer-aggregator", "anchors"), [
      anchor("producer-a"),
      anchor("producer-b"),
    ]);
    assert.deepEqual(paramValue(p, "enricher-b", "anchors"), [anchor("producer-aggregator")]);
    assert.deepEqual(paramValue(p, "enricher-aggregator", "anchors"), [
      anchor("enricher-a"),
      anchor("enricher-b"),
    ]);
    assert.deepEqual(paramValue(p, "consumer-a", "anchors"), [anchor("enricher-aggregator")]);
  });
  await t.step("assemblePipeline() anchors consumers to the nearest earlier stage", () => {
    const p = assemble(full.filter((c) => !c.type.startsWith("enricher")));
    assert.deepEqual(paramValue(p, "consumer-a", "anchors"), [anchor("producer-aggregator")]);
  });
  await t.step("no source: producers have no anchors", () => {
    const p = assemble(full.filter((c) => c.type !== "source"));
    assert.deepEqual(paramValue(p, "producer-a", "anchors"), []);
  });
  await t.step("no aggregators: stages skip to the next present one", () => {
    const p = assemble(full.filter((c) => !c.type.endsWith("aggregator")));
    assert.deepEqual(paramValue(p, "enricher-a", "anchors"), [
      anchor("producer-a"),
      anchor("producer-b"),
    ]);
    assert.deepEqual(paramValue(p, "consumer-a", "anchors"), [
      anchor("enricher-a"),
      anchor("enricher-b"),
    ]);
  });
});

Deno.test("assemblePipeline() lifts params and passes them by reference", async (t) => {
  const producer = component("producer", "producer-x", {
    params: [
      { name: "producer-x-flags", type: "array", default: ["-r"], description: "Flags" },
      { name: "producer-x-level" },
    ],
  });
  const p = assemble([base(), producer]);
  await t.step("pipeline params, type made explicit", () => {
    assert.deepEqual(p.spec.params, [
      { name: "base-scan-tags", type: "string", default: "" },
      { name: "producer-x-flags", type: "array", description: "Flags", default: ["-r"] },
      { name: "producer-x-level", type: "string" },
    ]);
  });
  await t.step("task params in declaration order, anchors, then dracon_scan_*", () => {
    assert.deepEqual(taskOf(p, "producer-x").params, [
      { name: "producer-x-flags", value: ["$(params.producer-x-flags[*])"] },
      { name: "producer-x-level", value: "$(params.producer-x-level)" },
      { name: "anchors", value: [] },
      { name: "dracon_scan_id", value: "$(tasks.base.results.dracon-scan-id)" },
      { name: "dracon_scan_start_time", value: "$(tasks.base.results.dracon-scan-start-time)" },
      { name: "dracon_scan_tags", value: "$(tasks.base.results.dracon-scan-tags)" },
    ]);
  });
  await t.step("anchors stay where the Task declares them", () => {
    const declared = component("consumer", "consumer-x", {
      params: [{ name: "anchors", type: "array", default: [] }, { name: "consumer-x-a" }],
    });
    const q = assemble([base(), declared]);
    assert.deepEqual(taskOf(q, "consumer-x").params?.map((x) => x.name), [
      "anchors",
      "consumer-x-a",
    ]);
  });
  await t.step("only producers get dracon_scan_*", () => {
    const q = assemble([base(), component("enricher", "enricher-x")]);
    assert.deepEqual(taskOf(q, "enricher-x").params?.map((x) => x.name), ["anchors"]);
    assert.equal(taskOf(q, "base").params?.length, 1);
  });
  await t.step("identical declarations are merged once", () => {
    const shared = { name: "shared-token", type: "string", default: "t" };
    const q = assemble([
      base(),
      component("consumer", "consumer-a", { params: [shared] }),
      component("consumer", "consumer-b", { params: [{ ...shared, description: "other" }] }),
    ]);
    assert.deepEqual(q.spec.params?.filter((x) => x.name === "shared-token"), [shared]);
  });
});

Deno.test("assemblePipeline() declares workspaces once and binds them by name", async (t) => {
  const source = component("source", "git-clone", {
    workspaces: [{ name: "output" }, { name: "ssh-directory", optional: true }],
  });
  const producer = component("producer", "producer-x", { workspaces: [{ name: "output" }] });
  await t.step("bound by name, declared once, optional kept", () => {
    const p = assemble([base(), source, producer]);
    assert.deepEqual(p.spec.workspaces, [
      { name: "output" },
      { name: "ssh-directory", optional: true },
    ]);
    assert.deepEqual(taskOf(p, "producer-x").workspaces, [{ name: "output", workspace: "output" }]);
    assert.equal(taskOf(p, "base").workspaces, undefined);
  });
  await t.step("required when any Task requires it", () => {
    const needsSsh = component("consumer", "consumer-x", {
      workspaces: [{ name: "ssh-directory" }],
    });
    const p = assemble([base(), source, needsSsh]);
    assert.deepEqual(p.spec.workspaces?.find((w) => w.name === "ssh-directory"), {
      name: "ssh-directory",
    });
  });
});

Deno.test("assemblePipeline() refuses bad component sets", async (t) => {
  await t.step("no base component", () => {
    try {
      assemble([component("producer", "producer-x")]);
      assert.fail("expected a ValidationError");
    } catch (error) {
      assert.ok(error instanceof ValidationError);
      assert.deepEqual(error.problems, ['Pipeline "dracon-p": no component of type "base"']);
      assert.match(error.hint ?? "", /add the base Task to "components"/);
    }
  });
  await t.step("no components at all", () => {
    assert.match(problemsOf(() => assemble([]))[0]!, /no component of type "base"/);
  });
  await t.step("two bases", () => {
    const problems = problemsOf(() => assemble([base(), component("base", "base-2")]));
    assert.deepEqual(problems, [
      'Pipeline "dracon-p": more than one component of type "base": "base", "base-2"',
    ]);
  });
  await t.step("duplicate component names", () => {
    const problems = problemsOf(() =>
      assemble([base(), component("producer", "producer-x"), component("producer", "producer-x")])
    );
    assert.deepEqual(problems, [
      'Pipeline "dracon-p": component "producer-x" is listed more than once: "producer-x" and "producer-x"',
    ]);
  });
  await t.step("param clash in type and in default, all at once", () => {
    const problems = problemsOf(() =>
      assemble([
        base(),
        component("consumer", "consumer-a", {
          params: [{ name: "shared-a" }, { name: "shared-b", default: "1" }],
        }),
        component("consumer", "consumer-b", {
          params: [{ name: "shared-a", type: "array" }, { name: "shared-b", default: "2" }],
        }),
      ])
    );
    assert.deepEqual(problems, [
      'Pipeline "dracon-p": param "shared-a" of Task "consumer-b" clashes with Task "consumer-a": type "array" differs from "string"',
      'Pipeline "dracon-p": param "shared-b" of Task "consumer-b" clashes with Task "consumer-a": default "2" differs from "1"',
    ]);
  });
  await t.step("an invalid Pipeline name", () => {
    const problems = problemsOf(() => assemble([base()], "-" + "x".repeat(60)));
    assert.match(problems[0]!, /is longer than 63 characters/);
  });
});
