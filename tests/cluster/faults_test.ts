/**
 * Faults on the real test environment: the API server killed in the middle of
 * a deploy of 50 Tasks (in a dedicated environment, restarted afterwards), a
 * server that answers slowly (scripts/latency_proxy.ts in front), and an HTTP
 * proxy that answers 429/503/403 for chosen requests, to show which failures
 * are retried, how often, and which are not.
 *
 * Figures are printed as `FIGURE …` lines for docs/reliability.md.
 */
import assert from "node:assert/strict";
import { parse, stringify } from "yaml";
import { type LatencyProxy, startLatencyProxy } from "../../scripts/latency_proxy.ts";
import type { KubeObject } from "../../src/k8s/objects.ts";
import { fixture, runCli } from "../cli/_cli.ts";
import { runProduct } from "../e2e/_product.ts";
import { writePipeline } from "./_generate.ts";
import {
  adminHttpClient,
  editedKubeConfig,
  type Kubectl,
  readKubeConfig,
  realCluster,
} from "./_kube.ts";
import { type ClusterEnv, clusterTest, CONNECTS_CLUSTER, uniqueNamespace } from "./_testenv.ts";

import { nativeLister, testenv } from "./_dedicated.ts";

/** Names of the Tasks and Pipelines in `namespace`, read with kubectl. */
async function live(kubectl: Kubectl, namespace: string) {
  const { tasks, pipelines } = await kubectl.tekton(namespace);
  const names = (items: KubeObject[]) => items.map((i) => i.metadata.name).sort();
  return { tasks: names(tasks), pipelines: names(pipelines) };
}

function figure(text: string): void {
  console.log(`FIGURE ${text}`);
}

Deno.test({
  name: "a deploy of 50 Tasks survives the API server being killed, and a rerun converges",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    // A dedicated environment: this test kills its API server.
    const state = await Deno.makeTempDir({ prefix: "draconctl-faults-env-" });
    await Deno.remove(state);
    let proxy: LatencyProxy | undefined;
    try {
      await testenv(state, "up"); // a failed up keeps its logs; down removes them too
      const kubeconfig = `${state}/kubeconfig`;
      const api = await nativeLister(kubeconfig);
      const namespace = uniqueNamespace("kill-apiserver");
      // A fresh API server may still answer 429 "storage is (re)initializing".
      for (let attempt = 1;; attempt++) {
        try {
          await api.createNamespace(namespace);
          break;
        } catch (error) {
          if (attempt === 20) throw error;
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }
      const root = await Deno.makeTempDir({ prefix: "draconctl-fifty-" });
      const producers = Array.from({ length: 48 }, (_, i) => `producer-gen-${i}`);
      const dir = await writePipeline(root, "fifty", producers);
      // draconctl talks to the server through a 40 ms latency proxy, so that a
      // deploy of 50 Tasks one at a time lasts ~2 s and the kill lands in its
      // middle (on loopback it is over in ~100 ms). The proxy dials the
      // server anew for each connection, so the rerun reaches the restarted one.
      const config = parse(await Deno.readTextFile(kubeconfig)) as {
        clusters: { cluster: { server: string } }[];
      };
      const server = new URL(config.clusters[0]!.cluster.server);
      proxy = startLatencyProxy({
        target: { hostname: server.hostname, port: Number(server.port) },
        latencyMs: 40,
      });
      config.clusters[0]!.cluster.server = `https://127.0.0.1:${proxy.port}`;
      const proxied = `${root}/kubeconfig`;
      await Deno.writeTextFile(proxied, stringify(config));
      const args = ["--kubeconfig", proxied, "-n", namespace, "pipelines", "deploy", dir];
      const flags = ["--load-restrictor", "none", "--concurrency", "1"];

      const started = performance.now();
      let finished = false;
      const deploy = runProduct([...args, ...flags]).finally(() => finished = true);
      let seen = 0;
      while (!finished && (seen = (await api.live(namespace)).tasks.length) < 10) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      if (finished) {
        const early = await deploy;
        throw new Error(`the deploy ended before the kill (exit ${early.code}):\n${early.stderr}`);
      }
      const pids = await Deno.readTextFile(`${state}/pids`);
      const pid = Number(/^kube-apiserver (\d+) /m.exec(pids)?.[1]);
      Deno.kill(pid, "SIGKILL");
      const killedAt = performance.now();
      const result = await deploy;
      const failedAfter = performance.now() - killedAt;
      figure(
        `kill: API server killed ${Math.round(killedAt - started)} ms into the deploy, ` +
          `${seen} of 50 Tasks present; draconctl exited ${result.code} ` +
          `${Math.round(failedAfter)} ms later`,
      );
      assert.equal(result.code, 5, result.stderr);
      assert.ok(failedAfter < 30_000, `exited ${Math.round(failedAfter)} ms after the kill`);
      assert.match(result.stderr, /^error: Deploy failed: .* so the Pipeline was not applied/m);
      assert.match(result.stderr, /Cannot reach the API server "https:\/\/127\.0\.0\.1:\d+"/);
      assert.match(result.stdout, /pipeline\.tekton\.dev\/dracon-fifty skipped/);
      assert.ok(!result.stderr.includes("    at "), result.stderr);

      const applied = (result.stdout.match(/^task\.tekton\.dev\/\S+ created$/gm) ?? []).length;
      assert.ok(applied < 50, `${applied} Tasks were applied before the kill`);

      const restartStarted = performance.now();
      await testenv(state, "restart-apiserver");
      const restartMs = performance.now() - restartStarted;
      // Rerun at once: the new server may still answer 429 "storage is
      // (re)initializing" with retryAfterSeconds, which draconctl waits for.
      const rerunStarted = performance.now();
      const rerun = await runProduct([...args, ...flags, "-o", "json"]);
      const rerunMs = performance.now() - rerunStarted;
      assert.equal(rerun.code, 0, rerun.stderr);
      const actions = (JSON.parse(rerun.stdout) as { changes: { action: string }[] }).changes
        .map((c) => c.action);
      const count = (action: string) => actions.filter((a) => a === action).length;
      const converged = await api.live(namespace);
      assert.equal(converged.tasks.length, 50);
      assert.deepEqual(converged.pipelines, ["dracon-fifty"]);
      figure(
        `kill: ${applied} Tasks applied before the kill, Pipeline skipped; API server restarted in ${
          Math.round(restartMs)
        } ms; rerun at once: exit 0 in ${Math.round(rerunMs)} ms, ${count("created")} created, ` +
          `${count("unchanged")} unchanged (of 51 objects)`,
      );
      // A Task in flight at the kill may have been stored without its answer arriving.
      assert.equal(count("created") + count("unchanged"), 51);
      assert.ok(count("created") <= 51 - applied, "the Tasks applied before were unchanged");
      api.close();
    } finally {
      await proxy?.close();
      await testenv(state, "down");
    }
  },
});

