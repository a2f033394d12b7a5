/**
 * The checks Tekton's admission webhook makes on a Pipeline, made on the
 * assembled Pipeline before the first write: the rules of
 * `pkg/apis/pipeline/v1/pipeline_validation.go` (tektoncd/pipeline v1.15.0)
 * that need no cluster state and no feature flag, and the DAG check of
 * `pkg/reconciler/pipeline/dag` (`runAfter` and result references name
 * tasks of the Pipeline, without a cycle), with `when`, `finally`, matrix and
 * embedded `taskSpec` rules. docs/validation.md lists them.
 *
 * @example
 * ```ts
 * import { pipelineRuleProblems } from "./pipeline_rules.ts";
 *
 * const tasks = [{ name: "base", taskRef: { name: "a" } }, { name: "base", taskRef: { name: "b" } }];
 * console.log(pipelineRuleProblems({ spec: { tasks } }));
 * // ['spec.tasks[1].name: pipeline task name "base" is used more than once']
 * ```
 *
 * @module
 */
import { isMapping } from "../yaml/mapping.ts";
import { referencesIn } from "./_references.ts";
import { checkParamSpecs, describe, DNS1123_LABEL, listAt, type Problems } from "./_rules.ts";
import { taskRuleProblems } from "./task_rules.ts";
import type { Task } from "./types.ts";

/** The prefixes a `$(…)` in a pipeline task's param may start with (`validateVarSubstitutionExpressions`). */
const PREFIXES = new Set(["params", "tasks", "finally", "context", "workspaces", "results"]);
/** What `$(context.pipelineRun.…)`, `$(context.pipeline.…)` and `$(context.pipelineTask.…)` may name. */
const CONTEXT_NAMES: readonly [string, ReadonlySet<string>][] = [
  [String.raw`context\.pipelineRun`, new Set(["name", "namespace", "uid"])],
  [String.raw`context\.pipeline`, new Set(["name"])],
  [String.raw`context\.pipelineTask`, new Set(["retries"])],
];

/** One pipeline task as the rules see it. */
interface Node {
  name: string;
  path: string;
  after: string[];
}

/**
 * Every way a Pipeline's spec breaks a Tekton rule, each as
 * `<field path>: <problem>`; empty when the webhook would accept it.
 */
export function pipelineRuleProblems(pipeline: { spec: Record<string, unknown> }): string[] {
  const problems: Problems = [];
  const spec = pipeline.spec;
  const params: Declared = {
    types: checkParamSpecs(spec.params, "spec.params", problems, { nameFormat: false }),
    keys: objectKeys(spec.params),
  };
  const workspaces = declaredWorkspaces(spec, problems);
  const nodes: Node[] = [];
  const names = new Set<string>();
  for (const section of ["tasks", "finally"] as const) {
    listAt(spec, section, `spec.${section}`, problems).forEach((task, i) => {
      const path = `spec.${section}[${i}]`;
      if (!isMapping(task)) {
        return void problems.push(`${path}: expected a mapping, found ${describe(task)}`);
      }
      const name = typeof task.name === "string" ? task.name : "";
      if (name.length > 63 || !DNS1123_LABEL.test(name)) {
        problems.push(
          `${path}.name: pipeline task name ${describe(task.name)} is not a DNS-1123 label`,
        );
      } else if (names.has(name)) {
        problems.push(`${path}.name: pipeline task name "${name}" is used more than once`);
      }
      names.add(name);
      checkTask(task, path, params, workspaces, problems);
      if (isMapping(task.taskSpec)) checkEmbedded(task.taskSpec, path, spec.params, problems);
      checkWhen(task, path, params, problems);
      if (section === "tasks") {
        nodes.push({ name, path, after: dependencies(task, path, problems) });
      } else checkFinally(task, path, spec, problems);
    });
  }
  checkGraph(nodes, problems);
  for (const section of ["tasks", "finally"] as const) checkMatrixed(spec, section, problems);
  return problems;
}

/** The most TaskRuns a matrix may fan out to (`default-max-matrix-combinations-count`). */
const MAX_MATRIX_COMBINATIONS = 256;

