/**
 * The seed's in-memory Applier: a cluster in a `Map`, for fast tests of
 * everything above the Kubernetes client. It reports `created`, `configured`
 * and `unchanged` the way {@link SsaApplier} does, honours `dryRun`, serves
 * Helm-owned Tasks, and has error knobs.
 *
 * Only tests use it. It stays in `src/k8s/`, beside the real applier, as the
 * in-memory implementation of the seed's `Applier` (where the project's style
 * guide puts it); other test fakes live in `tests/_fakes/`.
 *
 * @example
 * ```ts
 * import type { Task } from "./types.ts";
 * declare const gitClone: Task, producer: Task;
 *
 * const cluster = new MemoryApplier({ namespace: "dracon" });
 * cluster.addHelmTask("ci-tasks", gitClone);
 * cluster.applyErrors.set("broken", new Error("boom")); // applying a Task named "broken" throws
 * (await cluster.apply(producer)).action; // "created"
 * ```
 * @module
 */
import type { Applier, ApplyOptions, ChangeAction, ChangeSetEntry } from "../k8s/applier.ts";
import type { HelmTaskLookup } from "./cluster.ts";
import {
  groupByRelease,
  INSTANCE_LABEL,
  MANAGED_BY_LABEL,
  RELEASE_NAME_ANNOTATION,
} from "./helm_tasks.ts";
import { canonicalJson, entryOf } from "../k8s/ssa_applier.ts";
import type { Task } from "./types.ts";
import type { KubeObject } from "../k8s/objects.ts";

/** Options of {@link MemoryApplier}. */
export interface MemoryApplierOptions {
  /** Namespace of objects that have none. @default "default" */
  namespace?: string;
  /** Artificial latency of every call, in milliseconds. @default 0 */
  delayMs?: number;
}

/** An {@link Applier} and {@link HelmTaskLookup} over an in-memory store. */
export class MemoryApplier implements Applier, HelmTaskLookup {
  /** Every object written (not dry-run), in order. */
  readonly applied: KubeObject[] = [];
  /** Every `apply` call with its options, dry-run ones included. */
  readonly calls: { object: KubeObject; options: ApplyOptions }[] = [];
  /** Number of `listHelmTasks` calls. */
  listCalls = 0;
  /** Most `apply` calls in flight at once (to check a concurrency bound). */
  maxInFlight = 0;

  /** Error knob: a failure per object, decided by a function. */
  applyError: ((object: KubeObject) => Error | undefined) | undefined;
  /** Error knob: a failure per object name. */
  readonly applyErrors = new Map<string, Error>();
  /** Error knob: `listHelmTasks` throws this. */
  listError: Error | undefined;
  /** Error knob: `check` throws this (a kind not served, a forbidden LIST). */
  checkError: Error | undefined;
  /** Number of `check` calls. */
  checkCalls = 0;
  /** Artificial latency of every call, in milliseconds. */
  delayMs: number;

  readonly #namespace: string;
  readonly #store = new Map<string, KubeObject>();
  #inFlight = 0;

  constructor(options: MemoryApplierOptions = {}) {
    this.#namespace = options.namespace ?? "default";
    this.delayMs = options.delayMs ?? 0;
  }

  async apply(object: KubeObject, options: ApplyOptions = {}): Promise<ChangeSetEntry> {
    this.calls.push({ object, options });
    this.#inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.#inFlight);
    try {
      await this.#delay();
      const target = this.#withNamespace(structuredClone(object));
      const error = this.applyErrors.get(target.metadata.name) ?? this.applyError?.(target);
      if (error !== undefined) throw error;
      const key = keyOf(target.kind, target.metadata.name, target.metadata.namespace);
      const current = this.#store.get(key);
      const action: ChangeAction = current === undefined
        ? "created"
        : canonicalJson(current) === canonicalJson(target)
        ? "unchanged"
        : "configured";
      if (action !== "unchanged" && !options.dryRun) {
        this.#store.set(key, target);
        this.applied.push(target);
      }
      return entryOf(target, action);
    } finally {
      this.#inFlight--;
    }
  }

  async check(_objects: readonly KubeObject[]): Promise<void> {
    this.checkCalls++;
    await this.#delay();
    if (this.checkError !== undefined) throw this.checkError;
  }

  async listHelmTasks(): Promise<Map<string, Map<string, Task>>> {
    this.listCalls++;
    await this.#delay();
    if (this.listError !== undefined) throw this.listError;
    const tasks = [...this.#store.values()].filter((o): o is Task =>
      o.kind === "Task" && o.metadata.namespace === this.#namespace
    );
    return groupByRelease(structuredClone(tasks));
  }

  /** The stored object of `kind` named `name`, in `namespace` (default: the applier's). */
  get(kind: string, name: string, namespace?: string): KubeObject | undefined {
    return this.#store.get(keyOf(kind, name, namespace ?? this.#namespace));
  }

  /** Every stored object, sorted by kind, namespace and name. */
  objects(): KubeObject[] {
    return [...this.#store.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, o]) => o);
  }

  /**
   * Puts a Task on the "cluster" as Helm release `release` installed it:
   * labels `app.kubernetes.io/managed-by=Helm` and, unless `labelled` is
   * false, `app.kubernetes.io/instance=<release>`; with `labelled: false` only
   * the `meta.helm.sh/release-name` annotation names the release.
   */
  addHelmTask(release: string, task: Task, options: { labelled?: boolean } = {}): void {
    const labels: Record<string, string> = { ...task.metadata.labels, [MANAGED_BY_LABEL]: "Helm" };
    if (options.labelled ?? true) labels[INSTANCE_LABEL] = release;
    this.seed({
      ...task,
      metadata: {
        ...task.metadata,
        labels,
        annotations: {
          ...task.metadata.annotations,
          [RELEASE_NAME_ANNOTATION]: release,
          "meta.helm.sh/release-namespace": task.metadata.namespace ?? this.#namespace,
        },
      },
    });
  }

  /** Puts an object on the "cluster" without going through `apply` (not recorded). */
  seed(object: KubeObject): void {
    const target = this.#withNamespace(structuredClone(object));
    this.#store.set(keyOf(target.kind, target.metadata.name, target.metadata.namespace), target);
  }

  #withNamespace(object: KubeObject): KubeObject {
    if (!object.metadata.namespace) object.metadata.namespace = this.#namespace;
    return object;
  }

  #delay(): Promise<void> {
    if (this.delayMs <= 0) return Promise.resolve();
    return new Promise((resolve) => setTimeout(resolve, this.delayMs));
  }
}

function keyOf(kind: string, name: string, namespace: string | undefined): string {
  return `${kind}/${namespace ?? ""}/${name}`;
}
