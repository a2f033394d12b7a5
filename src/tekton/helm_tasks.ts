/**
 * Finds the Tasks that Helm releases installed in a namespace, with one LIST.
 *
 * A Task belongs to the release named by its `app.kubernetes.io/instance`
 * label, or, for charts that do not set that label, by Helm's own
 * `meta.helm.sh/release-name` annotation. Only Tasks labelled
 * `app.kubernetes.io/managed-by=Helm` are considered.
 *
 * @example
 * ```ts
 * import type { ObjectClient } from "../k8s/object_client.ts";
 * declare const client: ObjectClient; // e.g. a FetchObjectClient
 *
 * const lookup = new ClusterHelmTaskLookup(client, { namespace: "dracon" });
 * const releases = await lookup.listHelmTasks();
 * releases.get("ci-tasks")?.get("git-clone");
 * ```
 * @module
 */
import type { HelmTaskLookup } from "./cluster.ts";
import { toKubeError } from "../k8s/errors.ts";
import { type RetryOptions, withRetries } from "../k8s/retry.ts";
import type { ObjectClient } from "../k8s/object_client.ts";
import type { Task } from "./types.ts";
import type { KubeObject } from "../k8s/objects.ts";

/** Label Helm sets on everything it installs. */
export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
/** The release label most charts set. */
export const INSTANCE_LABEL = "app.kubernetes.io/instance";
/** The annotation Helm itself sets on every object of a release. */
export const RELEASE_NAME_ANNOTATION = "meta.helm.sh/release-name";

/** Options of {@link ClusterHelmTaskLookup}. */
export interface ClusterHelmTaskLookupOptions {
  /** The namespace to look in. */
  namespace: string;
  /** API version the Tasks are listed at. @default "tekton.dev/v1beta1" */
  apiVersion?: string;
  /** Retries of transient failures. @default 3 tries */
  retry?: RetryOptions;
}

/** Why Helm-managed Tasks cannot be read in this run (a client dry run without a readable cluster). */
export class HelmTasksUnavailableError extends Error {
  constructor(readonly reason: string) {
    super(`Helm-managed Tasks cannot be read: ${reason}`);
    this.name = "HelmTasksUnavailableError";
  }
}

/**
 * The {@link HelmTaskLookup} of a run that has no releases to read: every
 * call fails with {@link HelmTasksUnavailableError} saying why.
 */
export class UnavailableHelmTaskLookup implements HelmTaskLookup {
  constructor(readonly reason: string) {}
  listHelmTasks(): Promise<Map<string, Map<string, Task>>> {
    return Promise.reject(new HelmTasksUnavailableError(this.reason));
  }
}

/** A {@link HelmTaskLookup} that asks the API server. */
export class ClusterHelmTaskLookup implements HelmTaskLookup {
  readonly #client: ObjectClient;
  readonly #options: ClusterHelmTaskLookupOptions;

  constructor(client: ObjectClient, options: ClusterHelmTaskLookupOptions) {
    this.#client = client;
    this.#options = options;
  }

  async listHelmTasks(): Promise<Map<string, Map<string, Task>>> {
    const apiVersion = this.#options.apiVersion ?? "tekton.dev/v1beta1";
    const namespace = this.#options.namespace;
    let items: KubeObject[];
    try {
      items = await withRetries(
        () =>
          this.#client.list(apiVersion, "Task", namespace, {
            labelSelector: `${MANAGED_BY_LABEL}=Helm`,
          }),
        this.#options.retry ?? {},
      );
    } catch (error) {
      throw toKubeError(error, {
        server: this.#client.server,
        apiVersion,
        kind: "Task",
        namespace,
      });
    }
    return groupByRelease(items as Task[]);
  }
}

/** The Helm release a Task belongs to, or `undefined` when it is not Helm's. */
function releaseOf(task: KubeObject): string | undefined {
  if (task.metadata.labels?.[MANAGED_BY_LABEL] !== "Helm") return undefined;
  return task.metadata.labels?.[INSTANCE_LABEL] ??
    task.metadata.annotations?.[RELEASE_NAME_ANNOTATION];
}

/** Groups Helm-managed Tasks by release, then by name; others are left out. */
export function groupByRelease(tasks: readonly Task[]): Map<string, Map<string, Task>> {
  const releases = new Map<string, Map<string, Task>>();
  for (const task of tasks) {
    const release = releaseOf(task);
    if (release === undefined) continue;
    let byName = releases.get(release);
    if (byName === undefined) releases.set(release, byName = new Map());
    byName.set(task.metadata.name, task);
  }
  return releases;
}
