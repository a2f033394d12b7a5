/**
 * Tekton Tasks, generically: checking that a parsed document is a Task (its
 * envelope), the object-name rule, Tekton's own rules (`task_rules.ts`), and
 * where a Task holds Helm expressions. The Dracon component rules on top are
 * in `src/dracon/component_task.ts`.
 *
 * @example
 * ```ts
 * import { parseYamlDocuments } from "../yaml/yaml.ts";
 * import { tektonTaskProblems, toTask } from "./task.ts";
 *
 * const origin = "components/producers/golang-gosec/task.yaml";
 * const [doc] = await parseYamlDocuments(await Deno.readTextFile(origin), origin);
 * const task = toTask(doc?.value, origin);
 * console.log(tektonTaskProblems(task, origin));
 * ```
 *
 * @module
 */
import { ValidationError } from "../errors.ts";
import { isMapping } from "../yaml/mapping.ts";
import { hasHelmExpression } from "./helm_expressions.ts";
import { taskRuleProblems } from "./task_rules.ts";
import { describe, DNS1123_LABEL } from "./_rules.ts";
import { type Task, TASK_API_VERSIONS } from "./types.ts";

/** Tekton accepts a DNS-1123 label as a Task or Pipeline name (it becomes a label value). */
const MAX_NAME_LENGTH = 63;

/**
 * Why `name` is not a valid Tekton object name, or `undefined` when it is.
 * Tekton copies Task and Pipeline names into labels, so the DNS-1123 label
 * rule (at most 63 characters) applies rather than the 253-character subdomain.
 */
export function invalidNameReason(name: string): string | undefined {
  if (name.length > MAX_NAME_LENGTH) {
    return `name "${name}" is longer than ${MAX_NAME_LENGTH} characters`;
  }
  if (!DNS1123_LABEL.test(name)) {
    return `name "${name}" is not a valid Kubernetes name: expected lowercase letters, digits and "-", starting and ending with a letter or digit`;
  }
  return undefined;
}

/**
 * Problems with the envelope of a Tekton object (`apiVersion`, `kind`,
 * `metadata.name`, `metadata.labels`, `spec`), each prefixed with `origin`.
 * Shared by {@link toTask} and the base Pipeline parser.
 */
export function objectHeaderProblems(
  value: Record<string, unknown>,
  origin: string,
  kind: "Task" | "Pipeline",
): string[] {
  const problems: string[] = [];
  const versions = TASK_API_VERSIONS as readonly unknown[];
  if (!versions.includes(value.apiVersion)) {
    const expected = TASK_API_VERSIONS.map((v) => `"${v}"`).join(" or ");
    problems.push(
      `${origin}: expected apiVersion ${expected}, found ${describe(value.apiVersion)}`,
    );
  }
  if (value.kind !== kind) {
    problems.push(`${origin}: expected kind "${kind}", found ${describe(value.kind)}`);
  }
  const metadata = value.metadata;
  if (!isMapping(metadata)) {
    problems.push(`${origin}: expected "metadata" to be a mapping, found ${describe(metadata)}`);
  } else {
    if (typeof metadata.name !== "string") {
      problems.push(
        `${origin}: expected "metadata.name" to be a string, found ${describe(metadata.name)}`,
      );
    } else {
      const reason = invalidNameReason(metadata.name);
      if (reason !== undefined) problems.push(`${origin}: ${reason}`);
    }
    const labels = metadata.labels;
    if (
      labels !== undefined &&
      (!isMapping(labels) || Object.values(labels).some((v) => typeof v !== "string"))
    ) {
      problems.push(`${origin}: expected "metadata.labels" to map names to strings`);
    }
  }
  return problems;
}

/**
 * Checks that a parsed YAML document is a Tekton Task and returns a deep copy
 * typed as one. Only the envelope is checked here; {@link validateTask}
 * checks the Dracon rules.
 *
 * @throws {ValidationError} listing every problem, each prefixed with `origin`
 */
export function toTask(value: unknown, origin: string): Task {
  if (!isMapping(value)) {
    throw new ValidationError([`${origin}: expected a Task mapping, found ${describe(value)}`]);
  }
  const problems = objectHeaderProblems(value, origin, "Task");
  if (!isMapping(value.spec)) {
    problems.push(`${origin}: expected "spec" to be a mapping, found ${describe(value.spec)}`);
  }
  if (problems.length > 0) throw new ValidationError(problems);
  return structuredClone(value) as Task;
}

/**
 * Every Tekton rule a Task breaks (see `task_rules.ts`), each on one line
 * prefixed `${origin}: Task "${name}": `: what Tekton's webhook would refuse.
 * Check the Task that will be applied (processed, rendered).
 */
export function tektonTaskProblems(task: Task, origin: string): string[] {
  const subject = `${origin}: Task "${task.metadata.name}"`;
  return taskRuleProblems(task).map((problem) => `${subject}: ${problem}`);
}

/**
 * Field paths (such as `spec.steps[1].image`) whose string values hold a Helm
 * expression (`{{ .Values.… }}`, `{{ .Chart.… }}`, `{{ .Release.… }}`; the
 * rule is in `helm_expressions.ts`), in document order. Such a Task needs Helm
 * rendering before a cluster will accept it; other `{{ … }}` (a Go template
 * in a script) is text and needs none.
 */
export function helmExpressionsIn(task: Task): string[] {
  const paths: string[] = [];
  const walk = (value: unknown, path: string): void => {
    if (typeof value === "string") {
      if (hasHelmExpression(value)) paths.push(path);
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, `${path}[${i}]`));
    } else if (isMapping(value)) {
      for (const [key, item] of Object.entries(value)) walk(item, joinPath(path, key));
    }
  };
  walk(task, "");
  return paths;
}

/**
 * Whether any string of `task` holds a Helm expression: `helmExpressionsIn(task).length > 0`,
 * without building the paths (the deploy asks it of every Task).
 */
export function holdsHelmExpression(task: Task): boolean {
  const holds = (value: unknown): boolean => {
    if (typeof value === "string") return hasHelmExpression(value);
    if (Array.isArray(value)) return value.some(holds);
    return isMapping(value) && Object.values(value).some(holds);
  };
  return holds(task);
}

function joinPath(path: string, key: string): string {
  if (/^[A-Za-z_$][\w$]*$/.test(key)) return path === "" ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}
