/**
 * The PipelineRun reconciler's checks (src/tekton/pipeline_run_checks.ts):
 * one valid Pipeline, then one mutation per class, each found with the
 * pipeline task, the Task and the field named, all at once.
 */
import assert from "node:assert/strict";
import { checkPipelineRun } from "../../src/tekton/pipeline_run_checks.ts";
import type { ParamValue, Task } from "../../src/tekton/types.ts";

const task = (name: string, spec: Record<string, unknown>): Task => ({
  apiVersion: "tekton.dev/v1",
  kind: "Task",
  metadata: { name },
  spec,
});

const TASKS = new Map<string, Task>([
  [
    "clone",
    task("clone", {
      params: [{ name: "url" }, { name: "depth", default: "1" }],
      workspaces: [{ name: "output" }, { name: "cache", optional: true }],
      results: [{ name: "commit" }],
    }),
  ],
  [
    "scan",
    task("scan", {
      params: [{ name: "commit" }, { name: "flags", type: "array", default: [] }],
      workspaces: [{ name: "source" }],
    }),
  ],
]);

function pipeline(): { metadata: { name: string }; spec: Record<string, unknown> } {
  return {
    metadata: { name: "p" },
    spec: {
      params: [{ name: "repo" }, { name: "args", type: "array", default: ["-a", "-b"] }],
      workspaces: [{ name: "ws" }],
      tasks: [
        {
          name: "clone",
          taskRef: { name: "clone" },
          params: [{ name: "url", value: "$(params.repo)" }],
          workspaces: [{ name: "output", workspace: "ws" }],
        },
        {
          name: "scan",
          taskRef: { name: "scan" },
          params: [
            { name: "commit", value: "$(tasks.clone.results.commit)" },
            { name: "flags", value: ["$(params.args[1])"] },
          ],
          workspaces: [{ name: "source", workspace: "ws" }],
        },
      ],
    },
  };
}

const check = (p = pipeline(), runParams?: Map<string, ParamValue>) =>
  checkPipelineRun(p, (name) => TASKS.get(name), runParams ? { runParams } : {});

Deno.test("a valid Pipeline passes and lists the params a run must supply", () => {
  const result = check();
  assert.deepEqual(result.problems, []);
  assert.deepEqual(result.required, [{ name: "repo", type: "string" }]);
});

type Mutation = [string, (p: ReturnType<typeof pipeline>) => void, RegExp];
// deno-lint-ignore no-explicit-any
const tasks = (p: ReturnType<typeof pipeline>) => p.spec.tasks as any[];

