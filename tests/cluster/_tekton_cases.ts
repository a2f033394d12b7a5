/**
 * The mutated-pipeline corpus of the differential test against Tekton
 * (tests/cluster/tekton_differential_test.ts): seeds (the corpus example
 * pipelines as draconctl renders them, with their Tasks and their own
 * PipelineRun's params, and synthetic Pipelines using what the corpus does
 * not: array and object params, finally, when, pipeline results, embedded
 * taskSpecs) and, for each seed, every mutation that applies to it. No
 * randomness: the same seeds give the same cases, in the same order; where a
 * mutation has several places to act on, the seed's index picks one, so the
 * seeds spread over the places.
 *
 * @module
 */
import type { Task } from "../../src/tekton/types.ts";

/** A param of a PipelineRun (or a pipeline task). */
export interface RunParam {
  name: string;
  value: unknown;
}

/** A Pipeline object as the cases hold it. */
export interface PipelineObject {
  apiVersion: string;
  kind: "Pipeline";
  metadata: { name: string; [key: string]: unknown };
  // deno-lint-ignore no-explicit-any
  spec: Record<string, any>;
}

/** One input both checkers get. */
export interface Case {
  /** `<seed>/<mutation>` */
  name: string;
  pipeline: PipelineObject;
  tasks: Task[];
  /** The PipelineRun's params. */
  params: RunParam[];
}

/** A seed: a Pipeline its run passes. */
export interface Seed {
  name: string;
  pipeline: PipelineObject;
  tasks: Task[];
  params: RunParam[];
}

// deno-lint-ignore no-explicit-any
type PT = Record<string, any>;

/** The pipeline tasks of `spec.tasks` then `spec.finally`. */
function pipelineTasks(p: PipelineObject, section?: "tasks" | "finally"): PT[] {
  const sections = section ? [section] : ["tasks", "finally"];
  return sections.flatMap((s) => (Array.isArray(p.spec[s]) ? p.spec[s] : []) as PT[]);
}

function taskOf(c: Case, pt: PT): Task | undefined {
  if (pt.taskSpec) {
    return {
      apiVersion: "tekton.dev/v1",
      kind: "Task",
      metadata: { name: pt.name },
      spec: pt.taskSpec,
    };
  }
  return c.tasks.find((t) => t.metadata.name === pt.taskRef?.name);
}

/** `list[index % length]`, or undefined for an empty list. */
function pick<T>(list: readonly T[], index: number): T | undefined {
  return list.length === 0 ? undefined : list[index % list.length];
}

function params(pt: PT): PT[] {
  return (pt.params ??= []) as PT[];
}

function taskParams(task: Task): PT[] {
  return (task.spec.params ?? []) as PT[];
}

function isRequired(spec: PT): boolean {
  return spec.default === undefined;
}

function typeOf(spec: PT): string {
  return spec.type ??
    (spec.properties ? "object" : Array.isArray(spec.default) ? "array" : "string");
}

/** `$(tasks.X.results.Y)` strings in a pipeline task's params (and when). */
const RESULT_REF = /\$\(tasks\.([a-z0-9-]+)\.results\.([A-Za-z0-9_.-]+?)(\[[^\]]*\])?\)/;

function resultRefParams(p: PipelineObject): { pt: PT; param: PT }[] {
  return pipelineTasks(p).flatMap((pt) =>
    params(pt).filter((param) => typeof param.value === "string" && RESULT_REF.test(param.value))
      .map((param) => ({ pt, param }))
  );
}

/** A mutation: changes a copy of the seed, or returns false when it does not apply. */
type Mutation = [name: string, apply: (c: Case, i: number) => boolean];

/** Names of the pipeline tasks (of `tasks`) another one depends on through `runAfter` or results. */
function dagTasks(p: PipelineObject): PT[] {
  return pipelineTasks(p, "tasks");
}

