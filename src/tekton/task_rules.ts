/**
 * The checks Tekton's admission webhook makes on a Task, made before the
 * first write: every rule of tektoncd/pipeline v1.15.0 (the version of
 * `../shared/tekton-crds/`) that needs no cluster state and no feature flag.
 * The sources are `pkg/apis/pipeline/v1/task_validation.go`,
 * `container_validation.go`, `param_types.go`, `result_validation.go` and
 * `workspace_types.go` (their `v1beta1` twins hold the same rules);
 * docs/validation.md lists each rule and the ones left to Tekton.
 *
 * Field types are checked too: the webhook decodes a Task into Go structs, so
 * `image: 123` is refused there before any rule runs.
 *
 * @example
 * ```ts
 * const task = { apiVersion: "tekton.dev/v1", kind: "Task" as const, metadata: { name: "t" },
 *   spec: { steps: [{ name: "a", image: "busybox" }, { name: "a", image: "busybox" }] } };
 * console.log(taskRuleProblems(task)); // ['spec.steps[1].name: step name "a" is used more than once']
 * ```
 *
 * @module
 */
import { type Task } from "./types.ts";
import { isMapping } from "../yaml/mapping.ts";
import { referencesIn } from "./_references.ts";
import {
  checkParamSpecs,
  describe,
  DNS1123_LABEL,
  listAt,
  type Problems,
  stringAt,
} from "./_rules.ts";

/** `ResultNameFormat` of `result_types.go`. */
const RESULT_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
/** The container fields Tekton reads as strings, and those it reads as lists of strings. */
const STRING_FIELDS = ["name", "image", "script", "workingDir", "onError", "imagePullPolicy"];
const STRING_LIST_FIELDS = ["command", "args"];
/** The fields variable references are checked in (`validateStepVariables`). */
const REFERENCE_FIELDS = ["name", "image", "workingDir", "script", "onError"];
/** What `$(context.taskRun.…)` and `$(context.task.…)` may name. */
const CONTEXT_NAMES: readonly [string, ReadonlySet<string>][] = [
  [String.raw`context\.taskRun`, new Set(["name", "namespace", "uid"])],
  [String.raw`context\.task`, new Set(["name", "retry-count"])],
];
/** Step fields that cannot be used with a StepAction `ref`. */
const NOT_WITH_REF = [
  "image",
  "command",
  "args",
  "script",
  "workingDir",
  "env",
  "volumeMounts",
  "results",
];

/**
 * Every way `task` breaks a Tekton rule, each as `<field path>: <problem>`;
 * empty when the webhook would accept it (as far as can be known without
 * the cluster).
 */
export function taskRuleProblems(task: Task): string[] {
  const problems: Problems = [];
  const spec = task.spec as Record<string, unknown>;
  if (task.apiVersion === "tekton.dev/v1beta1" && spec.resources !== undefined) {
    problems.push('spec.resources: "resources" is not allowed (removed from Tekton)');
  }
  const params = checkParamSpecs(spec.params, "spec.params", problems);
  const template = isMapping(spec.stepTemplate) ? spec.stepTemplate : {};
  if (spec.stepTemplate !== undefined && !isMapping(spec.stepTemplate)) {
    problems.push(`spec.stepTemplate: expected a mapping, found ${describe(spec.stepTemplate)}`);
  } else checkContainer(template, "spec.stepTemplate", problems);
  const workspaces = checkWorkspaces(spec, problems);
  const results = checkResults(spec.results, problems);
  checkNamedList(spec.volumes, "spec.volumes", "volume", problems);
  const steps = listAt(spec, "steps", "spec.steps", problems);
  if (steps.length === 0 && Array.isArray(spec.steps)) {
    problems.push("spec.steps: a Task needs at least one step");
  }
  const names = new Set<string>();
  steps.forEach((step, i) => {
    const path = `spec.steps[${i}]`;
    if (!isMapping(step)) return; // reported by the Dracon rules
    checkContainer(step, path, problems);
    checkStep(step, template, path, problems);
    const name = step.name;
    if (typeof name === "string" && name !== "") {
      if (names.has(name)) {
        problems.push(`${path}.name: step name "${name}" is used more than once`);
      }
      names.add(name);
    }
    for (const [j, ws] of listAt(step, "workspaces", `${path}.workspaces`, problems).entries()) {
      const wsName = isMapping(ws) ? ws.name : undefined;
      if (typeof wsName === "string" && !workspaces.has(wsName)) {
        problems.push(`${path}.workspaces[${j}].name: undefined workspace "${wsName}"`);
      }
    }
    checkReferences(step, path, params, results, problems);
  });
  listAt(spec, "sidecars", "spec.sidecars", problems).forEach((sidecar, i) => {
    if (isMapping(sidecar)) checkContainer(sidecar, `spec.sidecars[${i}]`, problems);
    else problems.push(`spec.sidecars[${i}]: expected a mapping, found ${describe(sidecar)}`);
  });
  return problems;
}

