/**
 * What is live in a namespace, read for `pipelines list`, `status`,
 * `delete` and `components list`: the Pipelines and Tasks (one LIST each),
 * which Tasks a Pipeline references, who owns a Task (draconctl's
 * inventory, a Helm release, or someone else), and which field managers
 * other than draconctl's own own fields of an object.
 *
 * @module
 */
import type { KubeObject } from "../k8s/objects.ts";
import type { ObjectClient } from "../k8s/object_client.ts";
import { INSTANCE_LABEL, RELEASE_NAME_ANNOTATION } from "../tekton/helm_tasks.ts";
import {
  ANNOTATION_PREFIX,
  DIGEST_ANNOTATION,
  isManagedByDraconctl,
  MANAGED_BY_LABEL,
  SOURCE_ANNOTATION,
} from "./inventory.ts";

/** The API versions live objects are read at: Tasks as the corpus writes them, Pipelines as emitted. */
export const TASK_API_VERSION = "tekton.dev/v1beta1";
export const PIPELINE_API_VERSION = "tekton.dev/v1";

/**
 * The field manager `pipelines delete --prune-tasks` marks a Task with
 * before it deletes it (see delete.ts); a deploy that finds the mark takes it
 * away, which changes the Task's resourceVersion and so stops the delete.
 */
export const PRUNE_FIELD_MANAGER = "draconctl-prune";

/** The annotation a Task being pruned carries between the last check and its DELETE. */
export const PRUNING_ANNOTATION = `${ANNOTATION_PREFIX}pruning`;

/** The Pipelines and Tasks of a namespace (`""`: every namespace). */
export interface LiveNamespace {
  pipelines: KubeObject[];
  tasks: KubeObject[];
}

/** One LIST of Pipelines and one of Tasks, side by side. */
export async function readLive(client: ObjectClient, namespace: string): Promise<LiveNamespace> {
  const [pipelines, tasks] = await Promise.all([
    client.list(PIPELINE_API_VERSION, "Pipeline", namespace),
    client.list(TASK_API_VERSION, "Task", namespace),
  ]);
  return { pipelines, tasks };
}

/** The names of the Tasks a Pipeline references (`tasks` and `finally`, `taskRef` of kind Task). */
export function taskRefsOf(pipeline: KubeObject): string[] {
  const spec = (pipeline.spec ?? {}) as {
    tasks?: { taskRef?: { name?: string; kind?: string } }[];
    finally?: { taskRef?: { name?: string; kind?: string } }[];
  };
  const names = [...(spec.tasks ?? []), ...(spec.finally ?? [])]
    .map((t) => t.taskRef)
    .filter((ref) => ref?.name !== undefined && (ref.kind ?? "Task") === "Task")
    .map((ref) => ref!.name!);
  return [...new Set(names)];
}

/** Where a live Task comes from. */
export type TaskOwner =
  | { kind: "draconctl"; source: string | undefined; digest: string | undefined }
  | { kind: "helm"; release: string; chart: string | undefined }
  | { kind: "other" };

/** Who owns a live Task, by its labels and annotations. */
export function ownerOf(task: KubeObject): TaskOwner {
  const labels = task.metadata.labels ?? {};
  const annotations = task.metadata.annotations ?? {};
  const release = helmReleaseOf(task);
  if (release !== undefined) {
    return { kind: "helm", release, chart: labels["helm.sh/chart"] };
  }
  if (isManagedByDraconctl(task)) {
    return {
      kind: "draconctl",
      source: annotations[SOURCE_ANNOTATION],
      digest: annotations[DIGEST_ANNOTATION],
    };
  }
  return { kind: "other" };
}

/**
 * The Helm release of an object Helm installed, or `undefined`: labelled
 * `managed-by: Helm`, or carrying Helm's own release annotation (which
 * `helm install` always sets, whatever the chart's labels).
 */
