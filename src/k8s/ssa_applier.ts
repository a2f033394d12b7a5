/**
 * Server-side apply the way Flux's `ssa` package does it: a dry-run apply
 * first, compared with the live object, then the real apply only when
 * something changes. Live objects come from one LIST per kind and namespace.
 * Two cases skip the dry run because its answer is already known: an object
 * the LIST did not hold is applied at once (`created`), and one whose fields
 * our field manager owns exactly, holding the desired values, is `unchanged`
 * with no request at all ({@link appliesAsNoOp}). So a cold deploy of N
 * objects costs one LIST and N PATCHes, and a redeploy of N unchanged
 * objects one LIST.
 *
 * @example
 * ```ts
 * import type { KubeObject } from "./objects.ts";
 * import type { ObjectClient } from "./object_client.ts";
 * declare const client: ObjectClient; // e.g. a FetchObjectClient
 * declare const task: KubeObject; // e.g. a Tekton Task
 *
 * const applier = new SsaApplier(client, { fieldManager: "draconctl", namespace: "dracon" });
 * const entry = await applier.apply(task);
 * entry.action; // "created" on the first deploy, "unchanged" on the next
 * ```
 * @module
 */
import type { Applier, ApplyOptions, ChangeAction, ChangeSetEntry } from "./applier.ts";
import { toKubeError } from "./errors.ts";
import { type RetryOptions, withRetries } from "./retry.ts";
import { appliesAsNoOp } from "./managed_fields.ts";
import type { ObjectClient } from "./object_client.ts";
import { type KubeObject, subjectOf } from "./objects.ts";

/** Options of {@link SsaApplier}. */
export interface SsaApplierOptions {
  /** Field manager of every apply. @default "draconctl" */
  fieldManager?: string;
  /** Namespace of objects that have none. @default "default" */
  namespace?: string;
  /** Retries of transient failures (429, 5xx, reset connections). @default 3 tries */
  retry?: RetryOptions;
}

/** Metadata fields the server changes on every write; ignored when comparing. */
const VOLATILE_METADATA = [
  "managedFields",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "uid",
] as const;

/** An {@link Applier} using server-side apply against a real API server. */
export class SsaApplier implements Applier {
  readonly #client: ObjectClient;
  readonly #fieldManager: string;
  readonly #namespace: string;
  readonly #retry: RetryOptions;
  /** Live objects by `apiVersion|kind|namespace`, then by name; one LIST each. */
  readonly #live = new Map<string, Promise<Map<string, KubeObject>>>();
  /** Keys of {@link #live} whose LIST was started by {@link prefetch}, without an object. */
  readonly #prefetched = new Set<string>();

  constructor(client: ObjectClient, options: SsaApplierOptions = {}) {
    this.#client = client;
    this.#fieldManager = options.fieldManager ?? "draconctl";
    this.#namespace = options.namespace ?? "default";
    this.#retry = options.retry ?? {};
  }

