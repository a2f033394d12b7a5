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
 * clusterTest("applies a Task", async ({ kc, namespace }) => {
 *   // ...
 * });
 * ```
 * @module
 */
import * as k8s from "@kubernetes/client-node";

/** What a cluster test gets. */
export interface ClusterEnv {
  /** Path of the kubeconfig: contexts `admin` (current, client cert) and `restricted` (token). */
  kubeconfigPath: string;
  /** A fresh namespace, created for this test. */
  namespace: string;
  /** A KubeConfig loaded from {@linkcode kubeconfigPath}, on the `admin` context. */
  kc: k8s.KubeConfig;
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

/** Loads the environment's kubeconfig, on `context` (default `admin`). */
export function loadKubeConfig(kubeconfigPath: string, context = "admin"): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  kc.setCurrentContext(context);
  return kc;
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

/** Creates a namespace with the admin identity. */
export async function createNamespace(kc: k8s.KubeConfig, name: string): Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespace({
    body: {
      metadata: { name, labels: { "draconctl.dev/test": "true" } },
    },
  });
}

/** Reads the environment from the variables `scripts/test` sets. */
export function testEnvFromEnvironment(): Omit<ClusterEnv, "namespace" | "kc"> {
  return {
    kubeconfigPath: requireEnv("KUBECONFIG"),
    registry: requireEnv("DRACONCTL_TESTENV_REGISTRY"),
    bin: requireEnv("DRACONCTL_TESTENV_BIN"),
  };
}

/**
 * Registers a Deno test that runs against the test environment in its own
 * namespace. Fails (never skips) when no environment is there.
 *
 * Resource/op sanitizers are off: client-node's HTTP client (undici) keeps
 * keep-alive sockets open between requests.
 */
export function clusterTest(
  name: string,
  fn: (env: ClusterEnv, t: Deno.TestContext) => Promise<void>,
): void {
  Deno.test({
    name,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const base = testEnvFromEnvironment();
      const kc = loadKubeConfig(base.kubeconfigPath);
      const namespace = uniqueNamespace(name);
      await createNamespace(kc, namespace);
      await fn({ ...base, kc, namespace }, t);
    },
  });
}

/** Result of {@linkcode run}. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command; throws with its output when it exits non-zero. */
export async function run(
  cmd: string,
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<RunResult> {
  const output = await new Deno.Command(cmd, {
    args,
    env: options.env ?? {},
    ...(options.cwd ? { cwd: options.cwd } : {}),
    stdin: "null",
  }).output();
  const result = {
    code: output.code,
    stdout: new TextDecoder().decode(output.stdout),
    stderr: new TextDecoder().decode(output.stderr),
  };
  if (result.code !== 0) {
    throw new Error(
      `${cmd} ${args.join(" ")} exited ${result.code}\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result;
}

/**
 * A `helm` of the given major version with its own config/cache/data dirs
 * (so tests never touch ~/.config/helm) and the environment's kubeconfig.
 */
export async function makeHelm(
  env: Pick<ClusterEnv, "bin" | "kubeconfigPath">,
  major: 3 | 4,
): Promise<(args: string[], cwd?: string) => Promise<RunResult>> {
  const home = await Deno.makeTempDir({ prefix: `draconctl-helm${major}-` });
  const helmEnv = {
    KUBECONFIG: env.kubeconfigPath,
    HELM_CONFIG_HOME: `${home}/config`,
    HELM_CACHE_HOME: `${home}/cache`,
    HELM_DATA_HOME: `${home}/data`,
    HOME: home,
  };
  return (args, cwd) =>
    run(`${env.bin}/helm${major}`, args, { env: helmEnv, ...(cwd ? { cwd } : {}) });
}
