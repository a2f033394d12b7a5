/**
 * Issue 12 on the real API server: the clusters users really have. Every
 * deploy here is the product as it ships (`deno run` with the flags of
 * scripts/permissions.ts, tests/e2e/_product.ts), except the in-cluster one,
 * which runs `main.ts`'s `run()` in-process so the service account directory
 * can be pointed at a temporary one (the injected `serviceAccountDir`).
 *
 * Identities come from the API server itself: a ServiceAccount per test,
 * RBAC, and `kubectl create token` (TokenRequest). Credential plugins are
 * shell scripts on a private PATH under allow-listed names (`aws`,
 * `gke-gcloud-auth-plugin`) that count their runs in a file.
 */
import assert from "node:assert/strict";
import { parse, stringify } from "yaml";
import { run as runMain } from "../../main.ts";
import type { Deps } from "../../src/deps.ts";
import { IsolatedFetcher } from "../../src/fetch/isolated_fetcher.ts";
import { HelmCli } from "../../src/helm/helm_cli.ts";
import { DenoCommandRunner } from "../../src/io/command.ts";
import { DenoFileSystem } from "../../src/io/filesystem.ts";
import { MemoryLogger } from "../_fakes/memory_logger.ts";
import { NO_SIGNALS } from "../_fakes/no_signals.ts";
import { connectCluster } from "../../src/tekton/kube_cluster.ts";
import { runProduct } from "../e2e/_product.ts";
import { writePipeline } from "./_generate.ts";
import { run } from "./_run.ts";
import { type ClusterEnv, clusterTest, CONNECTS_CLUSTER } from "./_testenv.ts";

type Env = Pick<ClusterEnv, "bin" | "kubeconfigPath" | "namespace">;

/** `kubectl` of the test environment as admin; returns stdout. */
async function kubectl(env: Env, ...args: string[]): Promise<string> {
  return (await run(`${env.bin}/kubectl`, [
    "--kubeconfig",
    env.kubeconfigPath,
    "--context",
    "admin",
    ...args,
  ])).stdout;
}

/** The test environment's server, CA and admin client certificate (PEM). */
async function testenvConnection(env: Env) {
  const config = parse(await Deno.readTextFile(env.kubeconfigPath)) as {
    clusters: { name: string; cluster: Record<string, string> }[];
    users: { name: string; user: Record<string, string> }[];
  };
  const cluster = config.clusters[0]!.cluster;
  const admin = config.users.find((u) => u.name === "admin")!.user;
  return {
    server: cluster.server!,
    caData: cluster["certificate-authority-data"]!,
    ca: atob(cluster["certificate-authority-data"]!),
    cert: atob(admin["client-certificate-data"]!),
    key: atob(admin["client-key-data"]!),
  };
}

/**
 * A ServiceAccount `name` in the test namespace, bound to a Role with
 * `verbs` on Tekton Tasks and Pipelines; returns a fresh token for it.
 */
async function serviceAccountToken(env: Env, name: string, verbs: string[]): Promise<string> {
  const ns = env.namespace;
  await kubectl(env, "-n", ns, "create", "serviceaccount", name);
  await kubectl(
    env,
    "-n",
    ns,
    "create",
    "role",
    name,
    `--verb=${verbs.join(",")}`,
    "--resource=tasks.tekton.dev,pipelines.tekton.dev",
  );
  await kubectl(
    env,
    "-n",
    ns,
    "create",
    "rolebinding",
    name,
    `--role=${name}`,
    `--serviceaccount=${ns}:${name}`,
  );
  return (await kubectl(env, "-n", ns, "create", "token", name, "--duration=1h")).trim();
}

const DEPLOY_VERBS = ["get", "list", "watch", "create", "patch", "update"];

/** A kubeconfig with one context on the test environment's cluster and `user`. */
async function writeKubeconfig(
  dir: string,
  env: Env,
  user: Record<string, unknown>,
  cluster: Record<string, unknown> = {},
): Promise<string> {
  const { server, caData } = await testenvConnection(env);
  const path = `${dir}/kubeconfig`;
  await Deno.writeTextFile(
    path,
    stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{
        name: "testenv",
        cluster: { server, "certificate-authority-data": caData, ...cluster },
      }],
      users: [{ name: "plugin-user", user }],
      contexts: [{
        name: "plugin",
        context: { cluster: "testenv", user: "plugin-user", namespace: env.namespace },
      }],
      "current-context": "plugin",
    }),
  );
  return path;
}

