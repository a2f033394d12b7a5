/**
 * The inventory: what draconctl writes on every object it applies, so that
 * `pipelines list`, `status` and `delete` can tell its objects from anyone
 * else's and say where each came from. The keys are constants here and
 * nowhere else (docs/inventory.md documents them); Helm-owned Tasks are
 * never stamped, since draconctl never applies them.
 *
 * | key                                          | on        | value                                            |
 * | -------------------------------------------- | --------- | ------------------------------------------------ |
 * | label `app.kubernetes.io/managed-by`         | both      | `draconctl`                                      |
 * | annotation `draconctl.dracon.ocurity.com/source` | Task  | the component reference as written               |
 * | annotation `draconctl.dracon.ocurity.com/digest` | Task  | `sha256:<hex>` of the canonical Task             |
 * | annotation `draconctl.dracon.ocurity.com/kustomization` | Pipeline | the kustomization argument as written |
 * | annotation `draconctl.dracon.ocurity.com/version` | Pipeline | draconctl's version                         |
 * | annotation `draconctl.dracon.ocurity.com/lock` | both (`--locked`) | `sha256:<hex>` of the lock file's bytes |
 *
 * @module
 */
import { sha256Hex } from "../base/sha256.ts";
import { canonicalJson } from "../k8s/ssa_applier.ts";
import type { KubeObject } from "../k8s/objects.ts";
import type { Pipeline, Task } from "../tekton/types.ts";

/** The label every object draconctl applies carries (the Kubernetes recommended label). */
export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
/** The value of {@link MANAGED_BY_LABEL} on draconctl's objects. */
export const MANAGED_BY_DRACONCTL = "draconctl";
/** The prefix of draconctl's annotations. */
export const ANNOTATION_PREFIX = "draconctl.dracon.ocurity.com/";
/** Task: the component reference as written in the kustomization. */
export const SOURCE_ANNOTATION = `${ANNOTATION_PREFIX}source`;
/** Task: `sha256:<hex>` of the canonical Task ({@link taskDigest}). */
export const DIGEST_ANNOTATION = `${ANNOTATION_PREFIX}digest`;
/** Pipeline: the kustomization as given to `pipelines deploy`. */
export const KUSTOMIZATION_ANNOTATION = `${ANNOTATION_PREFIX}kustomization`;
/** Pipeline: the version of draconctl that applied it. */
export const VERSION_ANNOTATION = `${ANNOTATION_PREFIX}version`;

/** Both, when deployed with `--locked`: `sha256:<hex>` of the lock file's bytes (docs/lock.md). */
export const LOCK_ANNOTATION = `${ANNOTATION_PREFIX}lock`;

/** Every annotation key of the inventory ({@link taskDigest} leaves out every key of the prefix). */
export const INVENTORY_ANNOTATIONS: readonly string[] = [
  SOURCE_ANNOTATION,
  DIGEST_ANNOTATION,
  KUSTOMIZATION_ANNOTATION,
  VERSION_ANNOTATION,
  LOCK_ANNOTATION,
];

/** A `label=value` selector of draconctl's objects, for a LIST. */
export const MANAGED_BY_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY_DRACONCTL}`;

/** Whether draconctl applied this object (it carries the label). */
export function isManagedByDraconctl(object: Pick<KubeObject, "metadata">): boolean {
  return object.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_DRACONCTL;
}

/**
 * The content digest of a Task (or of the Pipeline: the lock's Pipeline digest): SHA-256 of its canonical JSON (keys sorted)
 * without its namespace, the inventory's label and annotations (every key
 * under {@link ANNOTATION_PREFIX}), and
 * anything the server adds (status, managed fields, uid, versions). The
 * same Task gives the same digest before it is applied and as it is live,
 * so `pipelines status` can tell an edited Task from the one applied.
 */
export function taskDigest(task: KubeObject): string {
  const { name, labels, annotations } = task.metadata;
  const keptLabels = without(labels, [MANAGED_BY_LABEL]);
  const keptAnnotations = without(
    annotations,
    Object.keys(annotations ?? {}).filter((key) => key.startsWith(ANNOTATION_PREFIX)),
  );
  const canonical = {
    apiVersion: task.apiVersion,
    kind: task.kind,
    metadata: {
      name,
      ...(keptLabels ? { labels: keptLabels } : {}),
      ...(keptAnnotations ? { annotations: keptAnnotations } : {}),
    },
    spec: task.spec,
  };
  return `sha256:${sha256Hex(canonicalJson(canonical))}`;
}

/**
 * A Task with the inventory: managed-by label, its reference as written and
 * its digest, and the lock's digest when deployed with `--locked`.
 */
export function stampTask(task: Task, source: string, lock?: string): Task {
  return stamp(task, {
    [SOURCE_ANNOTATION]: source,
    [DIGEST_ANNOTATION]: taskDigest(task),
    ...(lock === undefined ? {} : { [LOCK_ANNOTATION]: lock }),
  });
}

/** The Pipeline with the inventory: managed-by label, the kustomization, the version (and lock). */
export function stampPipeline(
  pipeline: Pipeline,
  origin: { kustomization: string; version: string; lock?: string },
): Pipeline {
  return stamp(pipeline, {
    [KUSTOMIZATION_ANNOTATION]: origin.kustomization,
    [VERSION_ANNOTATION]: origin.version,
    ...(origin.lock === undefined ? {} : { [LOCK_ANNOTATION]: origin.lock }),
  });
}

function stamp<T extends Task | Pipeline>(object: T, annotations: Record<string, string>): T {
  return {
    ...object,
    metadata: {
      ...object.metadata,
      labels: { ...object.metadata.labels, [MANAGED_BY_LABEL]: MANAGED_BY_DRACONCTL },
      annotations: { ...object.metadata.annotations, ...annotations },
    },
  };
}

function without(
  map: Record<string, string> | undefined,
  keys: readonly string[],
): Record<string, string> | undefined {
  if (map === undefined) return undefined;
  const kept = Object.fromEntries(Object.entries(map).filter(([key]) => !keys.includes(key)));
  return Object.keys(kept).length > 0 ? kept : undefined;
}
