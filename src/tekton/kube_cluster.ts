/**
 * The real {@link ClusterFactory}: finds the cluster like kubectl does
 * (`kubeconfig.ts`: kubeconfig files, the connection flags, in-cluster
 * configuration) and talks to the API server with the fetch client
 * (`fetch_client.ts`: Deno's `fetch`, HTTP/2). Before the first request it
 * revokes the run permission of every credential plugin the context does
 * not name, so a run can start at most one plugin (and `helm`); a fleet
 * ({@link openFleet}) keeps the plugins of its contexts, in one narrowing.
 *
 * `main.ts` loads this module with `await import()` so commands that never
 * reach a cluster (and `--help`) do not pay for it. No credential is ever
 * put into a message.
 *
 * @example
 * ```ts
 * import { DenoFileSystem } from "../io/filesystem.ts";
 * import { StderrLogger } from "../io/stderr_logger.ts";
 * import { DenoCommandRunner } from "../io/command.ts";
 * import { DenoRunPermissions } from "../io/run_permissions.ts";
 * const cluster = await connectCluster({ fieldManager: "draconctl", requestTimeoutMs: 30_000 }, {
 *   fs: new DenoFileSystem(),
 *   env: (name) => Deno.env.get(name),
 *   logger: new StderrLogger(false),
 *   clock: { now: () => new Date() },
 *   runner: new DenoCommandRunner(),
 *   permissions: new DenoRunPermissions(),
 * });
 * console.log(cluster.namespace, cluster.server);
 * ```
 * @module
 */
import type { Cluster, ClusterOptions, FleetMember } from "./cluster.ts";
import { ClusterError } from "../errors.ts";
import { FetchObjectClient } from "../k8s/fetch_client.ts";
import { ClusterHelmTaskLookup } from "./helm_tasks.ts";
import { SharedListClient } from "../k8s/shared_list_client.ts";
import {
  type Connection,
  type KubeConfigEnv,
  resolveConnection,
  resolveTarget,
  type Target,
} from "../k8s/kubeconfig.ts";
import { SsaApplier } from "../k8s/ssa_applier.ts";
import { redactUrl } from "../base/redact.ts";

/** What {@link connectCluster} needs: every side effect of reaching the cluster. */
export type ConnectEnv =
  & KubeConfigEnv
  & Required<Pick<KubeConfigEnv, "clock" | "runner" | "permissions">>
  & {
    /** Called before every request is sent (to count them in tests). */
    onRequest?: (method: string, url: string) => void;
  };

/** Opens the cluster the kubeconfig, the flags or the pod point at. */
export async function connectCluster(options: ClusterOptions, env: ConnectEnv): Promise<Cluster> {
  return clusterOf(await openClient(options, env), options);
}

/**
 * Resolves several contexts of the kubeconfig (`"all"`: every one, in
 * kubeconfig order) before connecting to any: a context that is not there,
 * or whose cluster or user is unusable, fails the run first. The run
 * permissions are narrowed once, to the credential plugins of these
 * contexts together. Each member connects when asked, with the namespace
 * its options give (else its context's).
 */
export async function openFleet(
  options: ClusterOptions,
  contexts: readonly string[] | "all",
  env: ConnectEnv,
): Promise<FleetMember[]> {
  const { namespace: _flag, ...flags } = options;
  const names = contexts === "all" ? (await resolveTarget(flags, env)).contexts : contexts;
  if (names.length === 0) {
    throw new ClusterError("--all-contexts: the kubeconfig has no contexts", {
      hint: "add a context to the kubeconfig, or pass --context",
    });
  }
  const resolved = await Promise.all(names.map(async (context) => {
    const target = await resolveTarget({ ...flags, context }, env);
    return { context, target, connection: await resolveConnection(target, env) };
  }));
  await env.permissions.keepPlugins(
    resolved.flatMap((r) => r.connection.exec ? [r.connection.exec.command] : []),
  );
  return resolved.map(({ context, target, connection }) => ({
    context,
    connect: (memberOptions) => {
      const namespace = memberOptions.namespace ?? target.namespace;
      return Promise.resolve(
        clusterOf(
          { client: clientOf(connection, target, memberOptions, env), namespace },
          memberOptions,
        ),
      );
    },
  }));
}

function clusterOf(
  { client, namespace }: { client: FetchObjectClient; namespace: string },
  options: ClusterOptions,
): Cluster {
  // One Task LIST serves both the Helm lookup and the applier.
  const shared = new SharedListClient(client);
  const applier = new SsaApplier(shared, { fieldManager: options.fieldManager, namespace });
  // The LISTs, started now so that they overlap the rest of the start-up: a
  // round trip fewer on a remote cluster. A failure is reported by the call
  // that needs the LIST (the Helm lookup or an apply), naming what failed.
  applier.prefetch(PREFETCHED_KINDS).catch(() => {});
  return {
    namespace,
    server: client.server,
    applier,
    helmTasks: new ClusterHelmTaskLookup(shared, { namespace }),
    // Not the shared LISTs: `pipelines run --wait` polls, and must see what changed.
    client,
  };
}

/** What `pipelines deploy` reads and applies: Tasks at v1beta1 like the corpus, the Pipeline at v1 (the default). */
const PREFETCHED_KINDS = [
  { apiVersion: "tekton.dev/v1beta1", kind: "Task" },
  { apiVersion: "tekton.dev/v1", kind: "Pipeline" },
] as const;

/**
 * The fetch client for the cluster and namespace `options` point at, with
 * the run permissions narrowed to the context's credential plugin.
 */
export async function openClient(
  options: Omit<ClusterOptions, "fieldManager">,
  env: ConnectEnv,
): Promise<{ client: FetchObjectClient; namespace: string }> {
  const target = await resolveTarget(options, env);
  const connection = await resolveConnection(target, env);
  await env.permissions.keepPlugins(connection.exec ? [connection.exec.command] : []);
  return { client: clientOf(connection, target, options, env), namespace: target.namespace };
}

function clientOf(
  connection: Connection,
  target: Target,
  options: Pick<ClusterOptions, "requestTimeoutMs">,
  env: ConnectEnv,
): FetchObjectClient {
  env.logger.debug(
    `connecting to ${connection.server} (${target.where}${
      target.context ? `, context "${target.context}"` : ""
    }${connection.proxy ? `, through proxy ${redactUrl(connection.proxy.url)}` : ""})`,
  );
  return new FetchObjectClient(connection, {
    requestTimeoutMs: options.requestTimeoutMs,
    ...(env.onRequest ? { onRequest: env.onRequest } : {}),
  });
}