/**
 * A credential plugin `name` in `<dir>/bin`: each run appends its
 * KUBERNETES_EXEC_INFO to `<dir>/runs`, and prints `<dir>/answer-<n>.json`
 * for the n-th run if it exists, else `<dir>/answer.json`.
 */
async function writePlugin(dir: string, name: string, body?: string): Promise<string> {
  await Deno.mkdir(`${dir}/bin`, { recursive: true });
  const script = body ?? `#!/bin/sh
printf '%s\\n' "$KUBERNETES_EXEC_INFO" >> '${dir}/runs'
n=$(/usr/bin/wc -l < '${dir}/runs')
n=$((n + 0))
if [ -f '${dir}/answer-'"$n"'.json' ]; then /usr/bin/cat '${dir}/answer-'"$n"'.json'; else /usr/bin/cat '${dir}/answer.json'; fi
`;
  await Deno.writeTextFile(`${dir}/bin/${name}`, script);
  await Deno.chmod(`${dir}/bin/${name}`, 0o755);
  return `${dir}/bin`;
}

async function runsOf(dir: string): Promise<string[]> {
  try {
    return (await Deno.readTextFile(`${dir}/runs`)).split("\n").filter((l) => l !== "");
  } catch {
    return [];
  }
}

function execCredential(status: Record<string, unknown>, apiVersion = "v1"): string {
  return JSON.stringify({
    kind: "ExecCredential",
    apiVersion: `client.authentication.k8s.io/${apiVersion}`,
    status,
  });
}

function execUser(command: string, extra: Record<string, unknown> = {}) {
  return {
    exec: {
      apiVersion: "client.authentication.k8s.io/v1",
      command,
      args: ["eks", "get-token", "--cluster-name", "testenv"],
      env: [{ name: "AWS_PROFILE", value: "draconctl-test" }],
      interactiveMode: "Never",
      ...extra,
    },
  };
}

/** A pipeline of two producers, written under `dir`. */
function pipeline(dir: string): Promise<string> {
  return writePipeline(dir, "connect", ["producer-conn-a", "producer-conn-b"]);
}

/**
 * A PATH of `bin` and a directory holding only `deno`: no credential plugin
 * of this machine (some have `aws` or `gke-gcloud-auth-plugin`) is found.
 */
async function privatePath(bin: string): Promise<string> {
  const denoDir = `${bin}/../deno-bin`;
  await Deno.mkdir(denoDir, { recursive: true });
  await Deno.symlink(Deno.execPath(), `${denoDir}/deno`).catch(() => {});
  return `${bin}:${denoDir}`;
}

/** `draconctl pipelines deploy` as shipped, with `bin` on a private PATH. */
async function deploy(
  kubeconfig: string,
  kustomization: string,
  bin: string,
  extra: string[] = [],
) {
  return await runProduct(
    [
      "--kubeconfig",
      kubeconfig,
      ...extra,
      "pipelines",
      "deploy",
      kustomization,
      "--load-restrictor",
      "none",
    ],
    { PATH: await privatePath(bin) },
  );
}

async function liveTasks(env: Env): Promise<string[]> {
  const list = JSON.parse(await kubectl(env, "-n", env.namespace, "get", "tasks", "-o", "json"));
  return (list.items as { metadata: { name: string } }[]).map((t) => t.metadata.name).sort();
}

/** The error lines of a run (`error: …`). */
function errorLines(stderr: string): string[] {
  return stderr.split("\n").filter((line) => line.startsWith("error: "));
}

