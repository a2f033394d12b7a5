/**
 * The checks Tekton's PipelineRun reconciler makes before it creates the
 * first TaskRun (`pkg/reconciler/pipelinerun/pipelinerun.go`, `reconcile`,
 * of tektoncd/pipeline v1.15.0), made on an assembled Pipeline and the Tasks
 * its `taskRef`s resolve to:
 *
 * | check | Tekton |
 * | ----- | ------ |
 * | the webhook's rules and the DAG | `pipelineSpec.Validate`, `dag.Build` ({@link pipelineRuleProblems}) |
 * | every `taskRef` resolves | `resources.GetTaskFunc` (`CouldntGetTask`) |
 * | required Task params passed, types match, object keys | `taskrun.ValidateResolvedTask` (`validateParams`) |
 * | workspaces bound / declared | `workspace.ValidateBindings` (TaskRun) |
 * | a required Task workspace not bound to an optional Pipeline workspace | `resources.ValidateOptionalWorkspaces` |
 * | matrix params: passed, of string Task params | `validateParams` (`wrongTypeParamsNames`) |
 * | `$(tasks.X.results.Y)` names a result of X's Task | `resources.ValidatePipelineTaskResults`, `ValidatePipelineResults` |
 * | `$(params.x[N])` in range | `resources.ValidateParamArrayIndex` |
 * | run params: required supplied, types match | `ValidateRequiredParametersProvided`, `ValidateParamTypesMatching` |
 *
 * A param a pipeline task passes that its Task does not declare is a
 * warning: Tekton ignores it (`wrongTypeParamsNames`: "extra params"). Every
 * problem names the pipeline task, the Task and the field. The differential
 * test (tests/cluster/tekton_differential_test.ts) holds these checks to
 * Tekton's own verdicts.
 *
 * @module
 */
import { isMapping } from "../yaml/mapping.ts";
import { pipelineRuleProblems } from "./pipeline_rules.ts";
import type { ParamValue, Task } from "./types.ts";

/** What {@link checkPipelineRun} found. */
export interface RunCheck {
  /** What would make Tekton refuse or fail the run before a TaskRun starts. */
  problems: string[];
  /** What Tekton accepts but is probably a mistake. */
  warnings: string[];
  /** Pipeline params without a default: what every PipelineRun must supply. */
  required: { name: string; type: string }[];
}

/** Options of {@link checkPipelineRun}. */
export interface RunCheckOptions {
  /**
   * The params of a PipelineRun, when one is checked: then missing, unknown
   * and mistyped run params are reported too. @default none (a Pipeline alone)
   */
  runParams?: ReadonlyMap<string, ParamValue>;
}

/** The type Tekton reads a value as. */
function typeOf(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (isMapping(value)) return "object";
  return "string";
}

/** A param declaration's type: its own, else from `properties` or `default` (as Tekton). */
export function declaredType(spec: Record<string, unknown>): string {
  if (typeof spec.type === "string" && spec.type !== "") return spec.type;
  if (spec.properties !== undefined) return "object";
  return spec.default === undefined ? "string" : typeOf(spec.default);
}

const VARIABLE = /\$\([^)]+\)/;
const RESULT_REF =
  /\$\(tasks\.([^.)\s[\]]+)\.results(?:\.([^.)\s[\]]+)|\["([^"\]]+)"\]|\['([^'\]]+)'\])[^)]*\)/g;