/**
 * `validateMatrix` of one section: a param in the matrix or in `params`, not
 * both, and once; at most {@link MAX_MATRIX_COMBINATIONS} combinations; the
 * results of a matrixed task read by the tasks of its section only whole
 * (`$(tasks.m.results.r[*])`).
 */
function checkMatrixed(spec: Record<string, unknown>, section: string, problems: Problems) {
  const tasks = (Array.isArray(spec[section]) ? spec[section] as unknown[] : []).filter(isMapping);
  const matrixed = new Set<string>();
  tasks.forEach((task, i) => {
    const path = `spec.${section}[${i}]`;
    const params = isMapping(task.matrix) && Array.isArray(task.matrix.params)
      ? task.matrix.params.filter(isMapping)
      : [];
    if (params.length === 0) return;
    if (typeof task.name === "string") matrixed.add(task.name);
    const passed = new Set(
      (Array.isArray(task.params) ? task.params : []).map((p) => isMapping(p) ? p.name : undefined),
    );
    const seen = new Set<unknown>();
    let combinations = 1;
    params.forEach((param, j) => {
      const at = `${path}.matrix.params[${j}]`;
      if (passed.has(param.name)) {
        problems.push(`${at}: param "${String(param.name)}" is in both "matrix" and "params"`);
      }
      if (seen.has(param.name)) {
        problems.push(`${at}: param "${String(param.name)}" is in the matrix more than once`);
      }
      seen.add(param.name);
      combinations *= Array.isArray(param.value) ? param.value.length : 1;
    });
    if (combinations > MAX_MATRIX_COMBINATIONS) {
      problems.push(
        `${path}.matrix: ${combinations} combinations, more than ${MAX_MATRIX_COMBINATIONS}`,
      );
    }
  });
  tasks.forEach((task, i) => {
    for (const param of Array.isArray(task.params) ? task.params : []) {
      if (!isMapping(param)) continue;
      for (const value of stringsIn(param.value)) {
        for (const ref of referencesIn(value, "tasks")) {
          if (matrixed.has(ref.name) && !ref.text.endsWith("[*])")) {
            problems.push(
              `spec.${section}[${i}]: "${ref.text}": the results of matrixed task "${ref.name}" can only be read whole, with [*]`,
            );
          }
        }
      }
    }
  });
}

/**
 * An embedded `taskSpec`: the Task rules (`TaskSpec.Validate`), its steps
 * free to use the Pipeline's params too (`validateUsageOfDeclaredPipelineTaskParameters`:
 * params propagate into embedded specs).
 */
function checkEmbedded(
  taskSpec: Record<string, unknown>,
  path: string,
  pipelineParams: unknown,
  problems: Problems,
) {
  const own = Array.isArray(taskSpec.params) ? taskSpec.params : [];
  const names = new Set(own.map((p) => isMapping(p) ? p.name : undefined));
  const propagated = (Array.isArray(pipelineParams) ? pipelineParams : [])
    .filter((p) => isMapping(p) && !names.has(p.name));
  const task: Task = {
    apiVersion: "tekton.dev/v1",
    kind: "Task",
    metadata: { name: "embedded" },
    spec: { ...taskSpec, params: [...own, ...propagated] } as Task["spec"],
  };
  for (const problem of taskRuleProblems(task)) {
    problems.push(`${path}.taskSpec${problem.replace(/^spec(?=[.:[])/, "")}`);
  }
}

/** The Pipeline's params: each name with its type, and the keys of each object param. */
interface Declared {
  types: ReadonlyMap<string, string>;
  keys: ReadonlyMap<string, ReadonlySet<string>>;
}

function objectKeys(params: unknown): Map<string, Set<string>> {
  const keys = new Map<string, Set<string>>();
  for (const p of Array.isArray(params) ? params : []) {
    if (isMapping(p) && typeof p.name === "string" && isMapping(p.properties)) {
      keys.set(p.name, new Set(Object.keys(p.properties)));
    }
  }
  return keys;
}

/**
 * `validateFinalTasks`: a finally task has no `runAfter`, and its result
 * references (params and `when`) name tasks of `spec.tasks`.
 */
