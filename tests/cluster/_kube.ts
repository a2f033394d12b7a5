/**
 * Two ways for cluster tests to reach the test environment's API server:
 *
 * - {@linkcode Kubectl}, the environment's real `kubectl`, for setup and for
 *   independent checks (create a namespace, read the live objects, apply as
 *   another field manager, ask who we are). It shares no code with
 *   draconctl, and it is the tool users compare draconctl with.
 * - {@linkcode productClient}, draconctl's own {@link ObjectClient} opened as
 *   the product opens it ({@link openClient}),
 *   for tests of the applier and the Helm lookup.
 *
 * @example
 * ```ts
 * declare const env: KubeTarget & { namespace: string }; // as clusterTest passes it
 * const task = { apiVersion: "tekton.dev/v1beta1", kind: "Task", metadata: { name: "t", namespace: env.namespace } };
 *
 * const kubectl = new Kubectl(env);
 * await kubectl.applyServerSide([task], { fieldManager: "other-tool" });
 * const tasks = await kubectl.list("tasks.v1beta1.tekton.dev", env.namespace);
 * ```
 * @module
 */
import { parse, stringify } from "yaml";
import { FetchObjectClient } from "../../src/k8s/fetch_client.ts";
import type { ClusterFactory } from "../../src/tekton/cluster.ts";
import { connectCluster, type ConnectEnv, openClient } from "../../src/tekton/kube_cluster.ts";
import { DenoCommandRunner } from "../../src/io/command.ts";
import { DenoFileSystem } from "../../src/io/filesystem.ts";
import { MemoryLogger } from "../_fakes/memory_logger.ts";
import type { KubeObject } from "../../src/k8s/objects.ts";
import { run, type RunResult } from "./_run.ts";

/** Where the environment is: its binaries and its kubeconfig. */
export interface KubeTarget {
  /** Directory holding the environment's `kubectl`. */
  bin: string;
  /** Path of the kubeconfig: contexts `admin` (client certificate) and `restricted` (token). */
  kubeconfigPath: string;
}

/** Flags of `kubectl get` for the whole object as stored, `managedFields` included. */
const GET_JSON = ["-o", "json", "--show-managed-fields"];

/** kubectl's discovery cache, shared by the whole test process (never ~/.kube/cache). */
let cacheDir: string | undefined;

/** The environment's `kubectl` on one context of its kubeconfig. */
export class Kubectl {
  readonly #binary: string;
  readonly #kubeconfig: string;

  constructor(target: KubeTarget, readonly context = "admin") {
    this.#binary = `${target.bin}/kubectl`;
    this.#kubeconfig = target.kubeconfigPath;
  }

  /** Runs `kubectl <args>`; throws with its output when it exits non-zero. */
  async run(args: string[], stdin?: string): Promise<RunResult> {
    return await this.#exec(args, stdin, true);
  }

  /** Runs `kubectl <args>` and returns its result whatever the exit code. */
  async attempt(args: string[], stdin?: string): Promise<RunResult> {
    return await this.#exec(args, stdin, false);
  }

  /** The items of `kubectl get <resources> -n <namespace> -o json` (e.g. `tasks.v1beta1.tekton.dev`). */
  async list<T extends KubeObject = KubeObject>(
    resources: string,
    namespace: string,
  ): Promise<T[]> {
    const { stdout } = await this.run(["get", resources, "-n", namespace, ...GET_JSON]);
    return (JSON.parse(stdout) as { items: T[] }).items;
  }

  /** The Tekton Tasks and Pipelines in `namespace`, at v1beta1, with one `kubectl get`. */
  async tekton(namespace: string): Promise<{ tasks: KubeObject[]; pipelines: KubeObject[] }> {
    const items = await this.list(
      "tasks.v1beta1.tekton.dev,pipelines.v1beta1.tekton.dev",
      namespace,
    );
    const tasks = items.filter((i) => i.kind === "Task");
    const pipelines = items.filter((i) => i.kind === "Pipeline");
    if (tasks.length + pipelines.length !== items.length) {
      throw new Error(`kubectl listed other kinds: ${items.map((i) => i.kind).join(", ")}`);
    }
    return { tasks, pipelines };
  }

  /** One object (in `namespace` unless cluster-scoped), or `undefined` when there is none of that name. */
  async get<T extends KubeObject = KubeObject>(
    resource: string,
    name: string,
    namespace?: string,
  ): Promise<T | undefined> {
    const { stdout } = await this.run([
      "get",
      resource,
      name,
      ...(namespace === undefined ? [] : ["-n", namespace]),
      ...GET_JSON,
      "--ignore-not-found",
    ]);
    return stdout.trim() === "" ? undefined : JSON.parse(stdout) as T;
  }

  /** `kubectl create -f -` of `objects`. */
  async create(objects: readonly unknown[]): Promise<void> {
    await this.run(["create", "-f", "-"], asList(objects));
  }