const INDEX_REF = /\$\(params(?:\.([^.)\s[\]"']+)|\["([^"\]]+)"\]|\['([^'\]]+)'\])\[(\d+)\]\)/g;

/** Every string anywhere in `value`. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) { for (const v of value) strings(v, out); }
  else if (isMapping(value)) { for (const v of Object.values(value)) strings(v, out); }
  return out;
}

/**
 * Every reason Tekton would refuse to run `pipeline` (or the PipelineRun of
 * `options.runParams`), all at once. `taskFor` resolves a `taskRef` name:
 * the Tasks deployed with the Pipeline, `helm://` Tasks, Tasks on the cluster.
 */
export function checkPipelineRun(
  pipeline: { metadata?: { name?: string }; spec: Record<string, unknown> },
  taskFor: (name: string) => Task | undefined,
  options: RunCheckOptions = {},
): RunCheck {
  const problems: string[] = [];
  const warnings: string[] = [];
  const label = `Pipeline "${pipeline.metadata?.name ?? ""}"`;
  problems.push(...pipelineRuleProblems(pipeline).map((p) => `${label}: ${p}`));
  const spec = pipeline.spec;
  const pipelineParams = (Array.isArray(spec.params) ? spec.params : []).filter(isMapping);
  const required = pipelineParams
    .filter((p) => p.default === undefined && typeof p.name === "string")
    .map((p) => ({ name: p.name as string, type: declaredType(p) }));
  const resolved = new Map<string, Task | "unresolved">();
  const all: { task: Record<string, unknown>; path: string }[] = [];
  for (const section of ["tasks", "finally"] as const) {
    const list = Array.isArray(spec[section]) ? spec[section] as unknown[] : [];
    list.forEach((task, i) => {
      if (isMapping(task)) all.push({ task, path: `spec.${section}[${i}]` });
    });
  }
  const optionalWorkspaces = new Set(
    (Array.isArray(spec.workspaces) ? spec.workspaces : [])
      .filter((w) => isMapping(w) && w.optional === true).map((w) => (w as { name: unknown }).name),
  );
  for (const { task, path } of all) {
    const name = String(task.name);
    const at = `pipeline task "${name}" (${path})`;
    let resolvedTask: Task | undefined;
    if (isMapping(task.taskSpec)) {
      resolvedTask = {
        apiVersion: "tekton.dev/v1",
        kind: "Task",
        metadata: { name },
        spec: task.taskSpec,
      };
    } else if (isMapping(task.taskRef)) {
      const ref = task.taskRef;
      if (ref.resolver !== undefined || (ref.kind !== undefined && ref.kind !== "Task")) {
        warnings.push(
          `${at}: taskRef ${
            ref.resolver !== undefined ? "with a resolver" : `of kind "${String(ref.kind)}"`
          } is not checked`,
        );
        resolved.set(name, "unresolved");
        continue;
      }
      if (typeof ref.name !== "string") continue; // pipelineRuleProblems named it
      resolvedTask = taskFor(ref.name);
      if (resolvedTask === undefined) {
        problems.push(
          `${at}: taskRef.name: Task "${ref.name}" is neither deployed with the Pipeline nor on the cluster`,
        );
        resolved.set(name, "unresolved");
        continue;
      }
    } else continue;
    resolved.set(name, resolvedTask);
    checkBindings(
      task,
      resolvedTask,
      `${at}, Task "${resolvedTask.metadata.name}"`,
      optionalWorkspaces,
      problems,
      warnings,
    );
  }
  checkResultRefs(all, spec, resolved, problems);
  checkArrayIndexes(all, pipelineParams, options.runParams, problems);
  if (options.runParams !== undefined) {
    checkRunParams(pipelineParams, options.runParams, problems, warnings);
  }
  return { problems, warnings, required };
}

/** `validateParams` and `workspace.ValidateBindings` of the TaskRun the pipeline task becomes. */
function checkBindings(
  task: Record<string, unknown>,
  resolved: Task,
  at: string,
  optionalWorkspaces: ReadonlySet<unknown>,
  problems: string[],
  warnings: string[],
) {
  const specs = new Map<string, Record<string, unknown>>();
  for (const p of Array.isArray(resolved.spec.params) ? resolved.spec.params : []) {
    if (isMapping(p) && typeof p.name === "string") specs.set(p.name, p);
  }
  const passed = new Map<string, unknown>();
  (Array.isArray(task.params) ? task.params : []).forEach((param, i) => {
    if (!isMapping(param) || typeof param.name !== "string") return;
    passed.set(param.name, param.value);
    const declared = specs.get(param.name);
    if (declared === undefined) {
      return void warnings.push(
        `${at}: params[${i}] "${param.name}": the Task declares no such param (Tekton ignores it)`,
      );
    }
    const want = declaredType(declared);
    const got = typeOf(param.value);
    if (got === want) return;
    // `$(tasks.a.results.list[*])` or `$(params.list[*])` as a string stands for an array or object.
    if (got === "string" && want !== "string" && VARIABLE.test(String(param.value))) return;
    problems.push(
      `${at}: params[${i}] "${param.name}": the Task declares type "${want}", the pipeline task passes ${
        got === "string" ? "a string" : `an ${got}`
      }`,
    );
  });
  // A matrix param passes one string of its list to each TaskRun (`wrongTypeParamsNames`).
  const matrix = isMapping(task.matrix) && Array.isArray(task.matrix.params)
    ? task.matrix.params
    : [];
  const matrixNames = new Set<string>();
  matrix.forEach((param, i) => {
    if (!isMapping(param) || typeof param.name !== "string") return;
    matrixNames.add(param.name);
    const declared = specs.get(param.name);
    if (declared !== undefined && declaredType(declared) !== "string") {
      problems.push(
        `${at}: matrix.params[${i}] "${param.name}": the Task declares type "${
          declaredType(declared)
        }", a matrix passes strings`,
      );
    }
  });
  for (const [name, declared] of specs) {
    const value = passed.get(name);
    if (value === undefined && !matrixNames.has(name) && declared.default === undefined) {
      problems.push(`${at}: params: required param "${name}" (no default) is not passed`);
    }
    if (declaredType(declared) === "object" && isMapping(declared.properties) && isMapping(value)) {
      // `MissingKeysObjectParamNames`: the keys passed and those of the default count.
      const given = { ...(isMapping(declared.default) ? declared.default : {}), ...value };
      const missing = Object.keys(declared.properties).filter((key) => !(key in given));
      if (missing.length > 0) {
        problems.push(
          `${at}: params "${name}": object keys ${
            missing.map((k) => `"${k}"`).join(", ")
          } are missing`,
        );
      }
    }
  }
  const declaredWorkspaces = new Map<string, boolean>();
  for (const ws of Array.isArray(resolved.spec.workspaces) ? resolved.spec.workspaces : []) {
    if (isMapping(ws) && typeof ws.name === "string") {
      declaredWorkspaces.set(ws.name, ws.optional === true);
    }
  }
  const bound = new Set<string>();
  (Array.isArray(task.workspaces) ? task.workspaces : []).forEach((ws, i) => {
    if (!isMapping(ws) || typeof ws.name !== "string") return;
    bound.add(ws.name);
    if (!declaredWorkspaces.has(ws.name)) {
      problems.push(
        `${at}: workspaces[${i}] "${ws.name}": the Task declares no such workspace`,
      );
    }
    // `ValidateOptionalWorkspaces`: an optional pipeline workspace may go unbound.
    const target = typeof ws.workspace === "string" && ws.workspace !== "" ? ws.workspace : ws.name;
    if (declaredWorkspaces.get(ws.name) === false && optionalWorkspaces.has(target)) {
      problems.push(
        `${at}: workspaces[${i}] "${ws.name}": the Task requires it, pipeline workspace "${target}" is optional`,
      );
    }
  });
  for (const [name, optional] of declaredWorkspaces) {
    if (!optional && !bound.has(name)) {
      problems.push(`${at}: workspaces: required workspace "${name}" is not bound`);
    }
  }
}

/** `ValidatePipelineTaskResults` and `ValidatePipelineResults`. */
function checkResultRefs(
  all: readonly { task: Record<string, unknown>; path: string }[],
  spec: Record<string, unknown>,
  resolved: ReadonlyMap<string, Task | "unresolved">,
  problems: string[],
) {
  const scan = (values: string[], at: string) => {
    for (const value of values) {
      for (const match of value.matchAll(RESULT_REF)) {
        const from = match[1]!;
        const result = match[2] ?? match[3] ?? match[4]!;
        const task = resolved.get(from);
        if (task === "unresolved") continue;
        if (task === undefined) {
          // In a pipeline task's params the DAG check names it already.
          if (at.startsWith("spec.results")) {
            problems.push(
              `${at}: "${match[0]}" refers to pipeline task "${from}", which does not exist`,
            );
          }
          continue;
        }
        const declared = (Array.isArray(task.spec.results) ? task.spec.results : [])
          .some((r) => isMapping(r) && r.name === result);
        if (!declared) {
          problems.push(
            `${at}: "${
              match[0]
            }": Task "${task.metadata.name}" of pipeline task "${from}" declares no result "${result}"`,
          );
        }
      }
    }
  };
  for (const { task, path } of all) {
    const name = String(task.name);
    const { taskSpec: _spec, ...rest } = task;
    scan(strings(rest), `pipeline task "${name}" (${path})`);
  }
  (Array.isArray(spec.results) ? spec.results : []).forEach((r, i) => {
    if (isMapping(r)) scan(strings(r.value), `spec.results[${i}] "${String(r.name)}"`);
  });
}

/** `ValidateParamArrayIndex`: `$(params.x[N])` within the array's length (the run's value, else the default). */
function checkArrayIndexes(
  all: readonly { task: Record<string, unknown>; path: string }[],
  params: readonly Record<string, unknown>[],
  runParams: ReadonlyMap<string, ParamValue> | undefined,
  problems: string[],
) {
  const arrays = new Map<string, unknown>();
  for (const p of params) {
    if (typeof p.name === "string" && declaredType(p) === "array") {
      arrays.set(p.name, runParams?.get(p.name) ?? p.default);
    }
  }
  for (const { task, path } of all) {
    const { taskSpec: _spec, ...rest } = task;
    for (const value of strings(rest)) {
      for (const match of value.matchAll(INDEX_REF)) {
        const name = match[1] ?? match[2] ?? match[3]!;
        const index = Number(match[4]);
        const array = arrays.get(name);
        if (!Array.isArray(array)) continue;
        if (index >= array.length) {
          problems.push(
            `pipeline task "${String(task.name)}" (${path}): "${
              match[0]
            }": index ${index} is out of range: array param "${name}" has ${array.length} element(s)`,
          );
        }
      }
    }
  }
}

/** `ValidateRequiredParametersProvided` and `ValidateParamTypesMatching` of a PipelineRun. */
function checkRunParams(
  params: readonly Record<string, unknown>[],
  runParams: ReadonlyMap<string, ParamValue>,
  problems: string[],
  warnings: string[],
) {
  const byName = new Map(params.map((p) => [String(p.name), p]));
  for (const [name, spec] of byName) {
    const value = runParams.get(name);
    if (value === undefined) {
      if (spec.default === undefined) {
        problems.push(
          `param "${name}": the Pipeline requires it (no default) and the PipelineRun does not supply it`,
        );
      }
      continue;
    }
    const want = declaredType(spec);
    if (typeOf(value) !== want) {
      problems.push(
        `param "${name}": the Pipeline declares type "${want}", the PipelineRun supplies ${
          typeOf(value) === "string" ? "a string" : `an ${typeOf(value)}`
        }`,
      );
    }
  }
  for (const name of runParams.keys()) {
    if (!byName.has(name)) {
      warnings.push(`param "${name}": the Pipeline declares no such param (Tekton ignores it)`);
    }
  }
}