function checkFinally(
  task: Record<string, unknown>,
  path: string,
  spec: Record<string, unknown>,
  problems: Problems,
) {
  if (Array.isArray(task.runAfter) && task.runAfter.length > 0) {
    problems.push(`${path}.runAfter: a finally task cannot have "runAfter"`);
  }
  const names = (section: string) =>
    new Set(
      (Array.isArray(spec[section]) ? spec[section] as unknown[] : [])
        .map((t) => isMapping(t) ? t.name : undefined),
    );
  const [tasks, finallyTasks] = [names("tasks"), names("finally")];
  const values = [
    ...(Array.isArray(task.params) ? task.params : []).flatMap((p) =>
      isMapping(p) ? stringsIn(p.value) : []
    ),
    ...whenExpressions(task).flatMap(whenStrings),
  ];
  for (const value of values) {
    for (const ref of referencesIn(value, "tasks")) {
      if (finallyTasks.has(ref.name)) {
        problems.push(
          `${path}: "${ref.text}": a finally task cannot use the results of finally task "${ref.name}"`,
        );
      } else if (!tasks.has(ref.name)) {
        problems.push(
          `${path}: "${ref.text}" refers to pipeline task "${ref.name}", which does not exist`,
        );
      }
    }
  }
}

function whenExpressions(task: Record<string, unknown>): Record<string, unknown>[] {
  return (Array.isArray(task.when) ? task.when : []).filter(isMapping);
}

function whenStrings(when: Record<string, unknown>): string[] {
  return [when.input, ...(Array.isArray(when.values) ? when.values : [])]
    .filter((v): v is string => typeof v === "string");
}

/**
 * `WhenExpression.validate` (when_validation.go) and the param rules of its
 * input and values (`validatePipelineParametersVariables`). A `cel` expression
 * needs the `enable-cel-in-whenexpression` flag and is left to Tekton.
 */
function checkWhen(
  task: Record<string, unknown>,
  path: string,
  params: Declared,
  problems: Problems,
) {
  listAt(task, "when", `${path}.when`, problems).forEach((when, i) => {
    const at = `${path}.when[${i}]`;
    if (!isMapping(when)) {
      return void problems.push(`${at}: expected a mapping, found ${describe(when)}`);
    }
    if (typeof when.cel === "string" && when.cel !== "") return;
    if (when.operator !== "in" && when.operator !== "notin") {
      problems.push(`${at}.operator: expected "in" or "notin", found ${describe(when.operator)}`);
    }
    if (!Array.isArray(when.values) || when.values.length === 0) {
      problems.push(`${at}.values: expected a non-empty list of values`);
    }
    if (typeof when.input === "string") {
      checkParamValue(when.input, "string", `${at}.input`, params, problems, false);
    }
    (Array.isArray(when.values) ? when.values : []).forEach((value, j) => {
      if (typeof value !== "string") return;
      const whole = /^\$\(params\.(.+)\[\*\]\)$/.exec(value)?.[1];
      const context = whole !== undefined && params.types.get(whole) === "array"
        ? "element"
        : "string";
      checkParamValue(value, context, `${at}.values[${j}]`, params, problems, false);
    });
  });
}

/** `validatePipelineWorkspacesDeclarations`: names non-empty and unique. */
function declaredWorkspaces(spec: Record<string, unknown>, problems: Problems): Set<string> {
  const names = new Set<string>();
  listAt(spec, "workspaces", "spec.workspaces", problems).forEach((ws, i) => {
    const name = isMapping(ws) ? ws.name : undefined;
    if (typeof name !== "string" || name === "") {
      problems.push(
        `spec.workspaces[${i}].name: expected a workspace name, found ${describe(name)}`,
      );
    } else if (names.has(name)) {
      problems.push(`spec.workspaces[${i}].name: workspace "${name}" appears more than once`);
    } else names.add(name);
  });
  return names;
}