const MUTATIONS: Mutation[] = [
  ["unchanged", () => true],
  ["drop a required param binding", (c, i) => {
    const found = pipelineTasks(c.pipeline).flatMap((pt) => {
      const task = taskOf(c, pt);
      return params(pt).filter((b) => {
        const spec = task && taskParams(task).find((s) => s.name === b.name);
        return spec !== undefined && isRequired(spec);
      }).map((b) => ({ pt, b }));
    });
    const hit = pick(found, i);
    if (!hit) return false;
    hit.pt.params = params(hit.pt).filter((b) => b !== hit.b);
    return true;
  }],
  ["drop an optional param binding", (c, i) => {
    const found = pipelineTasks(c.pipeline).flatMap((pt) => {
      const task = taskOf(c, pt);
      return params(pt).filter((b) => {
        const spec = task && taskParams(task).find((s) => s.name === b.name);
        return spec !== undefined && !isRequired(spec);
      }).map((b) => ({ pt, b }));
    });
    const hit = pick(found, i);
    if (!hit) return false;
    hit.pt.params = params(hit.pt).filter((b) => b !== hit.b);
    return true;
  }],
  ["make a Task param required that no pipeline task passes", (c, i) => {
    const found = pipelineTasks(c.pipeline).flatMap((pt) => {
      const task = taskOf(c, pt);
      if (!task || pt.taskSpec) return [];
      return taskParams(task).filter((s) =>
        !isRequired(s) && !params(pt).some((b) => b.name === s.name)
      ).map((s) => s);
    });
    const hit = pick(found, i);
    if (!hit) return false;
    delete hit.default;
    return true;
  }],
  ["add an unknown param binding", (c, i) => {
    const pt = pick(pipelineTasks(c.pipeline), i);
    if (!pt) return false;
    params(pt).push({ name: "no-such-param", value: "x" });
    return true;
  }],
  ["bind a param twice", (c, i) => {
    const pt = pick(pipelineTasks(c.pipeline).filter((t) => params(t).length > 0), i);
    if (!pt) return false;
    params(pt).push(structuredClone(params(pt)[0]!));
    return true;
  }],
  ["drop a required run param", (c, i) => {
    const declared = (c.pipeline.spec.params ?? []) as PT[];
    const hit = pick(
      declared.filter((s) => isRequired(s) && c.params.some((p) => p.name === s.name)),
      i,
    );
    if (!hit) return false;
    c.params = c.params.filter((p) => p.name !== hit.name);
    return true;
  }],
  ["drop an optional run param", (c, i) => {
    const declared = (c.pipeline.spec.params ?? []) as PT[];
    const hit = pick(
      declared.filter((s) => !isRequired(s) && c.params.some((p) => p.name === s.name)),
      i,
    );
    if (!hit) return false;
    c.params = c.params.filter((p) => p.name !== hit.name);
    return true;
  }],
  ["add an unknown run param", (c) => {
    c.params.push({ name: "no-such-run-param", value: "x" });
    return true;
  }],
  ["pass an array run param for a string param", (c, i) => {
    const hit = pick(c.params.filter((p) => typeof p.value === "string"), i);
    if (!hit) return false;
    hit.value = ["a", "b"];
    return true;
  }],
  ["pass a string run param for an array param", (c, i) => {
    const hit = pick(c.params.filter((p) => Array.isArray(p.value)), i);
    if (!hit) return false;
    hit.value = "a";
    return true;
  }],
  ["pass an array to a string Task param", (c, i) => {
    const found = pipelineTasks(c.pipeline).flatMap((pt) => {
      const task = taskOf(c, pt);
      return params(pt).filter((b) => {
        const spec = task && taskParams(task).find((s) => s.name === b.name);
        return spec !== undefined && typeOf(spec) === "string";
      });
    });
    const hit = pick(found, i);
    if (!hit) return false;
    hit.value = ["a", "b"];
    return true;
  }],
  ["pass an object to a string Task param", (c, i) => {
    const found = pipelineTasks(c.pipeline).flatMap((pt) => {
      const task = taskOf(c, pt);
      return params(pt).filter((b) => {
        const spec = task && taskParams(task).find((s) => s.name === b.name);
        return spec !== undefined && typeOf(spec) === "string";
      });
    });
    const hit = pick(found, i + 1);
    if (!hit) return false;
    hit.value = { key: "v" };
    return true;
  }],
  ["pass a plain string to an array Task param", (c, i) => {
    const found = pipelineTasks(c.pipeline).flatMap((pt) => {
      const task = taskOf(c, pt);
      return params(pt).filter((b) => {
        const spec = task && taskParams(task).find((s) => s.name === b.name);
        return spec !== undefined && typeOf(spec) === "array";
      });
    });
    const hit = pick(found, i);
    if (!hit) return false;
    hit.value = "plain";
    return true;
  }],
  ["rename a result reference", (c, i) => {
    const hit = pick(resultRefParams(c.pipeline), i);
    if (!hit) return false;
    hit.param.value = String(hit.param.value).replace(
      RESULT_REF,
      "$(tasks.$1.results.$2-renamed$3)",
    );
    return true;
  }],
  ["refer to the results of a task that does not exist", (c, i) => {
    const hit = pick(resultRefParams(c.pipeline), i);
    if (!hit) return false;
    hit.param.value = String(hit.param.value).replace(
      RESULT_REF,
      "$(tasks.no-such-task.results.$2$3)",
    );
    return true;
  }],
  ["cycle through runAfter", (c) => {
    const tasks = dagTasks(c.pipeline);
    if (tasks.length < 2) return false;
    const [first, last] = [tasks[0]!, tasks.at(-1)!];
    if (!(last.runAfter ?? []).length && !resultRefParams(c.pipeline).some((r) => r.pt === last)) {
      last.runAfter = [first.name];
    }
    first.runAfter = [...(first.runAfter ?? []), last.name];
    return true;
  }],
  ["cycle through a result reference", (c, i) => {
    const hit = pick(
      resultRefParams(c.pipeline).filter((r) => dagTasks(c.pipeline).includes(r.pt)),
      i,
    );
    if (!hit) return false;
    const producer = String(hit.param.value).match(RESULT_REF)![1]!;
    const task = dagTasks(c.pipeline).find((t) => t.name === producer);
    if (!task) return false;
    params(task).push({ name: "loop", value: `$(tasks.${hit.pt.name}.results.x)` });
    return true;
  }],
  ["runAfter itself", (c, i) => {
    const pt = pick(dagTasks(c.pipeline), i);
    if (!pt) return false;
    pt.runAfter = [...(pt.runAfter ?? []), pt.name];
    return true;
  }],
  ["runAfter a task that does not exist", (c, i) => {
    const pt = pick(dagTasks(c.pipeline), i);
    if (!pt) return false;
    pt.runAfter = [...(pt.runAfter ?? []), "no-such-task"];
    return true;
  }],
  ["refer to a Task that does not exist", (c, i) => {
    const pt = pick(pipelineTasks(c.pipeline).filter((t) => t.taskRef), i);
    if (!pt) return false;
    pt.taskRef.name = "no-such-task";
    return true;
  }],
  ["leave out a Task the Pipeline refers to", (c, i) => {
    const pt = pick(pipelineTasks(c.pipeline).filter((t) => t.taskRef), i + 1);
    if (!pt) return false;
    c.tasks = c.tasks.filter((t) => t.metadata.name !== pt.taskRef.name);
    return true;
  }],
  ["leave a required workspace unbound", (c, i) => {
    const found = pipelineTasks(c.pipeline).flatMap((pt) => {
      const task = taskOf(c, pt);
      const required = new Set(
        ((task?.spec.workspaces ?? []) as PT[]).filter((w) => !w.optional).map((w) => w.name),
      );
      return ((pt.workspaces ?? []) as PT[]).filter((w) => required.has(w.name)).map((w) => ({
        pt,
        w,
      }));
    });
    const hit = pick(found, i);
    if (!hit) return false;
    hit.pt.workspaces = (hit.pt.workspaces as PT[]).filter((w) => w !== hit.w);
    return true;
  }],
  ["bind a workspace the Task does not declare", (c, i) => {
    const ws = pick((c.pipeline.spec.workspaces ?? []) as PT[], 0);
    const pt = pick(pipelineTasks(c.pipeline), i);
    if (!ws || !pt) return false;
    (pt.workspaces ??= []).push({ name: "no-such-workspace", workspace: ws.name });
    return true;
  }],
  ["bind a workspace to one the Pipeline does not declare", (c, i) => {
    const found = pipelineTasks(c.pipeline).flatMap((pt) => (pt.workspaces ?? []) as PT[]);
    const hit = pick(found, i);
    if (!hit) return false;
    hit.workspace = "no-such-pipeline-workspace";
    return true;
  }],
  ["declare a pipeline workspace twice", (c) => {
    const ws = (c.pipeline.spec.workspaces ?? []) as PT[];
    if (ws.length === 0) return false;
    ws.push(structuredClone(ws[0]!));
    return true;
  }],
  ["use a pipeline task name twice", (c, i) => {
    const tasks = pipelineTasks(c.pipeline);
    if (tasks.length < 2) return false;
    const a = pick(tasks, i)!;
    const b = tasks[(tasks.indexOf(a) + 1) % tasks.length]!;
    // b's name goes; what referred to it now refers to a
    b.name = a.name;
    return true;
  }],
  ["an invalid pipeline task name", (c, i) => {
    const pt = pick(pipelineTasks(c.pipeline), i);
    if (!pt) return false;
    const old = pt.name;
    rename(c.pipeline, old, "Bad_Name");
    return true;
  }],
  ["a pipeline task name of 64 characters", (c, i) => {
    const pt = pick(pipelineTasks(c.pipeline), i);
    if (!pt) return false;
    rename(c.pipeline, pt.name, `t${"x".repeat(63)}`);
    return true;
  }],
  ["refer to an undeclared pipeline param", (c, i) => {
    const hit = pick(
      pipelineTasks(c.pipeline).flatMap(params).filter((b) => typeof b.value === "string"),
      i,
    );
    if (!hit) return false;
    hit.value = `$(params.no-such-param)`;
    return true;
  }],
  ["an invalid variable prefix", (c, i) => {
    const hit = pick(
      pipelineTasks(c.pipeline).flatMap(params).filter((b) => typeof b.value === "string"),
      i,
    );
    if (!hit) return false;
    hit.value = `$(nosuch.thing)`;
    return true;
  }],
  ["a context variable", (c, i) => {
    const hit = pick(
      pipelineTasks(c.pipeline).flatMap(params).filter((b) => typeof b.value === "string"),
      i,
    );
    if (!hit) return false;
    hit.value = `$(context.pipelineRun.name)-$(context.pipeline.name)`;
    return true;
  }],
  ["an unknown context variable", (c, i) => {
    const hit = pick(
      pipelineTasks(c.pipeline).flatMap(params).filter((b) => typeof b.value === "string"),
      i,
    );
    if (!hit) return false;
    hit.value = `$(context.pipelineRun.nosuch)`;
    return true;
  }],
  ["declare a pipeline param twice", (c) => {
    const declared = (c.pipeline.spec.params ?? []) as PT[];
    if (declared.length === 0) return false;
    declared.push(structuredClone(declared[0]!));
    return true;
  }],
  ["a pipeline param default of the wrong type", (c, i) => {
    const hit = pick(
      ((c.pipeline.spec.params ?? []) as PT[]).filter((s) => typeof s.default === "string"),
      i,
    );
    if (!hit) return false;
    hit.default = ["a"];
    return true;
  }],
  ["an invalid pipeline param type", (c, i) => {
    const hit = pick((c.pipeline.spec.params ?? []) as PT[], i);
    if (!hit) return false;
    hit.type = "number";
    return true;
  }],
  ["a when expression on a pipeline param", (c, i) => {
    const hit = pick(
      ((c.pipeline.spec.params ?? []) as PT[]).filter((s) => typeOf(s) === "string"),
      i,
    );
    const pt = pick(dagTasks(c.pipeline), i);
    if (!hit || !pt) return false;
    (pt.when ??= []).push({ input: `$(params.${hit.name})`, operator: "notin", values: ["never"] });
    return true;
  }],
  ["a when expression on an undeclared param", (c, i) => {
    const pt = pick(dagTasks(c.pipeline), i);
    if (!pt) return false;
    (pt.when ??= []).push({ input: "$(params.no-such-param)", operator: "in", values: ["x"] });
    return true;
  }],
  ["a when expression on an unknown context variable", (c, i) => {
    const pt = pick(dagTasks(c.pipeline), i);
    if (!pt) return false;
    (pt.when ??= []).push({
      input: "$(context.pipelineRun.nosuch)",
      operator: "in",
      values: ["x"],
    });
    return true;
  }],
  ["a when expression with an invalid operator", (c, i) => {
    const pt = pick(dagTasks(c.pipeline), i);
    if (!pt) return false;
    (pt.when ??= []).push({ input: "a", operator: "matches", values: ["x"] });
    return true;
  }],
  ["a when expression without values", (c, i) => {
    const pt = pick(dagTasks(c.pipeline), i);
    if (!pt) return false;
    (pt.when ??= []).push({ input: "a", operator: "in", values: [] });
    return true;
  }],
  ["a when expression on an undeclared result", (c, i) => {
    const hit = pick(
      resultRefParams(c.pipeline).filter((r) => dagTasks(c.pipeline).includes(r.pt)),
      i,
    );
    if (!hit) return false;
    const producer = String(hit.param.value).match(RESULT_REF)![1]!;
    (hit.pt.when ??= []).push({
      input: `$(tasks.${producer}.results.no-such-result)`,
      operator: "in",
      values: ["x"],
    });
    return true;
  }],
  ["a finally task reading a declared result", (c, i) => {
    const hit = pick(resultRefParams(c.pipeline), i);
    const fin = pick(pipelineTasks(c.pipeline, "finally"), 0) ?? pick(dagTasks(c.pipeline), i);
    if (!hit || !fin) return false;
    const ref = String(hit.param.value).match(RESULT_REF)![0];
    const moved = structuredClone(fin);
    moved.name = "finally-reader";
    delete moved.runAfter;
    params(moved).push({ name: "no-such-param", value: ref });
    (c.pipeline.spec.finally ??= []).push(moved);
    return true;
  }],
  ["a finally task reading an undeclared result", (c, i) => {
    const fin = pick(dagTasks(c.pipeline), i);
    if (!fin) return false;
    const moved = structuredClone(fin);
    moved.name = "finally-reader";
    delete moved.runAfter;
    delete moved.when;
    params(moved).push({
      name: "no-such-param",
      value: `$(tasks.${fin.name}.results.no-such-result)`,
    });
    (c.pipeline.spec.finally ??= []).push(moved);
    return true;
  }],
  ["a finally task with runAfter", (c, i) => {
    const fin = pick(dagTasks(c.pipeline), i);
    if (!fin) return false;
    const moved = structuredClone(fin);
    moved.name = "finally-after";
    moved.runAfter = [fin.name];
    (c.pipeline.spec.finally ??= []).push(moved);
    return true;
  }],
  ["a Task step referring to an undeclared param", (c, i) => {
    const task = pick(c.tasks.filter((t) => (t.spec.steps ?? []).length > 0), i);
    if (!task) return false;
    task.spec.steps![0]!.args = ["$(params.no-such-task-param)"];
    return true;
  }],
  ["two Task steps of one name", (c, i) => {
    const task = pick(c.tasks.filter((t) => (t.spec.steps ?? []).length > 0), i);
    if (!task) return false;
    const steps = task.spec.steps!;
    steps.push({ ...structuredClone(steps[0]!), name: steps[0]!.name ?? "same" });
    steps[0]!.name ??= "same";
    return true;
  }],
  ["a Task result written but not declared", (c, i) => {
    const task = pick(c.tasks.filter((t) => (t.spec.steps ?? []).length > 0), i);
    if (!task) return false;
    task.spec.steps![0]!.script = "echo x > $(results.no-such-result.path)";
    delete task.spec.steps![0]!.command;
    return true;
  }],
  ["a Task without steps", (c, i) => {
    const task = pick(c.tasks, i);
    if (!task) return false;
    task.spec.steps = [];
    return true;
  }],
  ["array indexing in range", (c, i) => {
    const arr = ((c.pipeline.spec.params ?? []) as PT[]).find((s) =>
      typeOf(s) === "array" && Array.isArray(s.default) && s.default.length > 0
    );
    const hit = pick(
      pipelineTasks(c.pipeline).flatMap(params).filter((b) => typeof b.value === "string"),
      i,
    );
    if (!arr || !hit || c.params.some((p) => p.name === arr.name)) return false;
    hit.value = `$(params.${arr.name}[${arr.default.length - 1}])`;
    return true;
  }],
  ["array indexing out of range", (c, i) => {
    const arr = ((c.pipeline.spec.params ?? []) as PT[]).find((s) =>
      typeOf(s) === "array" && Array.isArray(s.default)
    );
    const hit = pick(
      pipelineTasks(c.pipeline).flatMap(params).filter((b) => typeof b.value === "string"),
      i,
    );
    if (!arr || !hit || c.params.some((p) => p.name === arr.name)) return false;
    hit.value = `$(params.${arr.name}[${arr.default.length + 2}])`;
    return true;
  }],
  ["an array param embedded in a string", (c, i) => {
    const arr = ((c.pipeline.spec.params ?? []) as PT[]).find((s) => typeOf(s) === "array");
    const hit = pick(
      pipelineTasks(c.pipeline).flatMap(params).filter((b) => typeof b.value === "string"),
      i,
    );
    if (!arr || !hit) return false;
    hit.value = `prefix-$(params.${arr.name}[*])`;
    return true;
  }],
  ["an object param without a required key", (c, i) => {
    const found = pipelineTasks(c.pipeline).flatMap((pt) => {
      const task = taskOf(c, pt);
      return params(pt).filter((b) => {
        const spec = task && taskParams(task).find((s) => s.name === b.name);
        return spec !== undefined && typeOf(spec) === "object" && typeof b.value === "object";
      });
    });
    const hit = pick(found, i);
    if (!hit) return false;
    const keys = Object.keys(hit.value);
    if (keys.length === 0) return false;
    delete hit.value[keys[0]!];
    return true;
  }],
  ["taskRef and taskSpec both", (c, i) => {
    const pt = pick(pipelineTasks(c.pipeline).filter((t) => t.taskRef), i);
    if (!pt) return false;
    pt.taskSpec = { steps: [{ name: "s", image: "busybox", script: "true" }] };
    return true;
  }],
  ["neither taskRef nor taskSpec", (c, i) => {
    const pt = pick(pipelineTasks(c.pipeline), i);
    if (!pt) return false;
    delete pt.taskRef;
    delete pt.taskSpec;
    return true;
  }],
  ["a pipeline result from a declared result", (c, i) => {
    const hit = pick(resultRefParams(c.pipeline), i);
    if (!hit) return false;
    const ref = String(hit.param.value).match(RESULT_REF)![0];
    (c.pipeline.spec.results ??= []).push({ name: "out", value: ref });
    return true;
  }],
  ["a pipeline result from an undeclared result", (c, i) => {
    const pt = pick(dagTasks(c.pipeline), i);
    if (!pt) return false;
    (c.pipeline.spec.results ??= []).push({
      name: "out",
      value: `$(tasks.${pt.name}.results.no-such-result)`,
    });
    return true;
  }],
  ["a pipeline result from a task that does not exist", (c) => {
    (c.pipeline.spec.results ??= []).push({
      name: "out",
      value: "$(tasks.no-such-task.results.x)",
    });
    return true;
  }],
  ["a matrix over an array param", (c, i) => {
    const found = pipelineTasks(c.pipeline, "tasks").flatMap((pt) => {
      const task = taskOf(c, pt);
      return params(pt).filter((b) => {
        const spec = task && taskParams(task).find((s) => s.name === b.name);
        return spec !== undefined && typeOf(spec) === "string" && typeof b.value === "string";
      }).map((b) => ({ pt, b }));
    });
    const hit = pick(found, i);
    if (!hit) return false;
    hit.pt.params = params(hit.pt).filter((b) => b !== hit.b);
    hit.pt.matrix = { params: [{ name: hit.b.name, value: [hit.b.value, `${hit.b.value}-2`] }] };
    return true;
  }],
  [
    "an object key in a string",
    (c, i) =>
      setString(c, i, (o) => `$(params.${o.name}.${Object.keys(o.properties)[0]})`, "object"),
  ],
  [
    "an unknown object key",
    (c, i) => setString(c, i, (o) => `$(params.${o.name}.no-such-key)`, "object"),
  ],
  ["a whole object in a string", (c, i) => setString(c, i, (o) => `$(params.${o.name})`, "object")],
  ["a whole array in a string", (c, i) => setString(c, i, (a) => `$(params.${a.name})`, "array")],
  [
    "an array element in a string",
    (c, i) => setString(c, i, (a) => `v-$(params.${a.name}[0])`, "array"),
  ],
  ["a whole object passed to an object Task param", (c, i) => {
    const o = declaredOfType(c, "object");
    const hit = pick(bindingsOfType(c, "object"), i);
    if (!o || !hit) return false;
    hit.value = `$(params.${o.name}[*])`;
    return true;
  }],
  ["a whole array passed to an array Task param", (c, i) => {
    const a = declaredOfType(c, "array");
    const hit = pick(bindingsOfType(c, "array"), i);
    if (!a || !hit) return false;
    hit.value = `$(params.${a.name}[*])`;
    return true;
  }],
  ["a whole array as an array element among others", (c, i) => {
    const a = declaredOfType(c, "array");
    const hit = pick(bindingsOfType(c, "array"), i);
    if (!a || !hit) return false;
    hit.value = [`$(params.${a.name}[*])`, "more"];
    return true;
  }],
  ["a whole array result passed to an array Task param", (c, i) => {
    const producer = pipelineTasks(c.pipeline, "tasks").find((pt) =>
      ((taskOf(c, pt)?.spec.results ?? []) as PT[]).some((r) => r.type === "array")
    );
    const hit = pick(bindingsOfType(c, "array"), i);
    if (!producer || !hit) return false;
    const result = ((taskOf(c, producer)!.spec.results ?? []) as PT[]).find((r) =>
      r.type === "array"
    )!;
    const consumer = pipelineTasks(c.pipeline).find((pt) => params(pt).includes(hit))!;
    if (consumer === producer) return false;
    hit.value = `$(tasks.${producer.name}.results.${result.name}[*])`;
    return true;
  }],
  ["a when value with a whole array", (c, i) => {
    const a = declaredOfType(c, "array");
    const pt = pick(dagTasks(c.pipeline), i);
    if (!a || !pt) return false;
    (pt.when ??= []).push({ input: "x", operator: "in", values: [`$(params.${a.name}[*])`] });
    return true;
  }],
  ["a run array reaching an index past the default", (c) => {
    const run = c.params.find((p) => Array.isArray(p.value));
    const spec = run && ((c.pipeline.spec.params ?? []) as PT[]).find((s) => s.name === run.name);
    const hit = pick(
      pipelineTasks(c.pipeline).flatMap(params).filter((b) => typeof b.value === "string"),
      0,
    );
    if (!run || !spec || !hit || (run.value as unknown[]).length <= (spec.default?.length ?? 0)) {
      return false;
    }
    hit.value = `$(params.${run.name}[${(run.value as unknown[]).length - 1}])`;
    return true;
  }],
  ["a run array too short for an index", (c) => {
    const run = c.params.find((p) => Array.isArray(p.value));
    const hit = pick(
      pipelineTasks(c.pipeline).flatMap(params).filter((b) => typeof b.value === "string"),
      0,
    );
    if (!run || !hit) return false;
    hit.value = `$(params.${run.name}[${(run.value as unknown[]).length}])`;
    return true;
  }],
  ["an optional pipeline workspace for a required Task workspace", (c, i) => {
    const optional = ((c.pipeline.spec.workspaces ?? []) as PT[]).find((w) => w.optional);
    const found = pipelineTasks(c.pipeline).flatMap((pt) => {
      const task = taskOf(c, pt);
      const required = new Set(
        ((task?.spec.workspaces ?? []) as PT[]).filter((w) => !w.optional).map((w) => w.name),
      );
      return ((pt.workspaces ?? []) as PT[]).filter((w) => required.has(w.name));
    });
    const hit = pick(found, i);
    if (!optional || !hit) return false;
    hit.workspace = optional.name;
    return true;
  }],
  ["an optional Task workspace left unbound", (c) => {
    const found = pipelineTasks(c.pipeline).flatMap((pt) => {
      const task = taskOf(c, pt);
      const optional = new Set(
        ((task?.spec.workspaces ?? []) as PT[]).filter((w) => w.optional).map((w) => w.name),
      );
      return ((pt.workspaces ?? []) as PT[]).filter((w) => optional.has(w.name)).map((w) => ({
        pt,
        w,
      }));
    });
    const hit = found[0];
    if (!hit) return false;
    hit.pt.workspaces = (hit.pt.workspaces as PT[]).filter((w) => w !== hit.w);
    return true;
  }],
  ["an embedded Task using a pipeline param it does not declare", (c) => {
    const pt = pipelineTasks(c.pipeline).find((t) => t.taskSpec);
    const declared = ((c.pipeline.spec.params ?? []) as PT[]).find((s) => typeOf(s) === "string");
    if (!pt || !declared) return false;
    pt.taskSpec.steps[0].args = [`$(params.${declared.name})`];
    return true;
  }],
  ["an embedded Task using a param declared nowhere", (c) => {
    const pt = pipelineTasks(c.pipeline).find((t) => t.taskSpec);
    if (!pt) return false;
    pt.taskSpec.steps[0].args = ["$(params.no-such-param)"];
    return true;
  }],
  ["an embedded Task without steps", (c) => {
    const pt = pipelineTasks(c.pipeline).find((t) => t.taskSpec);
    if (!pt) return false;
    pt.taskSpec.steps = [];
    return true;
  }],
  ["the retries context variable", (c, i) => {
    const hit = pick(
      pipelineTasks(c.pipeline).flatMap(params).filter((b) => typeof b.value === "string"),
      i,
    );
    if (!hit) return false;
    hit.value = "$(context.pipelineTask.retries)";
    return true;
  }],
];

