import assert from "node:assert/strict";
import { pipelineRuleProblems } from "../../src/tekton/pipeline_rules.ts";

const ref = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  taskRef: { name },
  ...extra,
});

const REFUSED: [string, Record<string, unknown>, string[]][] = [
  ["two tasks named base", { tasks: [ref("base"), ref("base")] }, [
    'spec.tasks[1].name: pipeline task name "base" is used more than once',
  ]],
  ["a finally task named as a task", { tasks: [ref("a")], finally: [ref("a")] }, [
    'spec.finally[0].name: pipeline task name "a" is used more than once',
  ]],
  ["a task name that is not a label", { tasks: [ref("Base")] }, [
    'pipeline task name "Base" is not a DNS-1123 label',
  ]],
  ["neither taskRef nor taskSpec", { tasks: [{ name: "a" }] }, [
    'expected "taskRef" or "taskSpec"',
  ]],
  ["both taskRef and taskSpec", { tasks: [ref("a", { taskSpec: { steps: [] } })] }, ["found both"]],
  ["runAfter an unknown task", { tasks: [ref("a", { runAfter: ["nope"] })] }, [
    'task "a" depends on "nope", which is not a task of the Pipeline',
  ]],
  ["runAfter itself", { tasks: [ref("a", { runAfter: ["a"] })] }, ['task "a" depends on itself']],
  ["a cycle", { tasks: [ref("a", { runAfter: ["b"] }), ref("b", { runAfter: ["a"] })] }, [
    'cycle: "a" -> "b" -> "a"',
  ]],
  ["a result of an unknown task", {
    tasks: [ref("a", { params: [{ name: "p", value: "$(tasks.nope.results.x)" }] })],
  }, ['depends on "nope"']],
  ["an undeclared pipeline param", {
    tasks: [ref("a", { params: [{ name: "p", value: "$(params.nope)" }] })],
  }, ['"$(params.nope)" refers to a param the Pipeline does not declare']],
  ["a param passed twice", {
    params: [{ name: "p" }],
    tasks: [ref("a", { params: [{ name: "p", value: "x" }, { name: "p", value: "y" }] })],
  }, ['param "p" is passed more than once']],
  ["an invalid prefix", { tasks: [ref("a", { params: [{ name: "p", value: "$(foo.bar)" }] })] }, [
    'invalid variable reference "$(foo.bar)"',
  ]],
  ["duplicate pipeline params", { params: [{ name: "p" }, { name: "p" }], tasks: [ref("a")] }, [
    'param "p" appears more than once',
  ]],
  ["a pipeline param default of another type", {
    params: [{ name: "p", type: "string", default: ["x"] }],
    tasks: [ref("a")],
  }, ['has a default of type "array"']],
  ["duplicate pipeline workspaces", {
    workspaces: [{ name: "w" }, { name: "w" }],
    tasks: [ref("a")],
  }, ['workspace "w" appears more than once']],
  ["an undeclared workspace", {
    tasks: [ref("a", { workspaces: [{ name: "x", workspace: "w" }] })],
  }, ['the Pipeline declares no workspace "w"']],
  ["a workspace bound twice", {
    workspaces: [{ name: "w" }],
    tasks: [
      ref("a", { workspaces: [{ name: "x", workspace: "w" }, { name: "x", workspace: "w" }] }),
    ],
  }, ['workspace "x" is bound more than once']],
  ["an unknown context variable", {
    tasks: [ref("a", { params: [{ name: "p", value: "$(context.pipeline.uid)" }] })],
  }, ['"$(context.pipeline.uid)" is not a context variable']],
];

Deno.test("pipelineRuleProblems() refuses what Tekton's webhook refuses", async (t) => {
  for (const [name, spec, expected] of REFUSED) {
    await t.step(name, () => {
      const problems = pipelineRuleProblems({ spec });
      assert.equal(problems.length, expected.length, problems.join("\n"));
      expected.forEach((part, i) =>
        assert.ok(problems[i]?.includes(part), `${problems[i]} lacks ${part}`)
      );
    });
  }
});

Deno.test("pipelineRuleProblems() accepts a Dracon-shaped Pipeline", () => {
  const spec = {
    params: [{ name: "repo" }, { name: "flags", type: "array", default: [] }],
    workspaces: [{ name: "output" }],
    tasks: [
      ref("base", { params: [{ name: "n", value: "$(context.pipelineRun.name)" }] }),
      ref("git", {
        runAfter: ["base"],
        params: [{ name: "repo", value: "$(params.repo)" }],
        workspaces: [{ name: "output", workspace: "output" }],
      }),
      ref("scan", {
        params: [{ name: "anchors", value: ["$(tasks.git.results.anchor)"] }, {
          name: "flags",
          value: ["$(params.flags[*])"],
        }],
      }),
    ],
  };
  assert.deepEqual(pipelineRuleProblems({ spec }), []);
});