/** One pipeline task: ref or spec, params, workspace bindings. */
function checkTask(
  task: Record<string, unknown>,
  path: string,
  params: Declared,
  workspaces: ReadonlySet<string>,
  problems: Problems,
) {
  const hasRef = task.taskRef !== undefined && task.taskRef !== null;
  const hasSpec = task.taskSpec !== undefined && task.taskSpec !== null;
  const hasPipeline = task.pipelineRef !== undefined || task.pipelineSpec !== undefined;
  if (hasRef && hasSpec) {
    problems.push(`${path}: expected exactly one of "taskRef" and "taskSpec", found both`);
  }
  if (!hasRef && !hasSpec && !hasPipeline) {
    problems.push(`${path}: expected "taskRef" or "taskSpec"`);
  }
  if (hasRef && (!isMapping(task.taskRef) || typeof task.taskRef.name !== "string")) {
    if (!isMapping(task.taskRef) || task.taskRef.resolver === undefined) {
      problems.push(
        `${path}.taskRef.name: expected a Task name, found ${
          describe(isMapping(task.taskRef) ? task.taskRef.name : task.taskRef)
        }`,
      );
    }
  }
  const seen = new Set<string>();
  listAt(task, "params", `${path}.params`, problems).forEach((param, i) => {
    const at = `${path}.params[${i}]`;
    if (!isMapping(param) || typeof param.name !== "string") {
      return void problems.push(
        `${at}.name: expected a param name, found ${
          describe(isMapping(param) ? param.name : param)
        }`,
      );
    }
    if (seen.has(param.name)) {
      problems.push(`${at}.name: param "${param.name}" is passed more than once`);
    }
    seen.add(param.name);
    const value = param.value;
    if (typeof value === "string") {
      // An isolated whole array or object, `$(params.x[*])`, may be passed as it is.
      const isolated = /^\$\(params\.[_a-zA-Z0-9.-]+\[\*\]\)$/.test(value);
      checkParamValue(value, isolated ? "isolated" : "string", `${at}.value`, params, problems);
    } else if (Array.isArray(value)) {
      value.forEach((v, j) => {
        if (typeof v === "string") {
          checkParamValue(v, "element", `${at}.value[${j}]`, params, problems);
        }
      });
    } else if (isMapping(value)) {
      for (const [key, v] of Object.entries(value)) {
        if (typeof v === "string") {
          checkParamValue(v, "string", `${at}.value.${key}`, params, problems);
        }
      }
    }
  });
  if (isMapping(task.matrix)) {
    listAt(task.matrix, "params", `${path}.matrix.params`, problems).forEach((param, i) => {
      if (!isMapping(param)) return;
      stringsIn(param.value).forEach((v, j) =>
        checkParamValue(v, "element", `${path}.matrix.params[${i}].value[${j}]`, params, problems)
      );
    });
  }
  const bound = new Set<string>();
  listAt(task, "workspaces", `${path}.workspaces`, problems).forEach((ws, i) => {
    const at = `${path}.workspaces[${i}]`;
    if (!isMapping(ws) || typeof ws.name !== "string") {
      return void problems.push(
        `${at}.name: expected a workspace name, found ${describe(isMapping(ws) ? ws.name : ws)}`,
      );
    }
    if (bound.has(ws.name)) {
      problems.push(`${at}.name: workspace "${ws.name}" is bound more than once`);
    }
    bound.add(ws.name);
    const target = typeof ws.workspace === "string" && ws.workspace !== "" ? ws.workspace : ws.name;
    if (!workspaces.has(target)) {
      problems.push(`${at}.workspace: the Pipeline declares no workspace "${target}"`);
    }
  });
}

/**
 * Param, context and prefix references in one string a pipeline task passes
 * (`validatePipelineParametersVariablesInTaskParameters`, param_types.go):
 * every param declared, object keys among the object's properties, and,
 * by where the string stands,
 *
 * - `string` (a string param, an object's value, a `when` input): no whole
 *   array (`$(params.a)`, `$(params.a[*])`; `$(params.a[0])` is fine) and no
 *   whole object;
 * - `isolated` (a string param that is exactly `$(params.x[*])`): the name only;
 * - `element` (an element of an array param): no whole object, and a whole
 *   array only as the entire element.
 *
 * Context variables are checked in params, not in `when` (as Tekton).
 */