function declaredOfType(c: Case, type: string): PT | undefined {
  return ((c.pipeline.spec.params ?? []) as PT[]).find((s) => typeOf(s) === type);
}

/** The bindings of Task params of `type`. */
function bindingsOfType(c: Case, type: string): PT[] {
  return pipelineTasks(c.pipeline).flatMap((pt) => {
    const task = taskOf(c, pt);
    return params(pt).filter((b) => {
      const spec = task && taskParams(task).find((s) => s.name === b.name);
      return spec !== undefined && typeOf(spec) === type;
    });
  });
}

/** Sets a string param a pipeline task passes to `value(the first pipeline param of type)`. */
function setString(c: Case, i: number, value: (declared: PT) => string, type: string): boolean {
  const declared = declaredOfType(c, type);
  const hit = pick(bindingsOfType(c, "string"), i);
  if (!declared || !hit) return false;
  hit.value = value(declared);
  return true;
}

/** Renames a pipeline task and what refers to it (runAfter, result references). */
function rename(p: PipelineObject, from: string, to: string) {
  const text = JSON.stringify(p.spec)
    .replaceAll(`"name":"${from}"`, `"name":"${to}"`)
    .replaceAll(`"${from}"`, `"${to}"`) // runAfter entries
    .replaceAll(`$(tasks.${from}.`, `$(tasks.${to}.`);
  p.spec = JSON.parse(text);
}

