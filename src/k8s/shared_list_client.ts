/**
 * One LIST per kind and namespace for a whole deploy: the Helm lookup (which
 * selects Tasks by label) and the applier (which needs every live Task) read
 * the same answer, so a cold deploy costs one Task LIST instead of two.
 *
 * @example
 * ```ts
 * import { ClusterHelmTaskLookup } from "../tekton/helm_tasks.ts";
 * import type { ObjectClient } from "./object_client.ts";
 * import { SsaApplier } from "./ssa_applier.ts";
 * declare const client: ObjectClient; // e.g. a FetchObjectClient
 *
 * const shared = new SharedListClient(client);
 * const applier = new SsaApplier(shared, { namespace: "dracon" });
 * const helmTasks = new ClusterHelmTaskLookup(shared, { namespace: "dracon" });
 * ```
 * @module
 */
import type { KubeObject } from "./objects.ts";
import type { DeleteOptions, ObjectClient, ServerSideApplyOptions } from "./object_client.ts";

/**
 * An {@link ObjectClient} that answers LISTs from one unselected LIST per
 * `apiVersion`, kind and namespace, filtering equality label selectors
 * (`a=b,c=d`) itself; other selectors go to the server. A failed LIST is not
 * kept, so the next call asks again. Applies, GETs, DELETEs and creates pass straight through.
 */
export class SharedListClient implements ObjectClient {
  readonly #client: ObjectClient;
  readonly #lists = new Map<string, Promise<KubeObject[]>>();

  constructor(client: ObjectClient) {
    this.#client = client;
  }

  get server(): string {
    return this.#client.server;
  }

  apply(object: KubeObject, options: ServerSideApplyOptions): Promise<KubeObject> {
    return this.#client.apply(object, options);
  }

  get(apiVersion: string, kind: string, namespace: string, name: string) {
    return this.#client.get(apiVersion, kind, namespace, name);
  }

  delete(apiVersion: string, kind: string, namespace: string, name: string, o: DeleteOptions) {
    return this.#client.delete(apiVersion, kind, namespace, name, o);
  }

  create(object: KubeObject): Promise<KubeObject> {
    return this.#client.create(object);
  }

  async list(
    apiVersion: string,
    kind: string,
    namespace: string,
    options: { labelSelector?: string } = {},
  ): Promise<KubeObject[]> {
    const wanted = equalitySelector(options.labelSelector);
    if (wanted === undefined) return this.#client.list(apiVersion, kind, namespace, options);
    const key = `${apiVersion}|${kind}|${namespace}`;
    let listed = this.#lists.get(key);
    if (listed === undefined) {
      listed = this.#client.list(apiVersion, kind, namespace);
      this.#lists.set(key, listed);
      listed.catch(() => this.#lists.delete(key));
    }
    const items = await listed;
    return items.filter((item) => wanted.every(([k, v]) => item.metadata.labels?.[k] === v));
  }
}

/** `a=b,c=d` as pairs; `[]` for no selector; `undefined` for anything else (`!=`, `in`, …). */
function equalitySelector(selector: string | undefined): [string, string][] | undefined {
  if (selector === undefined || selector.trim() === "") return [];
  const pairs: [string, string][] = [];
  for (const term of selector.split(",")) {
    const match = /^\s*([^=!\s()]+)\s*==?\s*([^=!,\s()]*)\s*$/.exec(term);
    if (!match) return undefined;
    pairs.push([match[1]!, match[2]!]);
  }
  return pairs;
}
