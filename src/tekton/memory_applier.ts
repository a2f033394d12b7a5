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
import type { DeleteOptions, ObjectClient, ServerSideApplyOptions } from "../k8s/object_client.ts";
import { ApiStatusError } from "../k8s/api_errors.ts";

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

  /** Error knob: called before every `client.delete`, to interleave another writer (race tests). */
  beforeDelete: ((name: string) => Promise<void> | void) | undefined;

  readonly #namespace: string;
  readonly #store = new Map<string, KubeObject>();
  /** uid, resourceVersion and managers of each stored object, by key. */
  readonly #meta = new Map<string, { uid: string; resourceVersion: string; managers: string[] }>();
  #version = 0;
  /** Annotation keys each field manager set through `client.apply`, by `key|manager`. */
  readonly #annotationsOf = new Map<string, string[]>();
  #inFlight = 0;

  /** The same store as an {@link ObjectClient} (GET, LIST, DELETE with preconditions, apply, create). */
  readonly client: ObjectClient = {
    server: "memory",
    apply: (object, options) => Promise.resolve(this.#clientApply(object, options)),
    list: (_apiVersion, kind, namespace, options) =>
      Promise.resolve(this.#list(kind, namespace, options?.labelSelector)),
    get: (_apiVersion, kind, namespace, name) =>
      Promise.resolve(this.#live(keyOf(kind, name, namespace))),
    delete: (_apiVersion, kind, namespace, name, options) =>
      this.#clientDelete(kind, namespace, name, options),
    create: (object) => Promise.resolve(this.#clientCreate(object)),
  };

  /** A POST: `generateName` gets a suffix; an existing name is the server's 409. */
  #clientCreate(object: KubeObject): KubeObject {
    const target = this.#withNamespace(structuredClone(object));
    const generate = target.metadata.generateName;
    if (!target.metadata.name && typeof generate === "string") {
      target.metadata.name = `${generate}${(++this.#version).toString(36).padStart(5, "0")}`;
    }
    const key = keyOf(target.kind, target.metadata.name, target.metadata.namespace);
    if (this.#store.has(key)) {
      throw new ApiStatusError(409, {
        code: 409,
        reason: "AlreadyExists",
        message: `${key} exists`,
      });
    }
    this.#put(key, target, "draconctl");
    return structuredClone(this.#store.get(key)!);
  }

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
        this.#put(key, target, "draconctl");
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
    const manager = target.metadata.labels?.[MANAGED_BY_LABEL] === "Helm" ? "helm" : "kubectl";
    this.#put(keyOf(target.kind, target.metadata.name, target.metadata.namespace), target, manager);
  }

  /** Marks `manager` as owning fields of the stored object (a foreign edit, for tests). */
  addManager(kind: string, name: string, manager: string): void {
    const meta = this.#meta.get(keyOf(kind, name, this.#namespace));
    if (meta !== undefined && !meta.managers.includes(manager)) meta.managers.push(manager);
  }

  #put(key: string, object: KubeObject, manager: string): void {
    const before = this.#meta.get(key);
    this.#store.set(key, object);
    this.#meta.set(key, {
      uid: before?.uid ?? crypto.randomUUID(),
      resourceVersion: String(++this.#version),
      managers: [...new Set([...(before?.managers ?? []), manager])],
    });
  }

  #live(key: string): KubeObject | undefined {
    const object = this.#store.get(key);
    const meta = this.#meta.get(key);
    if (object === undefined || meta === undefined) return undefined;
    return structuredClone({
      ...object,
      metadata: {
        ...object.metadata,
        uid: meta.uid,
        resourceVersion: meta.resourceVersion,
        managedFields: meta.managers.map((manager) => ({
          manager,
          operation: "Apply",
          apiVersion: object.apiVersion,
          fieldsType: "FieldsV1",
          fieldsV1: { "f:spec": {} },
        })),
      },
    });
  }

  #list(kind: string, namespace: string, selector: string | undefined): KubeObject[] {
    const [label, value] = selector?.split("=") ?? [];
    return [...this.#store.entries()]
      .filter(([, o]) =>
        o.kind === kind && (namespace === "" || o.metadata.namespace === namespace)
      )
      .filter(([, o]) => label === undefined || o.metadata.labels?.[label] === value)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key]) => this.#live(key)!);
  }

  /**
   * Server-side apply, simplified: a `metadata.resourceVersion` in the
   * configuration must match (else 409, as the API server answers); the
   * configuration's top-level fields replace the stored ones, its labels
   * and annotations are merged, and the annotations this field manager set
   * before and no longer sets are removed.
   */
  #clientApply(object: KubeObject, options: ServerSideApplyOptions): KubeObject {
    const target = this.#withNamespace(structuredClone(object));
    const { resourceVersion, ...metadata } = target.metadata;
    const key = keyOf(target.kind, target.metadata.name, target.metadata.namespace);
    const current = this.#store.get(key);
    const meta = this.#meta.get(key);
    if (resourceVersion !== undefined && meta?.resourceVersion !== resourceVersion) {
      throw new ApiStatusError(409, {
        reason: "Conflict",
        message: `the object has been modified; resourceVersion ${resourceVersion} is stale`,
      });
    }
    const owned = this.#annotationsOf.get(`${key}|${options.fieldManager}`) ?? [];
    const annotations = { ...current?.metadata.annotations };
    for (const k of owned) delete annotations[k];
    Object.assign(annotations, metadata.annotations);
    const merged: KubeObject = {
      ...current,
      ...target,
      metadata: {
        ...current?.metadata,
        ...metadata,
        labels: { ...current?.metadata.labels, ...metadata.labels },
        annotations,
      },
    };
    if (Object.keys(annotations).length === 0) delete merged.metadata.annotations;
    if (Object.keys(merged.metadata.labels ?? {}).length === 0) delete merged.metadata.labels;
    if (current === undefined || canonicalJson(current) !== canonicalJson(merged)) {
      if (options.dryRun) return structuredClone(merged);
      this.#put(key, merged, options.fieldManager);
      this.#annotationsOf.set(
        `${key}|${options.fieldManager}`,
        Object.keys(metadata.annotations ?? {}),
      );
    }
    return this.#live(key)!;
  }

  async #clientDelete(
    kind: string,
    namespace: string,
    name: string,
    options: DeleteOptions,
  ): Promise<boolean> {
    await this.beforeDelete?.(name);
    const key = keyOf(kind, name, namespace);
    const meta = this.#meta.get(key);
    if (meta === undefined || !this.#store.has(key)) return false;
    const { uid, resourceVersion } = options.preconditions;
    if (meta.uid !== uid || meta.resourceVersion !== resourceVersion) {
      throw new ApiStatusError(409, {
        reason: "Conflict",
        message: `Precondition failed: UID or resourceVersion of ${kind} ${name} changed`,
      });
    }
    if (!options.dryRun) {
      this.#store.delete(key);
      this.#meta.delete(key);
    }
    return true;
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