  /** `kubectl apply --server-side` of `objects` as `fieldManager`. */
  async applyServerSide(
    objects: readonly unknown[],
    options: { fieldManager: string; force?: boolean },
  ): Promise<void> {
    await this.run(
      [
        "apply",
        "--server-side",
        `--field-manager=${options.fieldManager}`,
        `--force-conflicts=${options.force ?? false}`,
        "-f",
        "-",
      ],
      asList(objects),
    );
  }

  /** Creates namespace `name`, labelled as a test namespace. */
  async createNamespace(name: string): Promise<void> {
    await this.create([{
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name, labels: { "draconctl.dev/test": "true" } },
    }]);
  }

  /** Who the API server says this context is (`kubectl auth whoami`). */
  async whoami(): Promise<{ username: string; groups: string[] }> {
    const { stdout } = await this.run(["auth", "whoami", "-o", "json"]);
    const review = JSON.parse(stdout) as {
      status: { userInfo: { username: string; groups?: string[] } };
    };
    return {
      username: review.status.userInfo.username,
      groups: review.status.userInfo.groups ?? [],
    };
  }

  async #exec(args: string[], stdin: string | undefined, check: boolean): Promise<RunResult> {
    cacheDir ??= await Deno.makeTempDir({ prefix: "draconctl-kubectl-cache-" });
    const flags = ["--kubeconfig", this.#kubeconfig, "--context", this.context];
    return await run(this.#binary, [...flags, "--cache-dir", cacheDir, ...args], {
      check,
      ...(stdin === undefined ? {} : { stdin }),
    });
  }
}

/** `objects` as the JSON of one `v1/List`, for `kubectl -f -`. */
function asList(objects: readonly unknown[]): string {
  return JSON.stringify({ apiVersion: "v1", kind: "List", items: objects });
}

/**
 * draconctl's client for `context` of `kubeconfig`, opened as `connectCluster()`
 * opens it. Close it when done.
 */
export async function productClient(
  kubeconfig: string,
  context = "admin",
  options: { onRequest?: (method: string, url: string) => void } = {},
): Promise<FetchObjectClient> {
  const { client } = await openClient(
    { kubeconfig, context, requestTimeoutMs: 30_000 },
    connectEnv(options),
  );
  return client;
}

/**
 * The side effects `connectCluster()` gets in `main.ts`, real ones, except
 * that nothing is revoked (the test process keeps its permissions) and
 * warnings are kept in a {@link MemoryLogger}.
 */
export function connectEnv(overrides: Partial<ConnectEnv> = {}): ConnectEnv {
  return {
    fs: new DenoFileSystem(),
    env: (name) => Deno.env.get(name),
    logger: new MemoryLogger(),
    clock: { now: () => new Date() },
    runner: new DenoCommandRunner(),
    permissions: { mayRun: () => Promise.resolve(true), keepPlugins: () => Promise.resolve() },
    ...overrides,
  };
}

/** The real {@link ClusterFactory} of `main.ts`, over {@link connectEnv}. */
export function realCluster(overrides: Partial<ConnectEnv> = {}): ClusterFactory {
  return (options) => connectCluster(options, connectEnv(overrides));
}

/**
 * A `Deno.HttpClient` with the admin identity of the kubeconfig at `path`, and
 * its server: for tests that poll the API server faster than a kubectl
 * process per call allows (~100 ms each), or forward to it. Close it when done.
 */
export async function adminHttpClient(
  path: string,
): Promise<{ server: string; client: Deno.HttpClient }> {
  const config = await readKubeConfig(path);
  const cluster = config.clusters[0]!.cluster;
  const admin = config.users.find((u) => u.name === "admin")!.user;
  const client = Deno.createHttpClient({
    caCerts: [atob(String(cluster["certificate-authority-data"]))],
    cert: atob(String(admin["client-certificate-data"])),
    key: atob(String(admin["client-key-data"])),
  });
  return { server: String(cluster.server), client };
}

/** The kubeconfig file's YAML, as far as the tests edit it. */
export interface KubeConfigFile {
  clusters: { name: string; cluster: Record<string, unknown> }[];
  users: { name: string; user: Record<string, unknown> }[];
  contexts: { name: string; context: Record<string, unknown> }[];
  "current-context"?: string;
}

/** Reads the kubeconfig at `path`. */
export async function readKubeConfig(path: string): Promise<KubeConfigFile> {
  return parse(await Deno.readTextFile(path)) as KubeConfigFile;
}

/** Writes a copy of the kubeconfig at `path`, changed by `edit`, to a new temp file; returns its path. */
export async function editedKubeConfig(
  path: string,
  edit: (config: KubeConfigFile) => void,
): Promise<string> {
  const config = await readKubeConfig(path);
  edit(config);
  const copy = await Deno.makeTempFile({ prefix: "draconctl-kubeconfig-" });
  await Deno.writeTextFile(copy, stringify(config));
  return copy;
}
