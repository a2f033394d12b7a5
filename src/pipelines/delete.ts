/**
 * `pipelines delete`: the Pipeline, and with `--prune-tasks` the Tasks it
 * referenced that nothing needs any more. A Task is pruned only when all of
 * these hold, checked right before its own DELETE:
 *
 * - draconctl applied it (the inventory label) and no Helm release owns it;
 * - no field manager but draconctl's owns fields of it (someone else edited
 *   or co-applied it: it is theirs too);
 * - no Pipeline in the namespace references it, whoever deployed that one.
 *
 * Race safety against a concurrent deploy or delete: the Pipeline is deleted
 * under preconditions (uid, resourceVersion as read); each Task is first
 * *marked* (an annotation applied by the `PRUNE_FIELD_MANAGER` (live.ts), which
 * gives it a new resourceVersion), then the Pipelines are listed again, and
 * the DELETE carries the marked resourceVersion as precondition. A deploy
 * takes the mark away after applying its Pipeline (deploy.ts,
 * `keepTasks`), changing the resourceVersion, so a Task a new
 * Pipeline references is either seen by the LIST or protected by the failed
 * precondition; one pruned before the deploy looked is applied again by it.
 *
 * @module
 */
import { ClusterError, UsageError } from "../errors.ts";
import { ApiStatusError } from "../k8s/api_errors.ts";
import { toKubeError } from "../k8s/errors.ts";
import type { KubeObject } from "../k8s/objects.ts";
import { subjectOf } from "../k8s/objects.ts";
import type { ObjectClient } from "../k8s/object_client.ts";
import type { ClusterOptions } from "../tekton/cluster.ts";
import { isManagedByDraconctl } from "./inventory.ts";
import { type InspectDeps, resolveTarget, type TargetOptions } from "./inspect.ts";
import {
  foreignManagers,
  mark,
  ownerOf,
  PIPELINE_API_VERSION,
  TASK_API_VERSION,
  taskRefsOf,
  unmark,
} from "./live.ts";

/** Options of {@link deletePipeline}. */
export interface DeleteOptions {
  cluster: ClusterOptions;
  /** How a kustomization target is read. */
  target?: TargetOptions;
  /** Also delete the Tasks nothing else needs. @default false */
  pruneTasks?: boolean;
  /** Say what would go, delete nothing (server dry run of each DELETE). @default false */
  dryRun?: boolean;
}

/** What happened to one object. */
export interface DeletedObject {
  subject: string;
  kind: "Task" | "Pipeline";
  name: string;
  action: "deleted" | "kept" | "gone";
  /** Why a Task was kept. */
  reason?: string;
}

/** What `pipelines delete` did (or, `--dry-run`, would do). */
export interface DeleteResult {
  namespace: string;
  pipeline: string;
  dryRun: boolean;
  objects: DeletedObject[];
}

/**
 * Deletes a Pipeline draconctl deployed and, with `pruneTasks`, its Tasks
 * nothing else needs (see the module doc).
 *
 * @throws {ClusterError} the Pipeline is not there, is not draconctl's, or changed meanwhile
 */
