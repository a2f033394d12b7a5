/**
 * SIGINT and SIGTERM during the write phase, on the real API server: the
 * product as it ships (`deno run` with the flags of scripts/permissions.ts)
 * deploys 50 Tasks one at a time through a 40 ms latency proxy, and is
 * signalled once some Tasks are on the server. It must finish the apply in
 * flight, start no other, never apply the Pipeline, print what it applied
 * and `interrupted`, and exit 130 (SIGINT) or 143 (SIGTERM).
 */
import assert from "node:assert/strict";
import { parse, stringify } from "yaml";
import { startLatencyProxy } from "../../scripts/latency_proxy.ts";
import { PERMISSION_FLAGS } from "../../scripts/permissions.ts";
import { nativeLister } from "./_dedicated.ts";
import { writePipeline } from "./_generate.ts";
import { clusterTest } from "./_testenv.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
  clusterTest(
    `${signal} during the Task phase: no Pipeline, what was applied is printed, exit ${code}`,
    async (env) => {
      const root = await Deno.makeTempDir({ prefix: "draconctl-interrupt-" });
      const producers = Array.from({ length: 48 }, (_, i) => `producer-int-${i}`);
      const dir = await writePipeline(root, "fifty", producers);
      const config = parse(await Deno.readTextFile(env.kubeconfigPath)) as {
        clusters: { cluster: { server: string } }[];
      };
      const server = new URL(config.clusters[0]!.cluster.server);
      const proxy = startLatencyProxy({
        target: { hostname: server.hostname, port: Number(server.port) },
        latencyMs: 40,
      });
      const api = await nativeLister(env.kubeconfigPath);
      try {
        config.clusters[0]!.cluster.server = `https://127.0.0.1:${proxy.port}`;
        const kubeconfig = `${root}/kubeconfig`;
        await Deno.writeTextFile(kubeconfig, stringify(config));
        const child = new Deno.Command("deno", {
          args: [
            "run",
            "--quiet",
            ...PERMISSION_FLAGS,
            "main.ts",
            "--kubeconfig",
            kubeconfig,
            "-n",
            env.namespace,
            "pipelines",
            "deploy",
            dir,
            "--load-restrictor",
            "none",
            "--concurrency",
            "1",
          ],
          cwd: ROOT,
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
        }).spawn();
        const output = child.output();
        let finished = false;
        output.finally(() => (finished = true)).catch(() => {});
        while (!finished && (await api.live(env.namespace)).tasks.length < 5) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        assert.ok(!finished, "the deploy ended before the signal: make it slower");
        child.kill(signal);
        const result = await output;
        const stdout = new TextDecoder().decode(result.stdout);
        const stderr = new TextDecoder().decode(result.stderr);
        assert.equal(result.code, code, stderr);
        assert.match(
          stderr,
          new RegExp(`^error: interrupted \\(${signal}\\): \\d+ of 50 Task\\(s\\) applied`, "m"),
        );
        assert.match(stdout, /pipeline\.tekton\.dev\/dracon-fifty skipped/);
        const live = await api.live(env.namespace);
        assert.deepEqual(live.pipelines, [], "the Pipeline is never applied");
        assert.ok(live.tasks.length < 50, `${live.tasks.length} Tasks applied`);
        // Every Task on the server is reported as applied, and no other.
        const reported = [...stdout.matchAll(/^task\.tekton\.dev\/(\S+) created$/gm)]
          .map((m) => m[1]!).sort();
        assert.deepEqual(reported, live.tasks);
      } finally {
        api.close();
        await proxy.close();
      }
    },
  );
}