/** Every case: each seed, mutated by each mutation that applies to it. */
export function generateCases(seeds: readonly Seed[]): Case[] {
  const cases: Case[] = [];
  seeds.forEach((seed, i) => {
    for (const [name, apply] of MUTATIONS) {
      const c: Case = structuredClone({ ...seed, name: `${seed.name}/${name}` });
      if (apply(c, i)) cases.push(c);
    }
  });
  return cases;
}

const task = (name: string, spec: Record<string, unknown>): Task => ({
  apiVersion: "tekton.dev/v1",
  kind: "Task",
  metadata: { name },
  spec,
});

/**
 * Synthetic seeds for what the corpus does not use: array and object params,
 * indexing, finally, when, pipeline results, embedded taskSpecs, optional
 * workspaces, a v1 Pipeline.
 */
export function syntheticSeeds(): Seed[] {
  const clone = task("clone", {
    params: [{ name: "url" }, { name: "depth", default: "1" }, {
      name: "flags",
      type: "array",
      default: [],
    }],
    workspaces: [{ name: "output" }, { name: "cache", optional: true }],
    results: [{ name: "commit" }, { name: "files", type: "array" }],
    steps: [{ name: "clone", image: "busybox", args: ["$(params.url)", "$(params.flags[*])"] }],
  });
  const scan = task("scan", {
    params: [
      { name: "commit" },
      { name: "args", type: "array", default: ["-v"] },
      {
        name: "target",
        type: "object",
        properties: { host: {}, port: {} },
        default: { host: "h", port: "1" },
      },
    ],
    workspaces: [{ name: "source" }],
    results: [{ name: "report" }],
    steps: [{
      name: "scan",
      image: "busybox",
      script: "echo $(params.commit) $(params.target.host) > $(results.report.path)",
    }],
  });
  const notify = task("notify", {
    params: [{ name: "message", default: "done" }],
    steps: [{ name: "notify", image: "busybox", script: "echo '$(params.message)'" }],
  });
  const v1 = (name: string, spec: Record<string, unknown>): PipelineObject => ({
    apiVersion: "tekton.dev/v1",
    kind: "Pipeline",
    metadata: { name },
    spec,
  });
  const tasks = [clone, scan, notify];
  return [
    {
      name: "synthetic-types",
      pipeline: v1("types", {
        params: [
          { name: "repo", type: "string" },
          { name: "extra", type: "array", default: ["-a", "-b"] },
          {
            name: "target",
            type: "object",
            properties: { host: {}, port: {} },
            default: { host: "x", port: "2" },
          },
        ],
        workspaces: [{ name: "ws" }, { name: "cache", optional: true }],
        tasks: [
          {
            name: "clone",
            taskRef: { name: "clone" },
            params: [
              { name: "url", value: "$(params.repo)" },
              { name: "flags", value: ["$(params.extra[*])"] },
            ],
            workspaces: [{ name: "output", workspace: "ws" }, {
              name: "cache",
              workspace: "cache",
            }],
          },
          {
            name: "scan",
            taskRef: { name: "scan" },
            params: [
              { name: "commit", value: "$(tasks.clone.results.commit)" },
              { name: "args", value: ["$(params.extra[1])", "$(params.repo)"] },
              { name: "target", value: { host: "$(params.target.host)", port: "3" } },
            ],
            workspaces: [{ name: "source", workspace: "ws" }],
          },
        ],
        finally: [{
          name: "notify",
          taskRef: { name: "notify" },
          params: [{ name: "message", value: "$(tasks.scan.results.report)" }],
        }],
        results: [{ name: "commit", value: "$(tasks.clone.results.commit)" }],
      }),
      tasks,
      params: [{ name: "repo", value: "https://example.com/r.git" }],
    },
    {
      name: "synthetic-embedded",
      pipeline: v1("embedded", {
        params: [{ name: "who", default: "world" }, {
          name: "list",
          type: "array",
          default: ["1", "2", "3"],
        }],
        workspaces: [{ name: "shared" }],
        tasks: [
          {
            name: "hello",
            params: [{ name: "who", value: "$(params.who)" }, {
              name: "n",
              value: "$(params.list[2])",
            }],
            taskSpec: {
              params: [{ name: "who" }, { name: "n" }],
              results: [{ name: "greeting" }],
              workspaces: [{ name: "shared" }],
              steps: [{
                name: "hello",
                image: "busybox",
                script: "echo hello $(params.who) $(params.n) > $(results.greeting.path)",
              }],
            },
            workspaces: [{ name: "shared", workspace: "shared" }],
          },
          {
            name: "after",
            runAfter: ["hello"],
            taskRef: { name: "notify" },
            params: [{ name: "message", value: "$(tasks.hello.results.greeting)" }],
            when: [{ input: "$(params.who)", operator: "in", values: ["world", "you"] }],
          },
          {
            name: "clone",
            taskRef: { name: "clone" },
            params: [{ name: "url", value: "https://example.com/$(params.who)" }],
            workspaces: [{ name: "output", workspace: "shared" }],
          },
        ],
      }),
      tasks,
      params: [{ name: "list", value: ["a", "b", "c", "d"] }],
    },
  ];
}
