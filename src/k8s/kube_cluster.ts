/**
 * The real {@link ClusterFactory}: reads the kubeconfig like kubectl does and
 * talks to the API server with `@kubernetes/client-node`.
 *
 * This is the only module that imports the Kubernetes client; `main.ts` loads
 * it with `await import()` so commands that never reach a cluster (and
 * `--help`) do not pay for it.
 *
 * Kubeconfig: `--kubeconfig`, else every file of `$KUBECONFIG` merged (the
 * first file that sets a value wins, as in kubectl), else `~/.kube/config`.
 * Namespace: the option, else the context's namespace, else `"default"`.
 * Client certificates, bearer tokens and exec credential plugins work as the
 * client implements them; TLS is verified unless the kubeconfig says
 * `insecure-skip-tls-verify`. No credential is ever put into a message.
 *
 * @example
 * ```ts
 * const cluster = await connectCluster({ fieldManager: "draconctl", requestTimeoutMs: 30_000 });
 * await cluster.applier.apply(task);
 * ```
 * @module
 */
import * as k8s from "@kubernetes/client-node";
import { ClusterError } from "../errors.ts";
import { redactUrl } from "../fetch/redact.ts";
import type { Cluster, ClusterFactory, ClusterOptions } from "./applier.ts";
import { ClusterHelmTaskLookup } from "./helm_tasks.ts";
import { type ObjectClient, type ServerSideApplyOptions, SsaApplier } from "./ssa_applier.ts";
import type { KubeObject } from "../tekton/types.ts";

/** Opens the cluster the kubeconfig and `options` point at. */
export const connectCluster: ClusterFactory = (options: ClusterOptions): Promise<Cluster> => {
  const { kc, namespace } = loadKubeConfig(options);
  const client = new KubeObjectClient(kc, { requestTimeoutMs: options.requestTimeoutMs });
  const applier = new SsaApplier(client, { fieldManager: options.fieldManager, namespace });
  // The Pipeline LIST, started now so that it overlaps the Helm lookup's
  // LIST and the Task applies: a round trip fewer on a remote cluster. (Not
  // the Task LIST: a pipeline of only helm:// Tasks needs no second one.)
  // A failure is reported by the apply that needs the LIST.
  applier.prefetch(PREFETCHED_KINDS).catch(() => {});
  return Promise.resolve({
    namespace,
    server: client.server,
    applier,
    helmTasks: new ClusterHelmTaskLookup(client, { namespace }),
  });
};

/** What `pipelines deploy` applies last (`base_pipeline.ts`). */
const PREFETCHED_KINDS = [{ apiVersion: "tekton.dev/v1beta1", kind: "Pipeline" }] as const;

/** Where to find the kubeconfig: `env` and `home` are injectable for tests. */
export interface LoadKubeConfigOptions
  extends Pick<ClusterOptions, "kubeconfig" | "context" | "namespace"> {
  /** `$KUBECONFIG`. @default Deno.env.get("KUBECONFIG") */
  kubeconfigEnv?: string | undefined;
  /** The home directory. @default $HOME */
  home?: string | undefined;
}

/** A loaded kubeconfig on the chosen context, and the namespace to use. */
export interface LoadedKubeConfig {
  kc: k8s.KubeConfig;
  namespace: string;
  /** The files read, in merge order. */
  files: string[];
}

/** Reads and merges the kubeconfig files and switches to the context. */
export function loadKubeConfig(options: LoadKubeConfigOptions = {}): LoadedKubeConfig {
  const files = kubeconfigFiles(options);
  const kc = mergeKubeConfigs(files);
  const where = files.length === 1
    ? `kubeconfig "${files[0]}"`
    : `kubeconfig files ${files.map((f) => `"${f}"`).join(", ")}`;
  const names = kc.getContexts().map((c) => c.name);
  const context = options.context ?? kc.getCurrentContext();
  if (!context) {
    throw new ClusterError(`No current context in ${where}`, {
      hint: names.length
        ? `pick one with --context (${names.map((n) => `"${n}"`).join(", ")})`
        : "add a context to the kubeconfig",
    });
  }
  const contextObject = kc.getContextObject(context);
  if (contextObject === null) {
    throw new ClusterError(
      `Context "${context}" not found in ${where}: ${
        names.length
          ? `contexts are ${names.map((n) => `"${n}"`).join(", ")}`
          : "it has no contexts"
      }`,
      { hint: 'run "kubectl config get-contexts" and pick one with --context' },
    );
  }
  kc.setCurrentContext(context);
  const cluster = kc.getCurrentCluster();
  if (cluster === null) {
    throw new ClusterError(
      `Context "${context}" in ${where} names cluster "${contextObject.cluster}", which is not defined`,
    );
  }
  // client-node refuses plain http:// only when it first sends a request, with an untyped error.
  if (/^http:/i.test(cluster.server) && !cluster.skipTLSVerify) {
    throw new ClusterError(
      `Cluster "${cluster.name}" in ${where} has a plain http:// server "${
        redactUrl(cluster.server)
      }": refused without TLS`,
      { hint: 'use the https:// address, or set "insecure-skip-tls-verify: true" for the cluster' },
    );
  }
  const namespace = options.namespace ?? (contextObject.namespace || "default");
  return { kc, namespace, files };
}

function kubeconfigFiles(options: LoadKubeConfigOptions): string[] {
  if (options.kubeconfig !== undefined) return [options.kubeconfig];
  const env = "kubeconfigEnv" in options ? options.kubeconfigEnv : Deno.env.get("KUBECONFIG");
  const listed = (env ?? "").split(":").filter((f) => f !== "");
  if (listed.length > 0) {
    // kubectl skips missing files of the list, unless none exists.
    const present = listed.filter(exists);
    return present.length > 0 ? present : [listed[0]!];
  }
  const home = "home" in options ? options.home : Deno.env.get("HOME");
  if (!home) {
    throw new ClusterError("Cannot find a kubeconfig: $KUBECONFIG and $HOME are not set", {
      hint: "pass --kubeconfig <file>",
    });
  }
  return [`${home}/.kube/config`];
}

function exists(file: string): boolean {
  try {
    Deno.statSync(file);
    return true;
  } catch {
    return false;
  }
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
  let text: string;
  try {
    text = Deno.readTextFileSync(file);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound
      ? "the file does not exist"
      : error instanceof Deno.errors.PermissionDenied
      ? "permission denied"
      : "it cannot be read";
    throw new ClusterError(`Cannot read kubeconfig "${file}": ${reason}`, {
      hint: "pass --kubeconfig <file>, or set KUBECONFIG",
    });
  }
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
        context.setSignal(timeoutSignal(timeoutMs));
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

/**
 * A signal that aborts after `ms` with a plain `Error`. Not
 * `AbortSignal.timeout()`: its reason is a `DOMException`, whose `message`
 * cannot be set, and client-node's discovery (`resource()`) rewrites the
 * message of every error it sees, so a timeout there became a `TypeError`
 * (an internal error, exit 1) instead of "the request timed out". The timer
 * does not keep the process alive.
 */
function timeoutSignal(ms: number): AbortSignal {
  const controller = new AbortController();
  const timer = setTimeout(() => {
    const reason = new Error(`the request timed out after ${ms} ms`);
    reason.name = "TimeoutError";
    controller.abort(reason);
  }, ms);
  Deno.unrefTimer(timer);
  return controller.signal;
}

/** The object as plain JSON (client-node turns timestamps into `Date`s). */
function plain(object: unknown): KubeObject {
  return JSON.parse(JSON.stringify(object));
}