/** The environment's kubeconfig with the cluster's fields replaced, written to a temp file. */
async function kubeconfigWith(
  env: ClusterEnv,
  cluster: Record<string, string | boolean>,
): Promise<string> {
  return await editedKubeConfig(env.kubeconfigPath, (config) => {
    Object.assign(config.clusters[0]!.cluster, cluster);
    if (cluster["insecure-skip-tls-verify"]) {
      delete config.clusters[0]!.cluster["certificate-authority-data"];
    }
  });
}

async function apiServerOf(env: ClusterEnv): Promise<URL> {
  return new URL(String((await readKubeConfig(env.kubeconfigPath)).clusters[0]!.cluster.server));
}

clusterTest("a slow API server: --request-timeout is honoured, promptly", async (env) => {
  const api = await apiServerOf(env);
  const proxy = startLatencyProxy({
    target: { hostname: api.hostname, port: Number(api.port) },
    latencyMs: 500,
  });
  try {
    const kubeconfig = await kubeconfigWith(env, { server: `https://127.0.0.1:${proxy.port}` });
    const deploy = (...flags: string[]) =>
      runCli([
        "--kubeconfig",
        kubeconfig,
        "-n",
        env.namespace,
        "pipelines",
        "deploy",
        fixture("bad/cluster-slow-server"),
        "--load-restrictor",
        "none",
        ...flags,
      ], { cluster: realCluster() });
    let started = performance.now();
    const slow = await deploy("--request-timeout", "200ms");
    const timedOutMs = performance.now() - started;
    assert.equal(slow.code, 5, slow.stderr);
    assert.match(
      slow.stderr,
      new RegExp(`Cannot reach the API server "https://127.0.0.1:${proxy.port}": .*timed out`),
    );
    assert.match(slow.stderr, /--request-timeout/);
    assert.ok(timedOutMs < 3000, `failed after ${Math.round(timedOutMs)} ms`);
    assert.deepEqual(await live(env.kubectl, env.namespace), { tasks: [], pipelines: [] });

    started = performance.now();
    const patient = await deploy("--request-timeout", "10s");
    const patientMs = performance.now() - started;
    assert.equal(patient.code, 0, patient.stderr);
    figure(
      `slow server (+500 ms per round trip): --request-timeout 200ms → exit 5 after ${
        Math.round(timedOutMs)
      } ms; --request-timeout 10s → exit 0 after ${Math.round(patientMs)} ms`,
    );
  } finally {
    await proxy.close();
  }
}, CONNECTS_CLUSTER);

/** What the fault proxy should do with a request: answer it itself, or forward it. */
type Fault = (request: Request, url: URL) => Response | undefined;

/**
 * An HTTP proxy in front of the API server (forwarding over TLS with the
 * admin client certificate) that lets `fault` answer some requests.
 * Counts every PATCH by path.
 */