function checkParamValue(
  value: string,
  context: "string" | "isolated" | "element",
  at: string,
  params: Declared,
  problems: Problems,
  contextVariables = true,
) {
  for (const match of value.matchAll(/\$\(([^)]*)\)/g)) {
    const prefix = match[1]!.split(/[.[]/, 1)[0]!;
    if (!PREFIXES.has(prefix)) {
      problems.push(
        `${at}: invalid variable reference "${
          match[0]
        }": expected a prefix params, tasks, finally, context, workspaces or results`,
      );
    }
  }
  const refs = referencesIn(value, "params");
  for (const ref of refs) {
    const type = params.types.get(ref.name);
    if (ref.tooDeep) {
      problems.push(`${at}: "${ref.text}" has more than two dot-separated parts`);
    } else if (type === undefined) {
      problems.push(`${at}: "${ref.text}" refers to a param the Pipeline does not declare`);
    } else if (context === "isolated") continue;
    else if (type === "object" && ref.whole) {
      problems.push(`${at}: object param "${ref.name}" cannot be used whole in "${value}"`);
    } else if (type === "array" && (ref.star || !ref.indexed)) {
      if (context === "string") {
        problems.push(`${at}: array param "${ref.name}" cannot be used whole in "${value}"`);
      } else if (value !== refs[0]!.text) {
        problems.push(`${at}: array param "${ref.name}" must stand alone, not in "${value}"`);
      }
    }
  }
  for (const [name, keys] of params.keys) {
    for (const ref of referencesIn(value, `params\\.${escapeRegExp(name)}`)) {
      if (!keys.has(ref.name)) {
        problems.push(`${at}: "${ref.text}": object param "${name}" has no key "${ref.name}"`);
      }
    }
  }
  for (const [prefix, names] of contextVariables ? CONTEXT_NAMES : []) {
    for (const ref of referencesIn(value, prefix)) {
      if (!names.has(ref.name)) {
        problems.push(`${at}: "${ref.text}" is not a context variable`);
      }
    }
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The tasks a pipeline task runs after: its `runAfter` and the tasks whose results it reads (`Deps`). */
function dependencies(task: Record<string, unknown>, path: string, problems: Problems): string[] {
  const after: string[] = [];
  listAt(task, "runAfter", `${path}.runAfter`, problems).forEach((name, i) => {
    if (typeof name === "string") after.push(name);
    else problems.push(`${path}.runAfter[${i}]: expected a task name, found ${describe(name)}`);
  });
  const matrix = isMapping(task.matrix) && Array.isArray(task.matrix.params)
    ? task.matrix.params
    : [];
  const values = [
    ...[...(Array.isArray(task.params) ? task.params : []), ...matrix]
      .flatMap((p) => isMapping(p) ? stringsIn(p.value) : []),
    ...whenExpressions(task).flatMap(whenStrings),
  ];
  for (const value of values) {
    for (const ref of referencesIn(value, "tasks")) after.push(ref.name);
  }
  return after;
}

/** `dag.Build`: every dependency names a task of `spec.tasks`, and there is no cycle. */
function checkGraph(nodes: readonly Node[], problems: Problems) {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  for (const node of nodes) {
    for (const name of new Set(node.after)) {
      if (name === node.name) problems.push(`${node.path}: task "${name}" depends on itself`);
      else if (!byName.has(name)) {
        problems.push(
          `${node.path}: task "${node.name}" depends on "${name}", which is not a task of the Pipeline`,
        );
      }
    }
  }
  const state = new Map<string, "open" | "done">();
  const visit = (node: Node, trail: string[]): boolean => {
    if (state.get(node.name) === "done") return false;
    if (state.get(node.name) === "open") {
      const cycle = [...trail.slice(trail.indexOf(node.name)), node.name];
      problems.push(
        `spec.tasks: the tasks form a cycle: ${cycle.map((n) => `"${n}"`).join(" -> ")}`,
      );
      return true;
    }
    state.set(node.name, "open");
    for (const name of node.after) {
      const next = byName.get(name);
      if (next !== undefined && next !== node && visit(next, [...trail, node.name])) return true;
    }
    state.set(node.name, "done");
    return false;
  };
  for (const node of nodes) if (visit(node, [])) break;
}

function stringsIn(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string");
  if (isMapping(value)) {
    return Object.values(value).filter((v): v is string => typeof v === "string");
  }
  return [];
}
