/**
 * The request timeline of one cold deploy and one no-op of N synthetic Tasks
 * through the latency proxy: every request the API server's audit log saw
 * (received and answered, ms from the process's spawn) and every `-v` line
 * of draconctl (ms from the spawn, as read from its stderr).
 *
 * ```text
 * eval "$(DRACONCTL_TESTENV_STATE=/tmp/testenv-x scripts/testenv env)"
 * deno run -A bench/timeline.ts [--n 50] [--latency 50] [--runs 1]
 * ```
 *
 * Server times: a request left the client ~latency/2 before "received", its
 * answer arrived ~latency/2 after "answered".
 *
 * @module
 */
import { parseArgs } from "node:util";
import { PERMISSION_FLAGS } from "../scripts/permissions.ts";
import { startLatencyProxy } from "../scripts/latency_proxy.ts";

const REPO = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const { values } = parseArgs({
  args: Deno.args,
  options: { n: { type: "string" }, latency: { type: "string" }, runs: { type: "string" } },
});
const n = Number(values.n ?? 50);
const latency = Number(values.latency ?? 50);
const runs = Number(values.runs ?? 1);
const state = Deno.env.get("DRACONCTL_TESTENV_STATE");
if (!state) throw new Error("no test environment (DRACONCTL_TESTENV_STATE)");
const vars = Object.fromEntries(
  (await Deno.readTextFile(`${state}/env`)).trim().split("\n").map((l) => l.split(/=(.*)/s)),
) as Record<string, string>;
const apiPort = Number(vars.APISERVER_PORT);
const proxy = startLatencyProxy({
  target: { hostname: "127.0.0.1", port: apiPort },
  latencyMs: latency,
});
const work = await Deno.makeTempDir({ prefix: "draconctl-timeline-" });
const kc = `${work}/kubeconfig`;
await Deno.writeTextFile(
  kc,
  (await Deno.readTextFile(`${state}/kubeconfig`))
    .replace(/server: https:\/\/127\.0\.0\.1:\d+/, `server: https://127.0.0.1:${proxy.port}`),
);
const dir = `${work}/pipeline`;
await Deno.mkdir(`${dir}/tasks`, { recursive: true });
await Deno.copyFile(`${REPO}/../shared/dracon/components/base/task.yaml`, `${dir}/tasks/base.yaml`);
const components = ["tasks/base.yaml"];
for (let i = 1; i < n; i++) {
  await Deno.writeTextFile(
    `${dir}/tasks/p${i}.yaml`,
    `apiVersion: tekton.dev/v1beta1\nkind: Task\nmetadata:\n  name: producer-bench-${i}\n` +
      `  labels:\n    v1.dracon.ocurity.com/component: producer\nspec:\n  steps:\n` +
      `    - name: run\n      image: docker.io/busybox:1.36\n      script: echo producer ${i}\n`,
  );
  components.push(`tasks/p${i}.yaml`);
}
await Deno.writeTextFile(
  `${dir}/kustomization.yaml`,
  `nameSuffix: -bench\ncomponents:\n${components.map((c) => `  - ${c}\n`).join("")}`,
);
const audit = `${state}/logs/audit.log`;

async function run(ns: string, label: string): Promise<void> {
  const offset = (await Deno.stat(audit)).size;
  const t0 = Date.now();
  const child = new Deno.Command("deno", {
    args: [
      "run",
      "--quiet",
      ...PERMISSION_FLAGS,
      `${REPO}/main.ts`,
      "-v",
      "--kubeconfig",
      kc,
      "-n",
      ns,
      "pipelines",
      "deploy",
      dir,
    ],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  let rest = "";
  for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
    const at = Date.now() - t0;
    rest += chunk;
    const parts = rest.split("\n");
    rest = parts.pop()!;
    for (const line of parts) lines.push(`${String(at).padStart(5)} ms  -v  ${line.slice(0, 130)}`);
  }
  const status = await child.status;
  const end = Date.now() - t0;
  await new Promise((r) => setTimeout(r, 300)); // the audit log is written after the answer
  const file = await Deno.open(audit);
  await file.seek(offset, Deno.SeekMode.Start);
  const text = await new Response(file.readable).text();
  const rows: { at: number; line: string }[] = lines.map((line) => ({
    at: Number(line.slice(0, 5)),
    line,
  }));
  const byVerb = new Map<
    string,
    { count: number; first: number; last: number; done: number; codes: Set<number> }
  >();
  for (const raw of text.split("\n")) {
    if (!raw.trim()) continue;
    const e = JSON.parse(raw);
    if (e.user?.username !== "admin" || String(e.userAgent ?? "").includes("kubectl")) continue;
    const recv = Date.parse(e.requestReceivedTimestamp) - t0;
    const done = Date.parse(e.stageTimestamp) - t0;
    const uri = String(e.requestURI).replace(/\?.*/, "");
    const key = `${e.verb} ${uri.replace(/producer-bench-\d+|base-bench/, "<task>")}`;
    const g = byVerb.get(key);
    if (g) {
      g.count++;
      g.first = Math.min(g.first, recv);
      g.last = Math.max(g.last, recv);
      g.done = Math.max(g.done, done);
      g.codes.add(e.responseStatus?.code);
    } else {
      byVerb.set(key, {
        count: 1,
        first: recv,
        last: recv,
        done,
        codes: new Set([e.responseStatus?.code]),
      });
    }
  }
  for (const [key, g] of byVerb) {
    rows.push({
      at: g.first,
      line:
        `${
          String(g.first).padStart(5)
        } ms  req ${key} ×${g.count}: received ${g.first}–${g.last}, ` +
        `last answered ${g.done} ms (HTTP ${[...g.codes].join(", ")})`,
    });
  }
  rows.sort((a, b) => a.at - b.at);
  console.log(`\n## ${label} (N = ${n}, +${latency} ms): exit ${status.code}, ${end} ms`);
  for (const r of rows) console.log(r.line);
}

for (let i = 0; i < runs; i++) {
  const ns = `timeline-${Date.now().toString(36)}-${i}`;
  await new Deno.Command(`${vars.BIN_DIR}/kubectl`, {
    args: ["--kubeconfig", `${state}/kubeconfig`, "create", "namespace", ns],
    stdout: "null",
  }).output();
  await run(ns, "cold");
  await run(ns, "no-op");
}
console.log(`\nconnections through the proxy: ${proxy.stats.connections}`);
await proxy.close();
await Deno.remove(work, { recursive: true });
