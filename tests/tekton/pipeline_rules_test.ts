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
  ["both taskRef and taskSpec", {
    tasks: [ref("a", { taskSpec: { steps: [{ name: "s", image: "busybox" }] } })],
  }, ["found both"]],
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
  // found by the differential test against Tekton (tests/cluster/tekton_differential_test.ts)
  ["a whole array in a string", {
    params: [{ name: "l", type: "array" }],
    tasks: [ref("a", { params: [{ name: "p", value: "$(params.l)" }] })],
  }, ['spec.tasks[0].params[0].value: array param "l" cannot be used whole']],
  ["a whole object in a string, an unknown key", {
    params: [{ name: "o", type: "object", properties: { k: {} } }],
    tasks: [ref("a", { params: [{ name: "p", value: "$(params.o) $(params.o.nokey)" }] })],
  }, ['object param "o" cannot be used whole', 'object param "o" has no key "nokey"']],
  ["a whole array within an element", {
    params: [{ name: "l", type: "array" }],
    tasks: [ref("a", { params: [{ name: "p", value: ["$(params.l[*])", "x-$(params.l[*])"] }] })],
  }, ['spec.tasks[0].params[0].value[1]: array param "l" must stand alone']],
  ["when: undeclared param, bad operator, no values", {
    tasks: [ref("a", {
      when: [{ input: "$(params.x)", operator: "in", values: ["a"] }, {
        input: "a",
        operator: "matches",
        values: [],
      }],
    })],
  }, [
    'spec.tasks[0].when[0].input: "$(params.x)" refers to a param the Pipeline does not declare',
    'spec.tasks[0].when[1].operator: expected "in" or "notin"',
    "spec.tasks[0].when[1].values: expected a non-empty list",
  ]],
  ["a cycle through a when expression", {
    tasks: [
      ref("a", { when: [{ input: "$(tasks.b.results.r)", operator: "in", values: ["x"] }] }),
      ref("b", { runAfter: ["a"] }),
    ],
  }, ['cycle: "a" -> "b" -> "a"']],
  ["finally: runAfter, results of a finally task", {
    tasks: [ref("a")],
    finally: [
      ref("f", { runAfter: ["a"] }),
      ref("g", { params: [{ name: "p", value: "$(tasks.f.results.r)" }] }),
    ],
  }, [
    'spec.finally[0].runAfter: a finally task cannot have "runAfter"',
    'a finally task cannot use the results of finally task "f"',
  ]],
  ["matrix: a param in matrix and params, its results read one by one", {
    tasks: [
      ref("m", {
        params: [{ name: "v", value: "1" }],
        matrix: { params: [{ name: "v", value: ["1", "2"] }] },
      }),
      ref("b", { params: [{ name: "p", value: "$(tasks.m.results.r)" }] }),
    ],
  }, [
    'spec.tasks[0].matrix.params[0]: param "v" is in both "matrix" and "params"',
    'the results of matrixed task "m" can only be read whole',
  ]],
  ["an embedded taskSpec without steps, using a param declared nowhere", {
    params: [{ name: "p" }],
    tasks: [{
      name: "e",
      taskSpec: { steps: [{ name: "s", image: "busybox", args: ["$(params.p)", "$(params.q)"] }] },
    }, { name: "f", taskSpec: { steps: [] } }],
  }, [
    'spec.tasks[0].taskSpec.steps[0].args[1]: "$(params.q)" refers to a param the Task does not declare',
    "spec.tasks[1].taskSpec.steps: a Task needs at least one step",
  ]],
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