/** Field types of a step, sidecar or step template, and its volume mounts. */
function checkContainer(container: Record<string, unknown>, path: string, problems: Problems) {
  for (const field of STRING_FIELDS) stringAt(container, field, path, problems);
  for (const field of STRING_LIST_FIELDS) {
    listAt(container, field, `${path}.${field}`, problems).forEach((item, i) => {
      if (typeof item !== "string") {
        problems.push(`${path}.${field}[${i}]: expected a string, found ${describe(item)}`);
      }
    });
  }
  listAt(container, "env", `${path}.env`, problems).forEach((env, i) => {
    if (!isMapping(env)) {
      problems.push(`${path}.env[${i}]: expected a mapping, found ${describe(env)}`);
      return;
    }
    if (typeof env.name !== "string" || env.name === "") {
      problems.push(`${path}.env[${i}].name: expected a name, found ${describe(env.name)}`);
    }
    stringAt(env, "value", `${path}.env[${i}]`, problems);
  });
  listAt(container, "volumeMounts", `${path}.volumeMounts`, problems).forEach((vm, i) => {
    const at = `${path}.volumeMounts[${i}]`;
    if (!isMapping(vm)) {
      return void problems.push(`${at}: expected a mapping, found ${describe(vm)}`);
    }
    const name = stringAt(vm, "name", at, problems);
    const mountPath = stringAt(vm, "mountPath", at, problems);
    const clean = mountPath === undefined ? "" : cleanPath(mountPath);
    if (clean.startsWith("/tekton/") && !clean.startsWith("/tekton/home")) {
      problems.push(`${at}.mountPath: "${mountPath}" is under /tekton/, which Tekton reserves`);
    }
    if (name?.startsWith("tekton-internal-")) {
      problems.push(`${at}.name: "${name}" starts with "tekton-internal-", which Tekton reserves`);
    }
  });
}

/** `Step.Validate` (container_validation.go), with the step template merged in for `image`. */
function checkStep(
  step: Record<string, unknown>,
  template: Record<string, unknown>,
  path: string,
  problems: Problems,
) {
  const has = (field: string) => {
    const value = step[field];
    return value !== undefined && value !== null && value !== "" &&
      !(Array.isArray(value) && value.length === 0);
  };
  if (step.ref !== undefined && step.ref !== null) {
    for (const field of NOT_WITH_REF) {
      if (has(field)) problems.push(`${path}.${field}: "${field}" cannot be used with "ref"`);
    }
  } else {
    if (has("params")) problems.push(`${path}.params: "params" cannot be used without "ref"`);
    const image = step.image ?? template.image;
    if (image === undefined || image === null || image === "") {
      problems.push(`${path}.image: a step needs an image (or a stepTemplate image)`);
    }
    if (has("script") && has("command")) {
      problems.push(`${path}.script: "script" cannot be used with "command"`);
    }
  }
  if (typeof step.name === "string" && step.name !== "" && !isLabel(step.name)) {
    problems.push(`${path}.name: step name "${step.name}" is not a DNS-1123 label`);
  }
  const onError = step.onError;
  if (
    typeof onError === "string" && onError !== "" && onError !== "continue" &&
    onError !== "stopAndFail" && !/^\$\(params\.[^)]*\)$/.test(onError)
  ) {
    problems.push(`${path}.onError: "${onError}" is not "continue" or "stopAndFail"`);
  }
}

/** `validateDeclaredWorkspaces`: unique names and mount paths; returns the names. */
function checkWorkspaces(spec: Record<string, unknown>, problems: Problems): Set<string> {
  const mounts = new Set<string>();
  for (const container of [...asArray(spec.steps), spec.stepTemplate]) {
    if (!isMapping(container)) continue;
    for (const vm of asArray(container.volumeMounts)) {
      if (isMapping(vm) && typeof vm.mountPath === "string") mounts.add(cleanPath(vm.mountPath));
    }
  }
  const names = new Set<string>();
  listAt(spec, "workspaces", "spec.workspaces", problems).forEach((ws, i) => {
    const at = `spec.workspaces[${i}]`;
    if (!isMapping(ws)) {
      return void problems.push(`${at}: expected a mapping, found ${describe(ws)}`);
    }
    const name = stringAt(ws, "name", at, problems) ?? "";
    const mountPath = stringAt(ws, "mountPath", at, problems);
    for (const flag of ["readOnly", "optional"]) {
      if (ws[flag] !== undefined && typeof ws[flag] !== "boolean") {
        problems.push(`${at}.${flag}: expected true or false, found ${describe(ws[flag])}`);
      }
    }
    if (names.has(name)) problems.push(`${at}.name: workspace name "${name}" must be unique`);
    names.add(name);
    const mount = cleanPath(mountPath || `/workspace/${name}`);
    if (mounts.has(mount)) {
      problems.push(`${at}.mountPath: workspace mount path "${mount}" must be unique`);
    }
    mounts.add(mount);
  });
  return names;
}

