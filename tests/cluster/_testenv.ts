/**
 * Harness for cluster tests: a real kube-apiserver started by `scripts/testenv`.
 *
 * `scripts/test` (i.e. `deno task test`) provides the environment through
 * `KUBECONFIG`, `DRACONCTL_TESTENV_REGISTRY` and `DRACONCTL_TESTENV_BIN`. Each
 * {@linkcode clusterTest} gets a fresh, uniquely named namespace. Namespaces are
 * left behind: the environment runs no kube-controller-manager, so a deleted
 * namespace would stay Terminating forever; unique names make that harmless.
 *
 * @example
 * ```ts
 * clusterTest("applies a Task", async ({ kubectl, namespace }) => {
 *   // ...
 *   const tasks = await kubectl.list("tasks.v1beta1.tekton.dev", namespace);
 * });
 * ```
 * @module
 */
import { HelmCli } from "../../src/helm/helm_cli.ts";
import { Kubectl } from "./_kube.ts";
import { run, type RunResult } from "./_run.ts";

/** What a cluster test gets. */
export interface ClusterEnv {
  /** Path of the kubeconfig: contexts `admin` (current, client cert) and `restricted` (token). */
  kubeconfigPath: string;
  /** A fresh namespace, created for this test. */
  namespace: string;
  /** The environment's `kubectl` on the `admin` context, for setup and independent checks. */
  kubectl: Kubectl;
  /** The local OCI registry, `127.0.0.1:<port>` (plain HTTP). */
  registry: string;
  /** Directory holding the environment's `kubectl`, `helm3`, `helm4`. */
  bin: string;
}

/** Thrown when the tests run without an environment from `scripts/testenv`. */
export class TestEnvMissingError extends Error {
  constructor(variable: string) {
    super(
      `${variable} is not set: cluster tests need a running test environment. ` +
        "Run them with `deno task test` (scripts/test starts one), or first " +
        '`scripts/testenv up && eval "$(scripts/testenv env)"`.',
    );
    this.name = "TestEnvMissingError";
  }
}

function requireEnv(variable: string): string {
  const value = Deno.env.get(variable);
  if (!value) throw new TestEnvMissingError(variable);
  return value;
}

let counter = 0;

/** A DNS-1123 namespace name from the test name, unique per process and call. */
export function uniqueNamespace(testName: string): string {
  const slug = testName.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "")
    .slice(0, 30).replace(/-+$/, "");
  const unique = `${Date.now().toString(36)}${(counter++).toString(36)}${
    Math.floor(Math.random() * 1296).toString(36)
  }`;
  return `t-${slug}-${unique}`;
}

/** Reads the environment from the variables `scripts/test` sets. */
export function testEnvFromEnvironment(): Omit<ClusterEnv, "namespace" | "kubectl"> {
  return {
    kubeconfigPath: requireEnv("KUBECONFIG"),
    registry: requireEnv("DRACONCTL_TESTENV_REGISTRY"),
    bin: requireEnv("DRACONCTL_TESTENV_BIN"),
  };
}

/** Options of {@linkcode clusterTest}. */
export interface ClusterTestOptions {
  /**
   * Why Deno's op and resource sanitizers must be off for this test (they are
   * on otherwise, so a client left open fails the test).
   * @default undefined (sanitizers on)
   */
  unsanitizedBecause?: string;
}

/**
 * The options of every {@linkcode clusterTest} in a file that runs
 * `connectCluster()` in-process: its `Cluster` has no `close()`, so its HTTP
 * client stays open and its prefetched LISTs may still be in flight when the
 * test ends. Such a LIST ends during the next test, which would fail that
 * test's op sanitizer, so the whole file opts out.
 */
export const CONNECTS_CLUSTER: ClusterTestOptions = {
  unsanitizedBecause: "connectCluster() returns a Cluster without close()",
};

/** The body of a {@linkcode clusterTest}. */
export type ClusterTestFn = (env: ClusterEnv, t: Deno.TestContext) => Promise<void>;

/**
 * Registers a Deno test that runs against the test environment in its own
 * namespace (created with kubectl). Fails (never skips) when no environment
 * is there.
 */
export function clusterTest(
  name: string,
  fn: ClusterTestFn,
  options: ClusterTestOptions = {},
): void {
  const sanitize = options.unsanitizedBecause === undefined;
  Deno.test({
    name,
    sanitizeOps: sanitize,
    sanitizeResources: sanitize,
    async fn(t) {
      const base = testEnvFromEnvironment();
      const kubectl = new Kubectl(base);
      const namespace = uniqueNamespace(name);
      await kubectl.createNamespace(namespace);
      await fn({ ...base, kubectl, namespace }, t);
    },
  });
}

/** Private config/cache/data dirs for helm, so tests never touch ~/.config/helm. */
async function helmHome(prefix: string): Promise<Record<string, string>> {
  const home = await Deno.makeTempDir({ prefix });
  return {
    HELM_CONFIG_HOME: `${home}/config`,
    HELM_CACHE_HOME: `${home}/cache`,
    HELM_DATA_HOME: `${home}/data`,
    HOME: home,
  };
}

/**
 * A `helm` of the given major version with its own config/cache/data dirs
 * (so tests never touch ~/.config/helm) and the environment's kubeconfig.
 */
export async function makeHelm(
  env: Pick<ClusterEnv, "bin" | "kubeconfigPath">,
  major: 3 | 4,
): Promise<(args: string[], cwd?: string) => Promise<RunResult>> {
  const helmEnv = {
    KUBECONFIG: env.kubeconfigPath,
    ...await helmHome(`draconctl-helm${major}-`),
  };
  return (args, cwd) =>
    run(`${env.bin}/helm${major}`, args, { env: helmEnv, ...(cwd ? { cwd } : {}) });
}

/** The product's {@link HelmCli} on the environment's helm v3 (or v4), with private dirs. */
export async function makeHelmCli(
  env: Pick<ClusterEnv, "bin">,
  major: 3 | 4 = 3,
): Promise<HelmCli> {
  return new HelmCli({
    binary: `${env.bin}/helm${major}`,
    env: await helmHome(`draconctl-helmcli${major}-`),
  });
}