const MUTATIONS: Mutation[] = [
  [
    "a Task that exists nowhere",
    (p) => tasks(p)[0].taskRef.name = "nope",
    /pipeline task "clone" \(spec\.tasks\[0\]\): taskRef\.name: Task "nope" is neither deployed/,
  ],
  [
    "a required Task param not passed",
    (p) => tasks(p)[0].params = [],
    /pipeline task "clone" \(spec\.tasks\[0\]\), Task "clone": params: required param "url"/,
  ],
  [
    "an array passed for a string param",
    (p) => tasks(p)[0].params[0].value = ["a"],
    /Task "clone": params\[0\] "url": the Task declares type "string", the pipeline task passes an array/,
  ],
  [
    "a string passed for an array param",
    (p) => tasks(p)[1].params[1].value = "x",
    /Task "scan": params\[1\] "flags": the Task declares type "array", the pipeline task passes a string/,
  ],
  [
    "a required workspace not bound",
    (p) => tasks(p)[1].workspaces = [],
    /Task "scan": workspaces: required workspace "source" is not bound/,
  ],
  [
    "a workspace the Task does not declare",
    (p) => tasks(p)[1].workspaces.push({ name: "extra", workspace: "ws" }),
    /Task "scan": workspaces\[1\] "extra": the Task declares no such workspace/,
  ],
  [
    "a result the Task does not declare",
    (p) => tasks(p)[1].params[0].value = "$(tasks.clone.results.sha)",
    /pipeline task "scan" \(spec\.tasks\[1\]\): "\$\(tasks\.clone\.results\.sha\)": Task "clone" of pipeline task "clone" declares no result "sha"/,
  ],
  [
    "an array index out of range",
    (p) => tasks(p)[1].params[1].value = ["$(params.args[2])"],
    /"\$\(params\.args\[2\]\)": index 2 is out of range: array param "args" has 2 element/,
  ],
  ["a cycle", (p) => tasks(p)[0].runAfter = ["scan"], /the tasks form a cycle/],
  [
    "a pipeline result naming an unknown result",
    (p) => p.spec.results = [{ name: "r", value: "$(tasks.scan.results.x)" }],
    /spec\.results\[0\] "r": .*Task "scan" of pipeline task "scan" declares no result "x"/,
  ],
  // found by the differential test against Tekton (tests/cluster/tekton_differential_test.ts)
  [
    "an optional pipeline workspace bound to a required Task workspace",
    (p) => (p.spec.workspaces as { optional?: boolean }[])[0]!.optional = true,
    /Task "clone": workspaces\[0\] "output": the Task requires it, pipeline workspace "ws" is optional/,
  ],
  [
    "an object param missing a key that neither the value nor the default has",
    (p) => {
      const scan = tasks(p)[1];
      delete scan.taskRef;
      scan.workspaces = [];
      scan.params = [{ name: "target", value: { host: "x" } }];
      scan.taskSpec = {
        params: [{
          name: "target",
          type: "object",
          properties: { host: {}, port: {}, path: {} },
          default: { path: "/" },
        }],
        steps: [{ name: "s", image: "busybox" }],
      };
    },
    /Task "scan": params "target": object keys "port" are missing/,
  ],
  [
    "a matrix param for an array Task param",
    (p) => {
      tasks(p)[1].params.pop();
      tasks(p)[1].matrix = { params: [{ name: "flags", value: ["a", "b"] }] };
    },
    /Task "scan": matrix\.params\[0\] "flags": the Task declares type "array", a matrix passes strings/,
  ],
];

for (const [name, mutate, expected] of MUTATIONS) {
  Deno.test(`pipeline run check: ${name}`, () => {
    const p = pipeline();
    mutate(p);
    const { problems } = check(p);
    assert.ok(problems.some((x) => expected.test(x)), problems.join("\n") || "(no problem)");
  });
}

Deno.test("pipeline run check: every problem at once", () => {
  const p = pipeline();
  for (const i of [1, 4, 5, 6, 7]) MUTATIONS[i]![1](p);
  assert.ok(check(p).problems.length >= 5, check(p).problems.join("\n"));
});

Deno.test("pipeline run check: an extra param is a warning, as Tekton ignores it", () => {
  const p = pipeline();
  tasks(p)[0].params.push({ name: "unused", value: "x" });
  const result = check(p);
  assert.deepEqual(result.problems, []);
  assert.match(result.warnings.join("\n"), /params\[1\] "unused": the Task declares no such param/);
});

Deno.test("pipeline run check: a run's params: missing, wrong type, in range", () => {
  const missing = check(pipeline(), new Map());
  assert.match(missing.problems.join("\n"), /param "repo": the Pipeline requires it/);
  const wrong = check(pipeline(), new Map<string, ParamValue>([["repo", ["a"]]]));
  assert.match(wrong.problems.join("\n"), /param "repo": the Pipeline declares type "string"/);
  const short = check(pipeline(), new Map<string, ParamValue>([["repo", "r"], ["args", ["a"]]]));
  assert.match(short.problems.join("\n"), /index 1 is out of range: array param "args" has 1/);
  assert.deepEqual(check(pipeline(), new Map([["repo", "r"]])).problems, []);
});