export function helmReleaseOf(object: KubeObject): string | undefined {
  const labels = object.metadata.labels ?? {};
  const annotations = object.metadata.annotations ?? {};
  if (labels[MANAGED_BY_LABEL] !== "Helm" && annotations[RELEASE_NAME_ANNOTATION] === undefined) {
    return undefined;
  }
  return labels[INSTANCE_LABEL] ?? annotations[RELEASE_NAME_ANNOTATION] ?? "(unknown release)";
}

/** One field manager other than draconctl's, and the top-level fields it owns. */
export interface ForeignManager {
  manager: string;
  operation: string;
  /** Owned fields, two levels deep: `spec.steps`, `metadata.labels`. */
  fields: string[];
}

/**
 * The field managers other than `fieldManager` (and the prune mark's) that
 * own fields of the object, the status subresource aside: who changed it
 * after draconctl applied it, or who applied it first.
 */
export function foreignManagers(object: KubeObject, fieldManager: string): ForeignManager[] {
  const entries = (object.metadata.managedFields ?? []) as {
    manager?: string;
    operation?: string;
    subresource?: string;
    fieldsV1?: Record<string, unknown>;
  }[];
  return entries
    .filter((e) => e.manager !== fieldManager && e.manager !== PRUNE_FIELD_MANAGER)
    .filter((e) => (e.subresource ?? "") === "")
    .map((e) => ({
      manager: e.manager ?? "(unnamed)",
      operation: e.operation ?? "Update",
      fields: fieldPaths(e.fieldsV1 ?? {}),
    }))
    .filter((m) => m.fields.length > 0);
}

/** `{"f:spec": {"f:steps": {}}}` as `["spec.steps"]`, two levels deep. */
function fieldPaths(set: Record<string, unknown>): string[] {
  const paths: string[] = [];
  for (const [key, child] of Object.entries(set)) {
    if (!key.startsWith("f:")) continue;
    const name = key.slice(2);
    const children = child !== null && typeof child === "object"
      ? Object.keys(child).filter((k) => k.startsWith("f:"))
      : [];
    if (children.length === 0) paths.push(name);
    else for (const c of children) paths.push(`${name}.${c.slice(2)}`);
  }
  return paths.sort();
}

/** The Pipelines of `live` that reference the Task `name`, by name. */
export function pipelinesUsing(live: readonly KubeObject[], name: string): string[] {
  return live.filter((p) => taskRefsOf(p).includes(name)).map((p) => p.metadata.name).sort();
}

/** Applies the pruning mark, only to the Task as read (its resourceVersion in the patch). */
export function mark(client: ObjectClient, task: KubeObject): Promise<KubeObject> {
  return client.apply({
    apiVersion: TASK_API_VERSION,
    kind: "Task",
    metadata: {
      name: task.metadata.name,
      ...(task.metadata.namespace ? { namespace: task.metadata.namespace } : {}),
      resourceVersion: String(task.metadata.resourceVersion),
      annotations: { [PRUNING_ANNOTATION]: "true" },
    },
  }, { fieldManager: PRUNE_FIELD_MANAGER, force: true, dryRun: false });
}

/**
 * Takes the pruning mark away (an empty apply by the mark's field manager
 * drops the fields it owned), only from the Task as read: a Task deleted
 * meanwhile is not recreated.
 */
export function unmark(client: ObjectClient, task: KubeObject): Promise<KubeObject> {
  return client.apply({
    apiVersion: TASK_API_VERSION,
    kind: "Task",
    metadata: {
      name: task.metadata.name,
      ...(task.metadata.namespace ? { namespace: task.metadata.namespace } : {}),
      resourceVersion: String(task.metadata.resourceVersion),
    },
  }, { fieldManager: PRUNE_FIELD_MANAGER, force: true, dryRun: false });
}

/** Whether a live Task carries the pruning mark. */
export function isMarked(task: KubeObject): boolean {
  return task.metadata.annotations?.[PRUNING_ANNOTATION] !== undefined;
}
