import assert from "node:assert/strict";
import { taskRuleProblems } from "../../src/tekton/task_rules.ts";
import { toTask } from "../../src/tekton/task.ts";
import { processTask, validateTask } from "../../src/dracon/component_task.ts";
import { parseYamlDocuments } from "../../src/yaml/yaml.ts";
import type { Task } from "../../src/tekton/types.ts";

const DRACON = new URL("../../../shared/dracon/", import.meta.url).pathname;

function task(spec: Record<string, unknown>, apiVersion = "tekton.dev/v1"): Task {
  return { apiVersion, kind: "Task", metadata: { name: "t" }, spec } as Task;
}
const STEP = { name: "run", image: "busybox" };

/** Each case: a spec, and a substring each of its problems must contain (in order). */
const REFUSED: [string, Record<string, unknown>, string[]][] = [
  ["a number as image", { steps: [{ name: "run", image: 123 }] }, [
    "spec.steps[0].image: expected a string, found number 123",
  ]],
  ["no step", { steps: [] }, ["spec.steps: a Task needs at least one step"]],
  ["duplicate step names", { steps: [STEP, STEP] }, [
    'spec.steps[1].name: step name "run" is used more than once',
  ]],
  ["a step name that is not a label", { steps: [{ name: "Run_1", image: "x" }] }, [
    'step name "Run_1" is not a DNS-1123 label',
  ]],
  ["a step without image", { steps: [{ name: "run", script: "x" }] }, [
    "spec.steps[0].image: a step needs an image",
  ]],
  ["script with command", { steps: [{ ...STEP, script: "x", command: ["sh"] }] }, [
    '"script" cannot be used with "command"',
  ]],
  ["ref with image", { steps: [{ name: "run", ref: { name: "a" }, image: "x" }] }, [
    'spec.steps[0].image: "image" cannot be used with "ref"',
  ]],
  ["params without ref", { steps: [{ ...STEP, params: [{ name: "a", value: "b" }] }] }, [
    '"params" cannot be used without "ref"',
  ]],
  ["a bad onError", { steps: [{ ...STEP, onError: "ignore" }] }, [
    '"ignore" is not "continue" or "stopAndFail"',
  ]],
  ["args holding a number", { steps: [{ ...STEP, args: ["a", 5] }] }, [
    "spec.steps[0].args[1]: expected a string, found number 5",
  ]],
  ["env without name", { steps: [{ ...STEP, env: [{ value: "x" }] }] }, [
    "spec.steps[0].env[0].name: expected a name",
  ]],
  ["a mount under /tekton", {
    steps: [{ ...STEP, volumeMounts: [{ name: "v", mountPath: "/tekton/x/../run" }] }],
  }, ["is under /tekton/"]],
  ["a tekton-internal- mount", {
    steps: [{ ...STEP, volumeMounts: [{ name: "tekton-internal-x", mountPath: "/x" }] }],
  }, ['starts with "tekton-internal-"']],
  ["duplicate volumes", { steps: [STEP], volumes: [{ name: "v" }, { name: "v" }] }, [
    'spec.volumes[1].name: more than one volume named "v"',
  ]],
  ["duplicate workspaces", { steps: [STEP], workspaces: [{ name: "w" }, { name: "w" }] }, [
    'workspace name "w" must be unique',
    'mount path "/workspace/w" must be unique',
  ]],
  ["a workspace over a volume mount", {
    steps: [{ ...STEP, volumeMounts: [{ name: "v", mountPath: "/workspace/w/" }] }],
    workspaces: [{ name: "w" }],
  }, ['mount path "/workspace/w" must be unique']],
  ["an undeclared step workspace", { steps: [{ ...STEP, workspaces: [{ name: "nope" }] }] }, [
    'undefined workspace "nope"',
  ]],
  ["duplicate params", { steps: [STEP], params: [{ name: "a" }, { name: "a" }] }, [
    'param "a" appears more than once',
  ]],
  ["a param name with a space", { steps: [STEP], params: [{ name: "a b" }] }, [
    'invalid param name "a b"',
  ]],
  ["an unknown param type", { steps: [STEP], params: [{ name: "a", type: "int" }] }, [
    'param "a" has invalid type "int"',
  ]],
  ["a default of another type", {
    steps: [STEP],
    params: [{ name: "a", type: "array", default: "x" }],
  }, ['type "array" has a default of type "string"']],
  [
    "an object param without properties",
    { steps: [STEP], params: [{ name: "a", type: "object" }] },
    ['object param "a" needs "properties"'],
  ],
  ["an enum default outside the enum", {
    steps: [STEP],
    params: [{ name: "a", enum: ["x", "x"], default: "y" }],
  }, ['value "x" appears more than once', '"y" is not in the enum']],
  ["an undeclared param", { steps: [{ ...STEP, script: "echo $(params.nope)" }] }, [
    'spec.steps[0].script: "$(params.nope)" refers to a param the Task does not declare',
  ]],
  ["an undeclared param in brackets", {
    steps: [{ ...STEP, env: [{ name: "E", value: "$(params['no'])" }] }],
  }, ["spec.steps[0].env[E]: \"$(params['no'])\" refers to a param"]],
  ["an array param in a script", {
    params: [{ name: "a", type: "array" }],
    steps: [{ ...STEP, script: "echo $(params.a[*])" }],
  }, ['array param "a" cannot be used']],
  ["an array param not alone in args", {
    params: [{ name: "a", type: "array" }],
    steps: [{ ...STEP, args: ["--x=$(params.a[*])"] }],
  }, ['array param "a" must stand alone']],
  ["three dot-separated parts", {
    params: [{ name: "a" }],
    steps: [{ ...STEP, script: "$(params.a.b.c)" }],
  }, ["more than two dot-separated parts"]],
  ["an unknown context variable", { steps: [{ ...STEP, script: "$(context.task.uid)" }] }, [
    '"$(context.task.uid)" is not a context variable',
  ]],
  ["an undeclared result", { steps: [{ ...STEP, script: "echo > $(results.out.path)" }] }, [
    '"$(results.out.path)" refers to a result the Task does not declare',
  ]],
  ["a bad result name", { steps: [STEP], results: [{ name: "-out" }] }, [
    'invalid result name "-out"',
  ]],
  ["a bad result type", { steps: [STEP], results: [{ name: "out", type: "int" }] }, [
    'invalid result type "int"',
  ]],
  ["a sidecar image that is a list", { steps: [STEP], sidecars: [{ name: "s", image: ["x"] }] }, [
    "spec.sidecars[0].image: expected a string, found a list",
  ]],
];

