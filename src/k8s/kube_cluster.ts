/**
 * The real {@link ClusterFactory}: reads the kubeconfig like kubectl does
 * (`kubeconfig.ts`) and talks to the API server with the fetch client
 * (`fetch_client.ts`: Deno's `fetch`, HTTP/2), or, for a kubeconfig that
 * needs what only `@kubernetes/client-node` does (exec credential plugins,
 * auth providers, `proxy-url`, `insecure-skip-tls-verify` or
 * `tls-server-name` on https), with that client, imported only then.
 *
 * `main.ts` loads this module with `await import()` so commands that never
 * reach a cluster (and `--help`) do not pay for it. No credential is ever
 * put into a message.
 *
 * @example
 * ```ts
 * const cluster = await connectCluster({ fieldManager: "draconctl", requestTimeoutMs: 30_000 });
 * await cluster.applier.apply(task);
 * ```
 * @module
 */
import type { Cluster, ClusterFactory, ClusterOptions } from "./applier.ts";
import { FetchObjectClient } from "./fetch_client.ts";
import { ClusterHelmTaskLookup } from "./helm_tasks.ts";
import { SharedListClient } from "./shared_list_client.ts";
import {
  type LoadedKubeConfig,
  loadKubeConfig,
  type LoadKubeConfigOptions,
  resolveConnection,
  unsupportedFeatures,
} from "./kubeconfig.ts";
import { type ObjectClient, SsaApplier } from "./ssa_applier.ts";

export { loadKubeConfig, type LoadKubeConfigOptions };

/** Options of {@link connectCluster} beyond {@link ClusterOptions}. */
export interface ConnectOptions {
  /** Called before every request is sent (to count them in tests). */
  onRequest?: (method: string, url: string) => void;
}

/** Which client serves a kubeconfig context, and why. */
export type ClientChoice =
  | { client: "fetch" }
  | { client: "client-node"; features: string[] };

/** The fetch client unless the context needs a feature only client-node has. */
export function chooseClient(loaded: LoadedKubeConfig): ClientChoice {
  const features = unsupportedFeatures(loaded);
  return features.length === 0 ? { client: "fetch" } : { client: "client-node", features };
}

/** Opens the cluster the kubeconfig and `options` point at. */
export async function connectCluster(options: ClusterOptions & ConnectOptions): Promise<Cluster> {
  const loaded = loadKubeConfig(options);
  const { namespace } = loaded;
  // One Task LIST serves both the Helm lookup and the applier.
  const client = new SharedListClient(await openClient(loaded, options));
  const applier = new SsaApplier(client, { fieldManager: options.fieldManager, namespace });
  // The LISTs, started now so that they overlap the rest of the start-up: a
  // round trip fewer on a remote cluster. A failure is reported by the call
  // that needs the LIST (the Helm lookup or an apply), naming what failed.
  applier.prefetch(PREFETCHED_KINDS).catch(() => {});
  return {
    namespace,
    server: client.server,
    applier,
    helmTasks: new ClusterHelmTaskLookup(client, { namespace }),
  };
}

connectCluster satisfies ClusterFactory;

/** What `pipelines deploy` reads and applies: Tasks at v1beta1 like the corpus, the Pipeline at v1 (the default). */
const PREFETCHED_KINDS = [
  { apiVersion: "tekton.dev/v1beta1", kind: "Task" },
  { apiVersion: "tekton.dev/v1", kind: "Pipeline" },
] as const;

/** The {@link ObjectClient} {@link chooseClient} picks for the context. */
export async function openClient(
  loaded: LoadedKubeConfig,
  options: Pick<ClusterOptions, "requestTimeoutMs"> & ConnectOptions,
): Promise<ObjectClient> {
  const clientOptions = {
    requestTimeoutMs: options.requestTimeoutMs,
    ...(options.onRequest ? { onRequest: options.onRequest } : {}),
  };
  if (chooseClient(loaded).client === "fetch") {
    return new FetchObjectClient(resolveConnection(loaded), clientOptions);
  }
  const { clientNodeClient } = await import("./client_node_client.ts");
  return clientNodeClient(loaded, clientOptions);
}
