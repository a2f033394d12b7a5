/**
 * Tekton Tasks as Dracon components: validating a Task the way the Go tool's
 * `ValidateTask` did (but reporting every problem at once), and processing
 * it the way its `ProcessTasks` did (but idempotently and without
 * duplicating what the Task already declares).
 *
 * @example
 * ```ts
 * import { parseYamlDocuments } from "../yaml/yaml.ts";
 * import { toTask } from "../tekton/task.ts";
 * import { processTask, validateTask } from "./component_task.ts";
 *
 * const origin = "components/producers/golang-gosec/task.yaml";
 * const [doc] = await parseYamlDocuments(await Deno.readTextFile(origin), origin);
 * const task = toTask(doc?.value, origin);
 * const problems = validateTask(task, origin);
 * if (problems.length === 0) console.log(processTask(task).spec.params);
 * ```
 *
 * @module
 */
import { ValidationError } from "../errors.ts";
import { describe } from "../tekton/_rules.ts";
import type { EnvVar, ParamSpec, Step, Task, TaskSpec } from "../tekton/types.ts";
import { isMapping } from "../yaml/mapping.ts";
import {
  COMPONENT_LABEL,
  COMPONENT_TYPES,
  type ComponentType,
  isComponentType,
  publishesAnchor,
  takesAnchors,
} from "./component_type.ts";

/** Name of the array param through which a Task receives the anchors of earlier tasks. */
export const ANCHORS_PARAM = "anchors";
/** Name of the result (and of the step writing it) that later tasks depend on. */
export const ANCHOR_RESULT = "anchor";
/** The anchor step's image when none is configured: the Go tool's. */
export const DEFAULT_ANCHOR_IMAGE = "docker.io/busybox";

/** Options of {@link processTask}. */
export interface ProcessOptions {
  /**
   * Image of the anchor step draconctl adds (a Task that declares its own
   * `anchor` step keeps it). @default DEFAULT_ANCHOR_IMAGE
   */
  anchorImage?: string;
}

/** The params through which producers receive the scan's id, start time and tags. */
export const SCAN_PARAMS = [
  "dracon_scan_id",
  "dracon_scan_start_time",
  "dracon_scan_tags",
] as const;

/** The env var each producer step gets, mapped to the param that feeds it. */
const SCAN_ENV: readonly EnvVar[] = [
  { name: "DRACON_SCAN_ID", value: "$(params.dracon_scan_id)" },
  { name: "DRACON_SCAN_TIME", value: "$(params.dracon_scan_start_time)" },
  { name: "DRACON_SCAN_TAGS", value: "$(params.dracon_scan_tags)" },
];

/** Params draconctl adds itself, exempt from the Task-name prefix rule. */
const TOOL_PARAMS: ReadonlySet<string> = new Set([ANCHORS_PARAM, ...SCAN_PARAMS]);

/**
 * Every way a Task breaks the Dracon component rules, each on one line
 * prefixed `${origin}: Task "${name}": `. An empty list means the Task is a
 * valid component.
 */
export function validateTask(task: Task, origin: string): string[] {
  const subject = `${origin}: Task "${task.metadata.name}"`;
  const problems = [
    ...labelProblems(task),
    ...paramProblems(task),
    ...listProblems(task),
  ];
  return problems.map((problem) => `${subject}: ${problem}`);
}

/**
 * The component type named by a Task's label.
 *
 * @throws {ValidationError} when the label is missing or unknown (validate first)
 */
export function componentTypeOf(task: Task): ComponentType {
  const label = task.metadata.labels?.[COMPONENT_LABEL];
  if (!isComponentType(label)) {
    throw new ValidationError([`Task "${task.metadata.name}": ${labelProblems(task)[0]}`]);
  }
  return label;
}

/**
 * Adds what Dracon's pipeline wiring needs to a valid Task and returns the
 * result as a new object; `task` is not changed and processing twice gives
 * the same Task as processing once.
 *
 * - every type after source: an `anchors` array param;
 * - every type but base and consumer: an `anchor` result and a last step
 *   writing it, from `options.anchorImage` (each only when the Task does not
 *   already declare it);
 * - producers: the `dracon_scan_*` params and `DRACON_SCAN_*` env on every
 *   step but the anchor step.
 */
export function processTask(task: Task, options: ProcessOptions = {}): Task {
  const type = componentTypeOf(task);
  const result = structuredClone(task);
  const spec = result.spec;
  if (takesAnchors(type)) {
    addParam(result, {
      name: ANCHORS_PARAM,
      description: "A list of tasks that this task depends on",
      type: "array",
      default: [],
    });
  }
  if (type === "producer") {
    for (const name of SCAN_PARAMS) addParam(result, { name, type: "string" });
    for (const step of spec.steps ?? []) {
      if (step.name === ANCHOR_RESULT) continue;
      const env = step.env ?? [];
      for (const variable of SCAN_ENV) {
        if (!env.some((e) => e.name === variable.name)) env.push({ ...variable });
      }
      step.env = env;
    }
  }
  if (publishesAnchor(type)) addAnchor(result, options.anchorImage ?? DEFAULT_ANCHOR_IMAGE);
  quantitiesAsStrings(spec);
  return result;
}