clusterTest(
  "an exec plugin (aws, v1) with a token: deploy succeeds under the shipped permissions, plugin runs once",
  async (env) => {
    const dir = await Deno.makeTempDir({ prefix: "draconctl-exec-" });
    const token = await serviceAccountToken(env, "deployer", DEPLOY_VERBS);
    await Deno.writeTextFile(`${dir}/answer.json`, execCredential({ token }));
    const bin = await writePlugin(dir, "aws");
    const kubeconfig = await writeKubeconfig(
      dir,
      env,
      execUser("aws", { provideClusterInfo: true }),
    );
    const result = await deploy(kubeconfig, await pipeline(dir), bin);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await liveTasks(env), [
      "base",
      "git-clone",
      "producer-conn-a",
      "producer-conn-b",
    ]);
    const runs = await runsOf(dir);
    assert.equal(runs.length, 1, "the plugin ran exactly once");
    const info = JSON.parse(runs[0]!);
    const { server, caData } = await testenvConnection(env);
    assert.equal(info.kind, "ExecCredential");
    assert.equal(info.apiVersion, "client.authentication.k8s.io/v1");
    assert.equal(info.spec.interactive, false);
    assert.equal(info.spec.cluster.server, server);
    assert.equal(info.spec.cluster["certificate-authority-data"], caData);
    assert.ok(!result.stdout.includes(token) && !result.stderr.includes(token));
    // The objects were written by the service account, not someone else.
    const task = JSON.parse(
      await kubectl(
        env,
        "-n",
        env.namespace,
        "get",
        "task",
        "producer-conn-a",
        "-o",
        "json",
        "--show-managed-fields",
      ),
    );
    assert.ok(
      (task.metadata.managedFields as { manager: string }[]).some((f) => f.manager === "draconctl"),
    );
  },
);

clusterTest(
  "an exec plugin (v1beta1) answering with a client certificate: deploy succeeds, plugin runs once",
  async (env) => {
    const dir = await Deno.makeTempDir({ prefix: "draconctl-exec-cert-" });
    const { cert, key } = await testenvConnection(env);
    await Deno.writeTextFile(
      `${dir}/answer.json`,
      execCredential({ clientCertificateData: cert, clientKeyData: key }, "v1beta1"),
    );
    const bin = await writePlugin(dir, "gke-gcloud-auth-plugin");
    // v1beta1 without interactiveMode: IfAvailable, and no TTY is given.
    const kubeconfig = await writeKubeconfig(dir, env, {
      exec: {
        apiVersion: "client.authentication.k8s.io/v1beta1",
        command: "gke-gcloud-auth-plugin",
      },
    });
    const result = await deploy(kubeconfig, await pipeline(dir), bin);
    assert.equal(result.code, 0, result.stderr);
    assert.equal((await liveTasks(env)).length, 4);
    const runs = await runsOf(dir);
    assert.equal(runs.length, 1);
    assert.equal(JSON.parse(runs[0]!).spec.cluster, undefined, "no provideClusterInfo: no cluster");
    assert.ok(!result.stderr.includes("PRIVATE KEY"));
  },
);

clusterTest("an expired credential makes the plugin run again", async (env) => {
  const dir = await Deno.makeTempDir({ prefix: "draconctl-exec-expired-" });
  const token = await serviceAccountToken(env, "deployer", DEPLOY_VERBS);
  await Deno.writeTextFile(
    `${dir}/answer.json`,
    execCredential({ token, expirationTimestamp: "2020-01-01T00:00:00Z" }),
  );
  const bin = await writePlugin(dir, "aws");
  const kubeconfig = await writeKubeconfig(dir, env, execUser("aws"));
  const result = await deploy(kubeconfig, await pipeline(dir), bin);
  assert.equal(result.code, 0, result.stderr);
  // Every request finds the credential expired (client-go: no leeway).
  assert.ok((await runsOf(dir)).length >= 2, `runs: ${(await runsOf(dir)).length}`);

  // The same with an expiry an hour ahead: once.
  const fresh = await Deno.makeTempDir({ prefix: "draconctl-exec-fresh-" });
  const later = new Date(Date.now() + 3_600_000).toISOString();
  await Deno.writeTextFile(
    `${fresh}/answer.json`,
    execCredential({ token, expirationTimestamp: later }),
  );
  const freshBin = await writePlugin(fresh, "aws");
  const again = await deploy(
    await writeKubeconfig(fresh, env, execUser("aws")),
    await pipeline(fresh),
    freshBin,
  );
  assert.equal(again.code, 0, again.stderr);
  assert.equal((await runsOf(fresh)).length, 1);
});

