/**
 * The checks Tekton's admission webhook makes on a Pipeline, made on the
 * assembled Pipeline before the first write: the rules of
 * `pkg/apis/pipeline/v1/pipeline_validation.go` (tektoncd/pipeline v1.15.0)
 * that need no cluster state and no feature flag, and the DAG check of
 * `pkg/reconciler/pipeline/dag` (`runAfter` and result references name
 * tasks of the Pipeline, without a cycle). docs/validation.md lists them.
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
  const params = checkParamSpecs(spec.params, "spec.params", problems, { nameFormat: false });
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
      if (section === "tasks") {
        nodes.push({ name, path, after: dependencies(task, path, problems) });
      }
    });
  }
  checkGraph(nodes, problems);
  return problems;
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
  params: ReadonlyMap<string, string>,
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
    for (const value of stringsIn(param.value)) checkParamValue(value, at, params, problems);
  });
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

/** Param, context and prefix references in one value a pipeline task passes. */
function checkParamValue(
  value: string,
  at: string,
  params: ReadonlyMap<string, string>,
  problems: Problems,
) {
  for (const match of value.matchAll(/\$\(([^)]*)\)/g)) {
    const prefix = match[1]!.split(/[.[]/, 1)[0]!;
    if (!PREFIXES.has(prefix)) {
      problems.push(
        `${at}.value: invalid variable reference "${
          match[0]
        }": expected a prefix params, tasks, finally, context, workspaces or results`,
      );
    }
  }
  for (const ref of referencesIn(value, "params")) {
    const type = params.get(ref.name);
    if (ref.tooDeep) {
      problems.push(`${at}.value: "${ref.text}" has more than two dot-separated parts`);
    } else if (type === undefined) {
      problems.push(`${at}.value: "${ref.text}" refers to a param the Pipeline does not declare`);
    } else if (type === "array" && ref.star && value !== ref.text) {
      problems.push(`${at}.value: array param "${ref.name}" must stand alone, not in "${value}"`);
    }
  }
  for (const [prefix, names] of CONTEXT_NAMES) {
    for (const ref of referencesIn(value, prefix)) {
      if (!names.has(ref.name)) {
        problems.push(`${at}.value: "${ref.text}" is not a context variable`);
      }
    }
  }
}

/** The tasks a pipeline task runs after: its `runAfter` and the tasks whose results it reads. */
function dependencies(task: Record<string, unknown>, path: string, problems: Problems): string[] {
  const after: string[] = [];
  listAt(task, "runAfter", `${path}.runAfter`, problems).forEach((name, i) => {
    if (typeof name === "string") after.push(name);
    else problems.push(`${path}.runAfter[${i}]: expected a task name, found ${describe(name)}`);
  });
  for (const param of Array.isArray(task.params) ? task.params : []) {
    if (!isMapping(param)) continue;
    for (const value of stringsIn(param.value)) {
      for (const ref of referencesIn(value, "tasks")) after.push(ref.name);
    }
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
