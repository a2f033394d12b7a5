/**
 * The base Pipeline a kustomization builds on: the one named in its
 * `resources`, or the built-in {@link DEFAULT_BASE_PIPELINE} (the Dracon
 * corpus's `components/base/pipeline.yaml` with the Go tool's description).
 *
 * @module
 */
import { ValidationError } from "../errors.ts";
import { isMapping } from "../yaml/yaml.ts";
import { objectHeaderProblems } from "../tekton/task.ts";
import type { Pipeline } from "../tekton/types.ts";

/**
 * The Pipeline used when a kustomization names no base resource: `dracon`,
 * with no tasks and no workspaces, and the Go tool's description
 * (`pkg/pipelines/base.go`'s `BasePipeline`). Frozen; assembly works on a copy.
 */
export const DEFAULT_BASE_PIPELINE: Pipeline = deepFreeze({
  apiVersion: "tekton.dev/v1beta1",
  kind: "Pipeline",
  metadata: { name: "dracon" },
  spec: { description: "Base pipeline for all Dracon pipelines", workspaces: [], tasks: [] },
});

/**
 * Checks that a parsed YAML document is a Tekton Pipeline (`tekton.dev/v1beta1`
 * or `tekton.dev/v1`) with a valid name, and returns a deep copy typed as one.
 * A missing `spec` is read as an empty one.
 *
 * @example
 * ```ts
 * const base = toBasePipeline(
 *   { apiVersion: "tekton.dev/v1beta1", kind: "Pipeline", metadata: { name: "dracon" } },
 *   "pipeline.yaml",
 * );
 * console.log(base.spec); // {}
 * ```
 *
 * @throws {ValidationError} listing every problem, each prefixed with `origin`
 */
export function toBasePipeline(value: unknown, origin: string): Pipeline {
  if (!isMapping(value)) {
    throw new ValidationError([`${origin}: expected a Pipeline mapping, found ${kindOf(value)}`]);
  }
  const problems = objectHeaderProblems(value, origin, "Pipeline");
  const spec = value.spec ?? {};
  if (!isMapping(spec)) {
    problems.push(`${origin}: expected "spec" to be a mapping, found ${kindOf(spec)}`);
  } else {
    for (const key of ["params", "workspaces", "tasks"]) {
      if (spec[key] !== undefined && !Array.isArray(spec[key])) {
        problems.push(`${origin}: expected "spec.${key}" to be a list, found ${kindOf(spec[key])}`);
      }
    }
  }
  if (problems.length > 0) throw new ValidationError(problems);
  return structuredClone({ ...value, spec }) as Pipeline;
}

function kindOf(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (isMapping(value)) return "a mapping";
  return `a ${typeof value}`;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}
