/**
 * The {@link ObjectClient} over `@kubernetes/client-node`: the fallback for
 * kubeconfigs the fetch client does not handle (exec credential plugins,
 * auth providers, `proxy-url`, `insecure-skip-tls-verify` and
 * `tls-server-name` on https, impersonation; see `kubeconfig.ts`).
 *
 * This is the only module of `src/` that imports the Kubernetes client, and
 * `kube_cluster.ts` loads it with `await import()` only for such a
 * kubeconfig: loading the client costs ~250 ms and most of the memory.
 *
 * @example
 * ```ts
 * const client = clientNodeClient(loaded, { requestTimeoutMs: 30_000 });
 * ```
 * @module
 */
import * as k8s from "@kubernetes/client-node";
import { ClusterError } from "../errors.ts";
import { redactUrl } from "../fetch/redact.ts";
import { type LoadedKubeConfig, readKubeConfigText } from "./kubeconfig.ts";
import type { ObjectClient, ServerSideApplyOptions } from "./ssa_applier.ts";
import type { KubeObject } from "../tekton/types.ts";
import { timeoutSignal } from "./_timeout.ts";

/**
 * A {@link KubeObjectClient} for the context `loadKubeConfig()` chose: the
 * same files merged by client-node (the first file that sets a name wins),
 * on that context.
 */
export function clientNodeClient(
  loaded: Pick<LoadedKubeConfig, "files" | "context">,
  options: KubeObjectClientOptions = {},
): KubeObjectClient {
  const kc = mergeKubeConfigs(loaded.files);
  kc.setCurrentContext(loaded.context);
  return new KubeObjectClient(kc, options);
}

function mergeKubeConfigs(files: readonly string[]): k8s.KubeConfig {
  const merged = {
    clusters: [] as k8s.Cluster[],
    users: [] as k8s.User[],
    contexts: [] as k8s.Context[],
    currentContext: "",
  };
  for (const file of files) {
    const kc = readKubeConfig(file);
    // The first file that defines a name wins, as in kubectl.
    const add = <T extends { name: string }>(into: T[], items: readonly T[]) => {
      for (const item of items) if (!into.some((i) => i.name === item.name)) into.push(item);
    };
    add(merged.clusters, kc.getClusters());
    add(merged.users, kc.getUsers());
    add(merged.contexts, kc.getContexts());
    merged.currentContext ||= kc.getCurrentContext() ?? "";
  }
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions(merged);
  return kc;
}

function readKubeConfig(file: string): k8s.KubeConfig {
  const text = readKubeConfigText(file);
  const kc = new k8s.KubeConfig();
  try {
    kc.loadFromString(text);
  } catch (error) {
    // Never quote the parser's message: it can hold a snippet of the file,
    // tokens and keys included. Line and reason only.
    throw new ClusterError(`Cannot load kubeconfig "${file}": ${safeParseReason(error)}`, {
      hint: 'check it with "kubectl config view --kubeconfig <file>"',
    });
  }
  kc.makePathsAbsolute(file.includes("/") ? file.slice(0, file.lastIndexOf("/")) || "/" : ".");
  return kc;
}

function safeParseReason(error: unknown): string {
  if (error instanceof Error && error.name === "YAMLException") {
    const e = error as Error & { reason?: string; mark?: { line?: number } };
    const line = e.mark?.line === undefined ? "" : ` at line ${e.mark.line + 1}`;
    return `invalid YAML${line}${e.reason ? ` (${e.reason})` : ""}`;
  }
  // client-node's own checks: "clusters[0].cluster.server is missing" and similar.
  if (
    error instanceof Error &&
    /^(clusters|users|contexts)\[\d+\]\.[\w.-]+ is missing$/.test(error.message)
  ) {
    return error.message;
  }
  return "not a valid kubeconfig";
}

/** Options of {@link KubeObjectClient}. */
export interface KubeObjectClientOptions {
  /** Timeout of one request in milliseconds. @default 30000 */
  requestTimeoutMs?: number;
  /** Called before every request is sent (to count them in tests). */
  onRequest?: (method: string, url: string) => void;
}

/**
 * The {@link ObjectClient} over client-node's `KubernetesObjectApi`: one API
 * object and one HTTP connection pool for every request.
 */
export class KubeObjectClient implements ObjectClient {
  readonly server: string;
  readonly #api: k8s.KubernetesObjectApi;

  constructor(kc: k8s.KubeConfig, options: KubeObjectClientOptions = {}) {
    const cluster = kc.getCurrentCluster();
    if (cluster === null) throw new ClusterError("The kubeconfig has no current cluster");
    this.server = redactUrl(cluster.server);
    const timeoutMs = options.requestTimeoutMs ?? 30_000;
    let dispatcher: ReturnType<k8s.RequestContext["getDispatcher"]>;
    const middleware: k8s.Middleware = {
      pre: (context) => {
        // client-node builds a new undici Agent (a new TLS connection) for
        // every request; keep the first one so requests share its pool.
        const own = context.getDispatcher();
        if (own !== undefined) {
          dispatcher ??= own;
          context.setDispatcher(dispatcher);
        }
        context.setSignal(timeoutSignal(timeoutMs).signal);
        options.onRequest?.(context.getHttpMethod(), context.getUrl());
        return Promise.resolve(context);
      },
      post: (response) => Promise.resolve(response),
    };
    const config = k8s.createConfiguration({
      baseServer: new k8s.ServerConfiguration(cluster.server, {}),
      authMethods: { default: kc },
      promiseMiddleware: [middleware],
    });
    this.#api = new k8s.KubernetesObjectApi(config);
  }

  async apply(object: KubeObject, options: ServerSideApplyOptions): Promise<KubeObject> {
    const result = await this.#api.patch(
      structuredClone(object),
      undefined,
      options.dryRun ? "All" : undefined,
      options.fieldManager,
      options.force,
      k8s.PatchStrategy.ServerSideApply,
    );
    return plain(result);
  }

  async list(
    apiVersion: string,
    kind: string,
    namespace: string,
    options: { labelSelector?: string } = {},
  ): Promise<KubeObject[]> {
    const items: KubeObject[] = [];
    let next: string | undefined;
    do {
      const page = await this.#api.list(
        apiVersion,
        kind,
        namespace,
        undefined,
        undefined,
        undefined,
        undefined,
        options.labelSelector,
        500,
        next,
      );
      for (const item of page.items) items.push({ ...plain(item), apiVersion, kind });
      next = page.metadata?._continue || undefined;
    } while (next !== undefined);
    return items;
  }
}

/** The object as plain JSON (client-node turns timestamps into `Date`s). */
function plain(object: unknown): KubeObject {
  return JSON.parse(JSON.stringify(object));
}