/** `TaskResult.Validate`; returns the declared names. */
function checkResults(value: unknown, problems: Problems): Set<string> {
  const names = new Set<string>();
  const list = value === undefined ? [] : Array.isArray(value) ? value : undefined;
  if (list === undefined) return names; // reported by the Dracon rules
  list.forEach((result, i) => {
    const at = `spec.results[${i}]`;
    if (!isMapping(result)) {
      return void problems.push(`${at}: expected a mapping, found ${describe(result)}`);
    }
    const name = stringAt(result, "name", at, problems);
    if (name === undefined || !RESULT_NAME.test(name)) {
      problems.push(
        `${at}.name: invalid result name ${describe(name)}: letters, digits, "-", "_" and ".", ` +
          "starting and ending with a letter or digit",
      );
    } else if (names.has(name)) {
      problems.push(`${at}.name: result "${name}" is declared more than once`);
    }
    if (name !== undefined) names.add(name);
    const type = result.type;
    if (type !== undefined && type !== "string" && type !== "array" && type !== "object") {
      problems.push(
        `${at}.type: invalid result type ${describe(type)}: expected "string", "array" or "object"`,
      );
    }
    if (type === "object" && !isMapping(result.properties)) {
      problems.push(`${at}.properties: an object result needs "properties"`);
    }
  });
  return names;
}

/** A list of mappings with unique string names (volumes). */
function checkNamedList(value: unknown, path: string, what: string, problems: Problems) {
  const seen = new Set<string>();
  for (const [i, item] of asArray(value).entries()) {
    const name = isMapping(item) ? item.name : undefined;
    if (typeof name !== "string") {
      problems.push(`${path}[${i}].name: expected a ${what} name, found ${describe(name)}`);
    } else if (seen.has(name)) {
      problems.push(`${path}[${i}].name: more than one ${what} named "${name}"`);
    } else seen.add(name);
  }
}

/**
 * `ValidateUsageOfDeclaredParameters`, `validateArrayUsage`,
 * `validateTaskContextVariables` and `validateTaskResultsVariables` for one step.
 */
function checkReferences(
  step: Record<string, unknown>,
  path: string,
  params: ReadonlyMap<string, string>,
  results: ReadonlySet<string>,
  problems: Problems,
) {
  // Each checked string with its path and whether an array param may stand alone in it.
  const fields: [string, string, boolean][] = [];
  for (const field of REFERENCE_FIELDS) {
    if (typeof step[field] === "string") fields.push([step[field], `${path}.${field}`, false]);
  }
  for (const field of STRING_LIST_FIELDS) {
    asArray(step[field]).forEach((v, i) => {
      if (typeof v === "string") fields.push([v, `${path}.${field}[${i}]`, true]);
    });
  }
  for (const env of asArray(step.env)) {
    if (isMapping(env) && typeof env.value === "string") {
      fields.push([env.value, `${path}.env[${String(env.name)}]`, false]);
    }
  }
  for (const [i, vm] of asArray(step.volumeMounts).entries()) {
    if (!isMapping(vm)) continue;
    for (const key of ["name", "mountPath", "subPath"]) {
      if (typeof vm[key] === "string") {
        fields.push([vm[key], `${path}.volumeMounts[${i}].${key}`, false]);
      }
    }
  }
  for (const [value, at, isolatedOk] of fields) {
    for (const ref of referencesIn(value, "params")) {
      const type = params.get(ref.name);
      if (ref.tooDeep) problems.push(`${at}: "${ref.text}" has more than two dot-separated parts`);
      else if (type === undefined) {
        problems.push(`${at}: "${ref.text}" refers to a param the Task does not declare`);
      } else if (type === "array" && !ref.indexed) {
        if (!isolatedOk) {
          problems.push(`${at}: array param "${ref.name}" cannot be used in "${value}"`);
        } else if (value !== ref.text) {
          problems.push(`${at}: array param "${ref.name}" must stand alone, not in "${value}"`);
        }
      }
    }
    for (const [prefix, names] of CONTEXT_NAMES) {
      for (const ref of referencesIn(value, prefix)) {
        if (!names.has(ref.name)) problems.push(`${at}: "${ref.text}" is not a context variable`);
      }
    }
  }
  if (typeof step.script === "string") {
    for (const ref of referencesIn(step.script, "results")) {
      if (!results.has(ref.name)) {
        problems.push(`${path}.script: "${ref.text}" refers to a result the Task does not declare`);
      }
    }
  }
}

function isLabel(name: string): boolean {
  return name.length <= 63 && DNS1123_LABEL.test(name);
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** `filepath.Clean` for absolute and relative POSIX paths. */
function cleanPath(path: string): string {
  const absolute = path.startsWith("/");
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (parts.length > 0 && parts.at(-1) !== "..") parts.pop();
      else if (!absolute) parts.push(part);
    } else parts.push(part);
  }
  const joined = parts.join("/");
  return absolute ? `/${joined}` : joined || ".";
}
