/**
 * Kubernetes objects in their most general form, and the one way draconctl
 * names an object in output, messages and change sets: kubectl's
 * `<kind>.<group>/<name>` (`task.tekton.dev/git-clone`).
 *
 * @module
 */

/** A Kubernetes object in its most general form. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** The metadata fields draconctl uses. */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

/** API groups of kinds named without their `apiVersion` (a LIST's context). */
const KNOWN_GROUPS: Readonly<Record<string, string>> = {
  Task: "tekton.dev",
  Pipeline: "tekton.dev",
};

/** `task.tekton.dev`: the kind in lower case, dot, its API group (none for the core group). */
export function resourceOf(kind: string, apiVersion?: string): string {
  const group = apiVersion?.includes("/") ? apiVersion.split("/")[0] : KNOWN_GROUPS[kind];
  return group ? `${kind.toLowerCase()}.${group}` : kind.toLowerCase();
}

/**
 * How an object is named everywhere, as kubectl names it:
 * `task.tekton.dev/git-clone`.
 *
 * @example
 * ```ts
 * subjectOf({ apiVersion: "tekton.dev/v1", kind: "Pipeline", metadata: { name: "dracon-x" } });
 * // "pipeline.tekton.dev/dracon-x"
 * ```
 */
export function subjectOf(
  object: { kind: string; apiVersion?: string; metadata: { name: string } },
): string {
  return `${resourceOf(object.kind, object.apiVersion)}/${object.metadata.name}`;
}

/**
 * How a collection is named (a LIST): kubectl's plural resource and the
 * namespace, `tasks.tekton.dev in namespace "dracon"`.
 */
export function collectionSubjectOf(kind: string, namespace?: string, apiVersion?: string): string {
  const [singular, ...group] = resourceOf(kind, apiVersion).split(".");
  const plural = [`${singular}s`, ...group].join(".");
  return namespace ? `${plural} in namespace "${namespace}"` : plural;
}