/**
 * Writes fractional resource quantities as strings (`cpu: 0.5` → `"0.5"`).
 * YAML reads `0.5` as a number, which the Task CRD's int-or-string schema
 * refuses (the Go tool never hit this: it decoded into `resource.Quantity`,
 * which serialises as a string). Integers are valid as they are.
 */
function quantitiesAsStrings(spec: TaskSpec): void {
  const containers = [...(spec.steps ?? []), ...asList(spec.sidecars), spec.stepTemplate];
  for (const container of containers) {
    if (!isMapping(container)) continue;
    for (const field of ["resources", "computeResources"]) {
      const resources = container[field];
      if (!isMapping(resources)) continue;
      for (const group of [resources.requests, resources.limits]) {
        if (!isMapping(group)) continue;
        for (const [name, value] of Object.entries(group)) {
          if (typeof value === "number" && !Number.isInteger(value)) group[name] = String(value);
        }
      }
    }
  }
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function labelProblems(task: Task): string[] {
  const label = task.metadata.labels?.[COMPONENT_LABEL];
  if (label === undefined) return [`missing label "${COMPONENT_LABEL}"`];
  if (isComponentType(label)) return [];
  const expected = COMPONENT_TYPES.map((t) => `"${t}"`).join(", ");
  return [
    `label "${COMPONENT_LABEL}" has unknown component type "${label}": expected one of ${expected}`,
  ];
}

function paramProblems(task: Task): string[] {
  const params: unknown = task.spec.params;
  if (params === undefined) return [];
  if (!Array.isArray(params)) {
    return [`expected "spec.params" to be a list, found ${describe(params)}`];
  }
  const problems: string[] = [];
  const seen = new Set<string>();
  params.forEach((param: unknown, i) => {
    if (!isMapping(param) || typeof param.name !== "string") {
      problems.push(`param ${i + 1} has no name`);
      return;
    }
    if (seen.has(param.name)) problems.push(`param "${param.name}" is declared more than once`);
    seen.add(param.name);
    problems.push(...oneParamProblems(param as ParamSpec, task.metadata.name));
  });
  return problems;
}

function oneParamProblems(param: ParamSpec, taskName: string): string[] {
  const problems: string[] = [];
  const quoted = `param "${param.name}"`;
  if (!TOOL_PARAMS.has(param.name) && !param.name.startsWith(taskName)) {
    problems.push(`${quoted} does not start with the Task name "${taskName}"`);
  }
  const type: unknown = param.type ?? "string";
  if (type !== "string" && type !== "array") {
    const what = type === "object" ? "unsupported" : "unknown";
    problems.push(`${quoted} has ${what} type ${describe(type)}: expected "string" or "array"`);
    return problems;
  }
  const value: unknown = param.default;
  const ok = value === undefined ||
    (type === "string"
      ? typeof value === "string"
      : Array.isArray(value) && value.every((v) => typeof v === "string"));
  if (!ok) {
    const shape = type === "string" ? "a string" : "a list of strings";
    problems.push(
      `${quoted} of type "${type}" has a default that is not ${shape}: ${describe(value)}`,
    );
  }
  return problems;
}

function listProblems(task: Task): string[] {
  const problems: string[] = [];
  for (const key of ["results", "workspaces", "steps"] as const) {
    const list: unknown = task.spec[key];
    if (list !== undefined && !Array.isArray(list)) {
      problems.push(`expected "spec.${key}" to be a list, found ${describe(list)}`);
    }
  }
  const steps: unknown = task.spec.steps;
  if (!Array.isArray(steps) || steps.length === 0) return [...problems, "has no steps"];
  steps.forEach((step: unknown, i) => {
    if (!isMapping(step)) problems.push(`step ${i + 1} is not a mapping`);
    else if (step.env !== undefined && !Array.isArray(step.env)) {
      problems.push(`step ${i + 1}: expected "env" to be a list, found ${describe(step.env)}`);
    }
  });
  return problems;
}

function addParam(task: Task, param: ParamSpec): void {
  const params = task.spec.params ?? [];
  if (!params.some((p) => p.name === param.name)) params.push(param);
  task.spec.params = params;
}

function addAnchor(task: Task, image: string): void {
  const results = task.spec.results ?? [];
  if (!results.some((r) => r.name === ANCHOR_RESULT)) {
    results.push({
      name: ANCHOR_RESULT,
      description: "An anchor to allow other tasks to depend on this task.",
    });
  }
  task.spec.results = results;
  const steps: Step[] = task.spec.steps ?? [];
  if (!steps.some((s) => s.name === ANCHOR_RESULT)) {
    steps.push({
      name: ANCHOR_RESULT,
      image,
      script: 'echo "$(context.task.name)" > "$(results.anchor.path)"',
    });
  }
  task.spec.steps = steps;
}