Deno.test("taskRuleProblems() refuses what Tekton's webhook refuses", async (t) => {
  for (const [name, spec, expected] of REFUSED) {
    await t.step(name, () => {
      const problems = taskRuleProblems(task(spec));
      assert.equal(problems.length, expected.length, problems.join("\n"));
      expected.forEach((part, i) =>
        assert.ok(problems[i]?.includes(part), `${problems[i]} lacks ${part}`)
      );
    });
  }
  await t.step("v1beta1 resources", () => {
    const problems = taskRuleProblems(task({ steps: [STEP], resources: {} }, "tekton.dev/v1beta1"));
    assert.deepEqual(problems, [
      'spec.resources: "resources" is not allowed (removed from Tekton)',
    ]);
  });
  await t.step("every problem at once", () => {
    const problems = taskRuleProblems(task({ steps: [{ name: "A", image: 1 }, { name: "A" }] }));
    assert.equal(problems.length, 5, problems.join("\n"));
  });
});

Deno.test("taskRuleProblems() accepts what Tekton accepts", async (t) => {
  const accepted: [string, Record<string, unknown>][] = [
    ["an image from the step template", {
      stepTemplate: { image: "busybox" },
      steps: [{ name: "a", script: "x" }],
    }],
    ["unnamed steps", { steps: [{ image: "a" }, { image: "b" }] }],
    ["declared references of every shape", {
      params: [{ name: "s" }, { name: "arr", type: "array" }, { name: "o", properties: { k: {} } }],
      results: [{ name: "out" }],
      steps: [{
        ...STEP,
        args: ["$(params.arr[*])", "$(params.s)", "$(params['s'])", "$(params.arr[0])"],
        script:
          "echo $(params.o.k) $(context.taskRun.name) $(context.task.retry-count) > $(results.out.path)",
        env: [{ name: "E", value: "$(params.s)" }],
      }],
    }],
    ["a mount under /tekton/home", {
      steps: [{ ...STEP, volumeMounts: [{ name: "h", mountPath: "/tekton/home/x" }] }],
    }],
    ["a ref step", {
      steps: [{ name: "a", ref: { name: "action" }, params: [{ name: "p", value: "v" }] }],
    }],
    ["onError from a param", {
      params: [{ name: "e" }],
      steps: [{ ...STEP, onError: "$(params.e)" }],
    }],
  ];
  for (const [name, spec] of accepted) {
    await t.step(name, () => assert.deepEqual(taskRuleProblems(task(spec)), []));
  }
});

Deno.test("taskRuleProblems() accepts every Task of the Dracon corpus, processed", async () => {
  let checked = 0;
  const walk = async (dir: string): Promise<void> => {
    for await (const entry of Deno.readDir(dir)) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) await walk(path);
      else if (entry.name === "task.yaml") {
        for (const doc of await parseYamlDocuments(await Deno.readTextFile(path), path)) {
          const t = toTask(doc.value, path);
          assert.deepEqual(validateTask(t, path), [], path);
          assert.deepEqual(taskRuleProblems(processTask(t)), [], path);
          checked++;
        }
      }
    }
  };
  await walk(`${DRACON}components`);
  assert.ok(checked >= 48, `only ${checked} Tasks`);
});