clusterTest(
  "a credential the server refuses (401) makes the plugin run again, once",
  async (env) => {
    const dir = await Deno.makeTempDir({ prefix: "draconctl-exec-401-" });
    const token = await serviceAccountToken(env, "deployer", DEPLOY_VERBS);
    await Deno.writeTextFile(`${dir}/answer-1.json`, execCredential({ token: "revoked-token" }));
    await Deno.writeTextFile(`${dir}/answer.json`, execCredential({ token }));
    const bin = await writePlugin(dir, "aws");
    const result = await deploy(
      await writeKubeconfig(dir, env, execUser("aws")),
      await pipeline(dir),
      bin,
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal((await runsOf(dir)).length, 2);
    assert.equal((await liveTasks(env)).length, 4);
  },
);

clusterTest(
  "a plugin that fails, prints garbage or is missing: one clear line, exit 5",
  async (env, t) => {
    const kustomization = await pipeline(await Deno.makeTempDir({ prefix: "draconctl-exec-bad-" }));
    await t.step("exits non-zero: its stderr passes through, then one error line", async () => {
      const dir = await Deno.makeTempDir();
      const bin = await writePlugin(
        dir,
        "aws",
        "#!/bin/sh\necho 'aws: The config profile (draconctl-test) could not be found' >&2\nexit 255\n",
      );
      const result = await deploy(
        await writeKubeconfig(dir, env, execUser("aws")),
        kustomization,
        bin,
      );
      assert.equal(result.code, 5, result.stderr);
      assert.ok(result.stderr.includes("The config profile (draconctl-test) could not be found"));
      assert.deepEqual(errorLines(result.stderr), [
        'error: The credential plugin "aws" of user "plugin-user" in kubeconfig ' +
        `"${dir}/kubeconfig" failed with exit code 255`,
      ]);
    });
    await t.step("prints garbage: named, never quoted", async () => {
      const dir = await Deno.makeTempDir();
      const bin = await writePlugin(dir, "aws", "#!/bin/sh\necho 'token=sup3r-s3cret <html>'\n");
      const result = await deploy(
        await writeKubeconfig(dir, env, execUser("aws")),
        kustomization,
        bin,
      );
      assert.equal(result.code, 5, result.stderr);
      const lines = errorLines(result.stderr);
      assert.equal(lines.length, 1, result.stderr);
      assert.match(
        lines[0]!,
        /credential plugin "aws" .* returned no valid ExecCredential: its output is not JSON$/,
      );
      assert.ok(!result.stderr.includes("sup3r-s3cret"));
    });
    await t.step("answers another apiVersion", async () => {
      const dir = await Deno.makeTempDir();
      await Deno.writeTextFile(`${dir}/answer.json`, execCredential({ token: "x" }, "v1beta1"));
      const bin = await writePlugin(dir, "aws");
      const result = await deploy(
        await writeKubeconfig(dir, env, execUser("aws")),
        kustomization,
        bin,
      );
      assert.equal(result.code, 5, result.stderr);
      assert.match(
        errorLines(result.stderr)[0]!,
        /answered with apiVersion "client.authentication.k8s.io\/v1beta1", the kubeconfig asks for "client.authentication.k8s.io\/v1"$/,
      );
    });
    await t.step("missing: the installHint is shown", async () => {
      const dir = await Deno.makeTempDir();
      await Deno.mkdir(`${dir}/bin`);
      const result = await deploy(
        await writeKubeconfig(dir, env, {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1",
            command: "gke-gcloud-auth-plugin",
            interactiveMode: "IfAvailable",
            installHint: "Install gke-gcloud-auth-plugin for use with kubectl by following\n" +
              "https://cloud.google.com/kubernetes-engine/docs/how-to/cluster-access-for-kubectl#install_plugin",
          },
        }),
        kustomization,
        `${dir}/bin`,
      );
      assert.equal(result.code, 5, result.stderr);
      assert.equal(errorLines(result.stderr).length, 1, result.stderr);
      assert.match(
        result.stderr,
        /error: The credential plugin "gke-gcloud-auth-plugin" .* is not installed/,
      );
      assert.match(
        result.stderr,
        /\nhint: Install gke-gcloud-auth-plugin for use with kubectl by following https:\/\/cloud\.google\.com\/\S+\n/,
      );
    });
    await t.step("not on the allow-list: named, with what to do", async () => {
      const dir = await Deno.makeTempDir();
      await Deno.writeTextFile(`${dir}/answer.json`, execCredential({ token: "x" }));
      const bin = await writePlugin(dir, "my-login-helper");
      const result = await deploy(
        await writeKubeconfig(dir, env, execUser("my-login-helper")),
        kustomization,
        bin,
      );
      assert.equal(result.code, 5, result.stderr);
      assert.match(
        errorLines(result.stderr)[0]!,
        /credential plugin "my-login-helper" .* is not among the credential plugins draconctl may run \(aws, /,
      );
      assert.match(
        result.stderr,
        /\nhint: run draconctl from source with the plugin added: .*--allow-run=helm,aws,.*,my-login-helper main\.ts/,
      );
      assert.deepEqual(await runsOf(dir), [], "never started");
    });
    await t.step("interactiveMode Always: draconctl never prompts", async () => {
      const dir = await Deno.makeTempDir();
      const bin = await writePlugin(dir, "kubelogin");
      const result = await deploy(
        await writeKubeconfig(dir, env, execUser("kubelogin", { interactiveMode: "Always" })),
        kustomization,
        bin,
      );
      assert.equal(result.code, 5, result.stderr);
      assert.match(
        errorLines(result.stderr)[0]!,
        /needs an interactive terminal \(interactiveMode: Always\)$/,
      );
      assert.deepEqual(await runsOf(dir), []);
    });
    assert.deepEqual(await liveTasks(env), [], "nothing was applied by any of them");
  },
);

clusterTest(
  "in-cluster: no kubeconfig, KUBERNETES_SERVICE_HOST/PORT and a service account directory",
  async (env) => {
    const token = await serviceAccountToken(env, "in-pod", DEPLOY_VERBS);
    const { server, ca } = await testenvConnection(env);
    const url = new URL(server);
    const sa = await Deno.makeTempDir({ prefix: "draconctl-sa-" });
    await Deno.writeTextFile(`${sa}/token`, token);
    await Deno.writeTextFile(`${sa}/ca.crt`, ca);
    await Deno.writeTextFile(`${sa}/namespace`, env.namespace);
    const home = await Deno.makeTempDir({ prefix: "draconctl-home-" });
    const variables: Record<string, string> = {
      HOME: home, // no ~/.kube/config there
      KUBERNETES_SERVICE_HOST: url.hostname,
      KUBERNETES_SERVICE_PORT: url.port,
    };
    const fs = new DenoFileSystem();
    const logger = new MemoryLogger();
    const requests: string[] = [];
    let stdout = "";
    const deps: Deps = {
      fs,
      fetcher: new IsolatedFetcher(),
      logger,
      helm: new HelmCli(),
      stdout: { write: (text) => Promise.resolve(void (stdout += text)) },
      signals: NO_SIGNALS,
      clock: { now: () => new Date() },
      cluster: (options) =>
        connectCluster(options, {
          fs,
          env: (name) => variables[name],
          logger,
          clock: { now: () => new Date() },
          runner: new DenoCommandRunner(),
          // Never revoke anything in the test process itself.
          permissions: {
            mayRun: () => Promise.resolve(false),
            keepPlugins: () => Promise.resolve(),
          },
          serviceAccountDir: sa,
          onRequest: (method, requestUrl) => requests.push(`${method} ${requestUrl}`),
        }),
    };
    let stderr = "";
    const kustomization = await pipeline(await Deno.makeTempDir());
    const code = await runMain(
      ["pipelines", "deploy", kustomization, "--load-restrictor", "none"],
      deps,
      (text) => (stderr += text),
    );
    assert.equal(code, 0, stderr);
    assert.match(stdout, /pipeline\.tekton\.dev\/dracon-connect created/);
    assert.equal((await liveTasks(env)).length, 4, "in the namespace of the namespace file");
    assert.ok(requests.every((r) => r.includes(`${url.host}/`)), requests.join("\n"));
    assert.deepEqual(logger.warnings, []);
    const task = JSON.parse(
      await kubectl(env, "-n", env.namespace, "get", "task", "base", "-o", "json"),
    );
    assert.equal(task.metadata.namespace, env.namespace);
  },
  CONNECTS_CLUSTER,
);

clusterTest(
  "impersonating a read-only identity is refused with 403 naming that identity",
  async (env, t) => {
    const dir = await Deno.makeTempDir({ prefix: "draconctl-impersonate-" });
    await serviceAccountToken(env, "reader", ["get", "list", "watch"]);
    const reader = `system:serviceaccount:${env.namespace}:reader`;
    const kustomization = await pipeline(dir);
    await t.step("--as", async () => {
      const result = await runProduct([
        "--kubeconfig",
        env.kubeconfigPath,
        "-n",
        env.namespace,
        "--as",
        reader,
        "pipelines",
        "deploy",
        kustomization,
        "--load-restrictor",
        "none",
      ]);
      assert.equal(result.code, 5, result.stderr);
      assert.match(
        errorLines(result.stderr)[0]!,
        new RegExp(`forbidden: user "${reader}" cannot patch resource "tasks"`),
      );
    });
    await t.step("the kubeconfig user's as and as-groups", async () => {
      const { cert, key } = await testenvConnection(env);
      const kubeconfig = await writeKubeconfig(dir, env, {
        "client-certificate-data": btoa(cert),
        "client-key-data": btoa(key),
        as: reader,
        "as-groups": ["system:serviceaccounts"],
      });
      const result = await runProduct([
        "--kubeconfig",
        kubeconfig,
        "pipelines",
        "deploy",
        kustomization,
        "--load-restrictor",
        "none",
      ]);
      assert.equal(result.code, 5, result.stderr);
      assert.match(errorLines(result.stderr)[0]!, new RegExp(`user "${reader}" cannot patch`));
    });
    assert.deepEqual(await liveTasks(env), []);
  },
);

/** A loopback HTTP CONNECT proxy; `seen` holds each request line. */
function connectProxy(): { port: number; seen: string[]; close: () => void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const seen: string[] = [];
  const conns: Deno.Conn[] = [];
  (async () => {
    for await (const conn of listener) {
      conns.push(conn);
      (async () => {
        const buffer = new Uint8Array(8192);
        const n = await conn.read(buffer);
        if (n === null) return conn.close();
        const head = new TextDecoder().decode(buffer.subarray(0, n));
        seen.push(head.split("\r\n")[0]!);
        const target = head.match(/^CONNECT ([^\s:]+):(\d+) /);
        if (!target) return conn.close();
        const upstream = await Deno.connect({ hostname: target[1]!, port: Number(target[2]) });
        conns.push(upstream);
        await conn.write(new TextEncoder().encode("HTTP/1.1 200 Connection established\r\n\r\n"));
        await Promise.allSettled([
          conn.readable.pipeTo(upstream.writable),
          upstream.readable.pipeTo(conn.writable),
        ]);
      })().catch(() => {});
    }
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    seen,
    close: () => {
      listener.close();
      for (const conn of conns) {
        try {
          conn.close();
        } catch { /* closed already */ }
      }
    },
  };
}

clusterTest("a kubeconfig proxy-url: the deploy goes through the proxy", async (env, t) => {
  const proxy = connectProxy();
  try {
    const dir = await Deno.makeTempDir({ prefix: "draconctl-proxy-" });
    const { cert, key, server } = await testenvConnection(env);
    const user = { "client-certificate-data": btoa(cert), "client-key-data": btoa(key) };
    const kustomization = await pipeline(dir);
    await t.step("proxy-url", async () => {
      const kubeconfig = await writeKubeconfig(dir, env, user, {
        "proxy-url": `http://127.0.0.1:${proxy.port}`,
      });
      const result = await deploy(kubeconfig, kustomization, dir);
      assert.equal(result.code, 0, result.stderr);
      assert.ok(proxy.seen.length >= 1, "the proxy saw the traffic");
      assert.ok(
        proxy.seen.every((line) => line === `CONNECT ${new URL(server).host} HTTP/1.1`),
        proxy.seen.join("\n"),
      );
      assert.equal((await liveTasks(env)).length, 4);
    });
    await t.step("HTTPS_PROXY is not used for a loopback server, as kubectl", async () => {
      const before = proxy.seen.length;
      const kubeconfig = await writeKubeconfig(dir, env, user);
      const result = await runProduct(
        [
          "--kubeconfig",
          kubeconfig,
          "pipelines",
          "deploy",
          kustomization,
          "--load-restrictor",
          "none",
        ],
        { HTTPS_PROXY: `http://127.0.0.1:${proxy.port}`, NO_PROXY: "" },
      );
      assert.equal(result.code, 0, result.stderr);
      assert.equal(proxy.seen.length, before, "Deno's own HTTPS_PROXY handling is off");
    });
  } finally {
    proxy.close();
  }
});