async function faultProxy(env: ClusterEnv, fault: Fault) {
  const { server: upstream, client } = await adminHttpClient(env.kubeconfigPath);
  const patches = new Map<string, number>();
  // Plain HTTP towards draconctl: an HTTPS Deno.serve negotiates HTTP/2, and a
  // GOAWAY at shutdown trips an assertion in Deno's node:http2 (nghttp2) client.
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      const url = new URL(request.url);
      if (request.method === "PATCH") {
        patches.set(
          url.pathname,
          (patches.get(url.pathname) ?? 0) + 1,
        );
      }
      const answer = fault(request, url);
      if (answer !== undefined) return answer;
      const target = new URL(url.pathname + url.search, upstream);
      const headers = new Headers(request.headers);
      headers.delete("host");
      const response = await fetch(target, {
        method: request.method,
        headers,
        body: request.body === null ? null : await request.arrayBuffer(),
        client,
      });
      return new Response(response.body, { status: response.status, headers: response.headers });
    },
  );
  const kubeconfig = await kubeconfigWith(env, {
    server: `http://127.0.0.1:${server.addr.port}`,
    "insecure-skip-tls-verify": true,
  });
  return {
    kubeconfig,
    patches,
    close: async () => {
      await server.shutdown();
      client.close();
    },
  };
}

function status(code: number, reason: string, message: string): Response {
  return Response.json(
    { kind: "Status", apiVersion: "v1", status: "Failure", code, reason, message },
    { status: code },
  );
}

/** Answers the first `times` PATCHes of Task `name` with `make()`, then forwards. */
function failPatches(name: string, times: number, make: () => Response): Fault {
  let left = times;
  return (request, url) => {
    if (request.method !== "PATCH" || !url.pathname.endsWith(`/tasks/${name}`)) return undefined;
    if (left <= 0) return undefined;
    left--;
    return make();
  };
}

clusterTest(
  "transient 429/5xx are retried with backoff a bounded number of times, a 4xx is not",
  async (env, t) => {
    const scenarios: {
      name: string;
      fault: Fault;
      exit: number;
      /** PATCH requests of tasks/git-clone: one apply (a new object needs no dry run), plus retries. */
      patches: number;
      minMs?: number;
      message?: RegExp;
    }[] = [
      {
        name: "503 twice, then success: retried after 200 and 400 ms",
        fault: failPatches("git-clone", 2, () => status(503, "ServiceUnavailable", "try later")),
        exit: 0,
        patches: 3,
        minMs: 600,
      },
      {
        name: "429 once, then success",
        fault: failPatches("git-clone", 1, () => status(429, "TooManyRequests", "slow down")),
        exit: 0,
        patches: 2,
        minMs: 200,
      },
      {
        name: "500 for ever: three tries, then the deploy stops before the Pipeline",
        fault: failPatches("git-clone", 1000, () => status(500, "InternalError", "etcd is sad")),
        exit: 5,
        patches: 3,
        message: /git-clone: HTTP 500 InternalError: etcd is sad/,
      },
      {
        name: "403 is not retried",
        fault: failPatches("git-clone", 1000, () =>
          status(
            403,
            "Forbidden",
            'tasks.tekton.dev "git-clone" is forbidden: User "x" cannot patch resource "tasks" in API group "tekton.dev"',
          )),
        exit: 5,
        patches: 1,
        message: /forbidden: user "x" cannot patch resource "tasks"/,
      },
      {
        name: "409 is not retried",
        fault: failPatches("git-clone", 1000, () => status(409, "Conflict", "the object changed")),
        exit: 5,
        patches: 1,
        message: /conflict/,
      },
    ];
    for (const s of scenarios) {
      await t.step(s.name, async () => {
        const namespace = uniqueNamespace("retry");
        await env.kubectl.createNamespace(namespace);
        const proxy = await faultProxy(env, s.fault);
        try {
          const started = performance.now();
          const result = await runCli([
            "--kubeconfig",
            proxy.kubeconfig,
            "-n",
            namespace,
            "pipelines",
            "deploy",
            fixture("bad/cluster-slow-server"),
            "--load-restrictor",
            "none",
          ], { cluster: realCluster() });
          const ms = performance.now() - started;
          assert.equal(result.code, s.exit, result.stderr);
          const path = [...proxy.patches.keys()].find((p) => p.endsWith("/tasks/git-clone"))!;
          assert.equal(proxy.patches.get(path), s.patches, "PATCH requests of git-clone");
          if (s.minMs !== undefined) assert.ok(ms >= s.minMs, `${Math.round(ms)} ms`);
          if (s.message) assert.match(result.stderr, s.message);
          const objects = await live(env.kubectl, namespace);
          assert.equal(objects.pipelines.length, s.exit === 0 ? 1 : 0);
          figure(
            `retry: ${s.name}: exit ${result.code}, ${s.patches} PATCHes, ${Math.round(ms)} ms`,
          );
        } finally {
          await proxy.close();
        }
      });
    }
  },
  CONNECTS_CLUSTER,
);
