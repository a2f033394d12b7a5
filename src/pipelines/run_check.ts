/**
 * `pipelines check` on a prepared deploy or a Pipeline on the cluster: the
 * Tasks a `taskRef` may resolve to (deployed with the Pipeline, `helm://`
 * Tasks, Tasks already on the cluster), Tekton's run checks
 * ({@link checkPipelineRun}), and the feature flags the objects need.
 *
 * @module
 */
import { ValidationError } from "../errors.ts";
import type { ObjectClient } from "../k8s/object_client.ts";
import type { KubeObject } from "../k8s/objects.ts";
import { checkPipelineRun, type RunCheck } from "../tekton/pipeline_run_checks.ts";
import type { ParamValue, Pipeline, Task } from "../tekton/types.ts";

/** Where Tekton keeps its feature flags. */
export const FEATURE_FLAGS = { namespace: "tekton-pipelines", name: "feature-flags" } as const;

/**
 * Checks `pipeline` with `known` Tasks first and, for a `taskRef` none of
 * them is, the Tasks of the namespace (one LIST, when `client` is given).
 * Feature flags the objects need are read from the cluster; a flag that
 * cannot be read is a warning.
 */
export async function checkRun(
  pipeline: Pipeline,
  known: readonly Task[],
  cluster: { client: ObjectClient; namespace: string } | undefined,
  options: { runParams?: ReadonlyMap<string, ParamValue> } = {},
): Promise<RunCheck> {
  const byName = new Map(known.map((t) => [t.metadata.name, t]));
  const finallyTasks = Array.isArray(pipeline.spec.finally) ? pipeline.spec.finally : [];
  const refs = [...(pipeline.spec.tasks ?? []), ...finallyTasks]
    .map((t) => (t as { taskRef?: { name?: unknown } } | null)?.taskRef?.name)
    .filter((n): n is string => typeof n === "string");
  const warnings: string[] = [];
  if (cluster !== undefined && refs.some((name) => !byName.has(name))) {
    for (const task of await cluster.client.list("tekton.dev/v1beta1", "Task", cluster.namespace)) {
      if (!byName.has(task.metadata.name)) byName.set(task.metadata.name, task as Task);
    }
  }
  const check = checkPipelineRun(pipeline, (name) => byName.get(name), options);
  if (cluster !== undefined) {
    warnings.push(
      ...await featureFlagProblems([pipeline, ...byName.values()], cluster.client, check),
    );
  }
  return { ...check, warnings: [...check.warnings, ...warnings] };
}

/**
 * The feature flags what `objects` use needs (`enable-param-enum` for a param
 * `enum`), read from `tekton-pipelines/feature-flags` when any is needed: a
 * flag that is off is a problem (added to `check`); a ConfigMap that cannot
 * be read, a warning.
 */
async function featureFlagProblems(
  objects: readonly KubeObject[],
  client: ObjectClient,
  check: RunCheck,
): Promise<string[]> {
  const needed = new Map<string, string>();
  for (const object of objects) {
    const spec = (object as { spec?: { params?: unknown[] } }).spec;
    for (const param of Array.isArray(spec?.params) ? spec.params : []) {
      if (Array.isArray((param as { enum?: unknown }).enum)) {
        needed.set(
          "enable-param-enum",
          `${object.kind} "${object.metadata.name}" uses a param enum`,
        );
      }
    }
  }
  if (needed.size === 0) return []; // nothing to check: no GET, no warning
  let flags: KubeObject | undefined;
  try {
    flags = await client.get("v1", "ConfigMap", FEATURE_FLAGS.namespace, FEATURE_FLAGS.name);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return [
      `the feature flags (ConfigMap ${FEATURE_FLAGS.namespace}/${FEATURE_FLAGS.name}) could not be read (${reason}): features the objects need are not checked`,
    ];
  }
  if (flags === undefined) {
    return [
      `ConfigMap ${FEATURE_FLAGS.namespace}/${FEATURE_FLAGS.name} does not exist: Tekton's feature flags are not checked`,
    ];
  }
  const data = (flags as { data?: Record<string, string> }).data ?? {};
  for (const [flag, why] of needed) {
    if (data[flag] !== "true") {
      check.problems.push(
        `feature flag "${flag}" is not "true" in ${FEATURE_FLAGS.namespace}/${FEATURE_FLAGS.name}: ${why}`,
      );
    }
  }
  return [];
}

/** A failed check as one error listing every problem (exit 3). */
export function checkFailed(check: RunCheck, subject: string): ValidationError {
  return new ValidationError(check.problems.map((p) => `${subject}: ${p}`), {
    hint:
      "fix the Pipeline, its Tasks or the run's params; `draconctl pipelines check` lists every problem",
  });
}