  /**
   * Lists the live objects of these kinds ahead of the applies (one LIST
   * each), so the LISTs overlap other work. Optional: {@link apply} lists a
   * kind on first use. When such a LIST fails, the next apply lists again,
   * so its error names the object.
   */
  async prefetch(kinds: readonly Pick<KubeObject, "apiVersion" | "kind">[]): Promise<void> {
    await Promise.all(kinds.map((k) => this.#liveObjects(k.apiVersion, k.kind, this.#namespace)));
  }

  /**
   * Awaits the LIST of every kind, API version and namespace of `objects`
   * (the ones {@link prefetch} started, or new ones): a kind the cluster does
   * not serve (404) or may not be read (403) fails here, before any write,
   * naming the object.
   */
  async check(objects: readonly KubeObject[]): Promise<void> {
    const first = new Map<string, KubeObject>();
    for (const object of objects) {
      const target = this.#withNamespace(object);
      const key = `${target.apiVersion}|${target.kind}|${target.metadata.namespace}`;
      if (!first.has(key)) first.set(key, target);
    }
    await Promise.all(
      [...first.values()].map((o) =>
        this.#liveObjects(o.apiVersion, o.kind, o.metadata.namespace!, o)
      ),
    );
  }

  async apply(object: KubeObject, options: ApplyOptions = {}): Promise<ChangeSetEntry> {
    const target = this.#withNamespace(object);
    const namespace = target.metadata.namespace!;
    const request = { fieldManager: this.#fieldManager, force: options.force ?? false };
    const live = await this.#liveObjects(target.apiVersion, target.kind, namespace, target);
    const current = live.get(target.metadata.name);
    if (!options.dryRun) {
      // Two answers the dry run would give, without it: an object the LIST
      // did not hold is created (a failing dry run would fail the apply the
      // same way), and one we own exactly as desired stays unchanged.
      if (current === undefined) {
        const created = await this.#call(
          target,
          () => this.#client.apply(target, { ...request, dryRun: false }),
        );
        live.set(target.metadata.name, created);
        return entryOf(target, "created");
      }
      if (appliesAsNoOp(target, current, this.#fieldManager)) return entryOf(target, "unchanged");
    }
    const planned = await this.#call(
      target,
      () => this.#client.apply(target, { ...request, dryRun: true }),
    );
    const action: ChangeAction = current === undefined
      ? "created"
      : sameObject(current, planned)
      ? "unchanged"
      : "configured";
    if (action !== "unchanged" && !options.dryRun) {
      const applied = await this.#call(
        target,
        () => this.#client.apply(target, { ...request, dryRun: false }),
      );
      live.set(target.metadata.name, applied);
    }
    return entryOf(target, action);
  }

  #withNamespace(object: KubeObject): KubeObject {
    if (object.metadata.namespace) return object;
    return { ...object, metadata: { ...object.metadata, namespace: this.#namespace } };
  }

  async #call<T>(object: KubeObject, fn: () => Promise<T>): Promise<T> {
    try {
      return await withRetries(fn, this.#retry);
    } catch (error) {
      throw toKubeError(error, { server: this.#client.server, object });
    }
  }

  #liveObjects(
    apiVersion: string,
    kind: string,
    namespace: string,
    object?: KubeObject,
  ): Promise<Map<string, KubeObject>> {
    const key = `${apiVersion}|${kind}|${namespace}`;
    const entry = this.#live.get(key);
    if (entry !== undefined) {
      if (object === undefined || !this.#prefetched.has(key)) return entry;
      return entry.catch(() => this.#liveObjects(apiVersion, kind, namespace, object));
    }
    const listed = this.#list(apiVersion, kind, namespace, object);
    this.#live.set(key, listed);
    if (object === undefined) this.#prefetched.add(key);
    // A failed LIST is not cached: the next apply tries again.
    listed.catch(() => {
      this.#live.delete(key);
      this.#prefetched.delete(key);
    });
    return listed;
  }

  async #list(
    apiVersion: string,
    kind: string,
    namespace: string,
    object?: KubeObject,
  ): Promise<Map<string, KubeObject>> {
    try {
      const items = await withRetries(
        () => this.#client.list(apiVersion, kind, namespace),
        this.#retry,
      );
      return new Map(items.map((item) => [item.metadata.name, item]));
    } catch (error) {
      throw toKubeError(error, {
        server: this.#client.server,
        apiVersion,
        kind,
        namespace,
        ...(object === undefined ? {} : { object }),
      });
    }
  }
}

/** Whether two versions of an object are the same, ignoring what every write changes. */
export function sameObject(a: KubeObject, b: KubeObject): boolean {
  return canonicalJson(withoutVolatileFields(a)) === canonicalJson(withoutVolatileFields(b));
}

/** The object without its status and the metadata every write changes (managed fields included). */
export function withoutVolatileFields(object: KubeObject): KubeObject {
  const metadata: Record<string, unknown> = { ...object.metadata };
  for (const field of VOLATILE_METADATA) delete metadata[field];
  const { status: _status, ...rest } = object;
  return { ...rest, metadata: metadata as KubeObject["metadata"] };
}

/** JSON with object keys sorted, so key order never counts as a change. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
    return Object.fromEntries(
      Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]),
    );
  });
}

/** The change-set entry of `object` with `action`. */
export function entryOf(object: KubeObject, action: ChangeAction): ChangeSetEntry {
  return {
    subject: subjectOf(object),
    kind: object.kind,
    namespace: object.metadata.namespace ?? "",
    name: object.metadata.name,
    action,
  };
}