export async function deletePipeline(
  target: string,
  deps: InspectDeps,
  options: DeleteOptions,
): Promise<DeleteResult> {
  const dryRun = options.dryRun ?? false;
  const { pipeline: name } = await resolveTarget(target, deps, options.cluster, options.target);
  const { client, namespace, server } = await deps.cluster(options.cluster);
  const context = { server };
  const pipeline = await client.get(PIPELINE_API_VERSION, "Pipeline", namespace, name)
    .catch((error) => {
      throw toKubeError(error, context);
    });
  if (pipeline === undefined) {
    throw new ClusterError(`pipeline.tekton.dev/${name} not found in namespace "${namespace}"`, {
      hint: `"draconctl pipelines list -n ${namespace}" shows the Pipelines draconctl deployed`,
    });
  }
  if (!isManagedByDraconctl(pipeline)) {
    throw new ClusterError(
      `pipeline.tekton.dev/${name} in namespace "${namespace}" was not deployed by draconctl ` +
        "(no app.kubernetes.io/managed-by=draconctl label): not deleting it",
      { hint: "delete it with the tool that applied it (kubectl delete pipeline …)" },
    );
  }
  const objects: DeletedObject[] = [];
  try {
    await client.delete(PIPELINE_API_VERSION, "Pipeline", namespace, name, {
      preconditions: preconditionsOf(pipeline),
      dryRun,
    });
  } catch (error) {
    throw conflictOr(error, pipeline, server);
  }
  objects.push({ subject: subjectOf(pipeline), kind: "Pipeline", name, action: "deleted" });
  if (options.pruneTasks) {
    for (const task of taskRefsOf(pipeline)) {
      objects.push(
        await pruneTask(client, namespace, task, {
          fieldManager: options.cluster.fieldManager,
          dryRun,
          deleted: name,
        }).catch((error) => {
          throw conflictOr(error, { kind: "Task", metadata: { name: task } }, server);
        }),
      );
    }
  }
  return { namespace, pipeline: name, dryRun, objects };
}

/** One Task: checked, marked, checked again against every Pipeline, deleted under preconditions. */
async function pruneTask(
  client: ObjectClient,
  namespace: string,
  name: string,
  options: { fieldManager: string; dryRun: boolean; deleted: string },
): Promise<DeletedObject> {
  const base = { subject: `task.tekton.dev/${name}`, kind: "Task" as const, name };
  const kept = (reason: string): DeletedObject => ({ ...base, action: "kept", reason });
  const task = await client.get(TASK_API_VERSION, "Task", namespace, name);
  if (task === undefined) return { ...base, action: "gone" };
  const owner = ownerOf(task);
  if (owner.kind === "helm") return kept(`provided by Helm release "${owner.release}"`);
  if (owner.kind === "other") return kept("not applied by draconctl");
  const others = foreignManagers(task, options.fieldManager);
  if (others.length > 0) {
    return kept(
      `field manager ${others.map((m) => `"${m.manager}"`).join(", ")} owns fields of it`,
    );
  }
  // The mark gives the Task a new resourceVersion; a deploy that needs it takes the mark away.
  const marked = options.dryRun ? task : await mark(client, task);
  const users = (await client.list(PIPELINE_API_VERSION, "Pipeline", namespace))
    .filter((p) => !(options.dryRun && p.metadata.name === options.deleted))
    .filter((p) => taskRefsOf(p).includes(name))
    .map((p) => p.metadata.name);
  if (users.length > 0) {
    if (!options.dryRun) await unmark(client, marked).catch(() => {});
    return kept(`referenced by ${users.map((u) => `pipeline.tekton.dev/${u}`).join(", ")}`);
  }
  try {
    const deleted = await client.delete(TASK_API_VERSION, "Task", namespace, name, {
      preconditions: preconditionsOf(marked),
      dryRun: options.dryRun,
    });
    return deleted ? { ...base, action: "deleted" } : { ...base, action: "gone" };
  } catch (error) {
    if (error instanceof ApiStatusError && error.code === 409) {
      return kept("changed while it was being pruned (a deploy is using it)");
    }
    throw error;
  }
}

function preconditionsOf(object: KubeObject): { uid: string; resourceVersion: string } {
  return {
    uid: String(object.metadata.uid ?? ""),
    resourceVersion: String(object.metadata.resourceVersion ?? ""),
  };
}

function conflictOr(error: unknown, object: Pick<KubeObject, "kind" | "metadata">, server: string) {
  if (error instanceof ApiStatusError && error.code === 409) {
    return new ClusterError(
      `${
        subjectOf(object)
      } changed since it was read (someone deployed or deleted it meanwhile): ` +
        "nothing more deleted",
      { hint: "run the command again" },
    );
  }
  if (error instanceof UsageError) return error;
  return toKubeError(error, { server, object: object as KubeObject });
}
