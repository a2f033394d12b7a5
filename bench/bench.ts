/**
 * `deno task bench`: draconctl against `kubectl apply --server-side` and
 * `helm install`/`upgrade`, on the running test environment
 * (`scripts/testenv up && eval "$(scripts/testenv env)"`), in the same run,
 * on the same API server, tools alternating run by run, at 0 ms and at 50 ms
 * of added round-trip time (an in-process {@link startLatencyProxy}).
 *
 * ```sh
 * deno task bench                  # N = 10, 50, 200; 5 repetitions; ~10 min on 2 cores
 * deno task bench --quick          # N = 10, 50; 3 repetitions
 * deno task bench --smoke          # N = 3, 1 repetition, 0 ms (what CI runs)
 * deno task bench --out bench/out  # results.md, results.json, deploy.svg
 * deno task bench --entry dist     # draconctl as the bundle (built first into dist/), not main.ts
 * ```
 *
 * Every timed run is wrapped in `/usr/bin/time` (CPU, peak RSS); requests
 * are counted from the API server's audit log (`logs/audit.log` in the state
 * dir), connections by the proxy. Medians, p90 and min per point.
 *
 * @module
 */
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { writeLocalCorpusPipelines } from "./corpus_pipelines.ts";
import { PERMISSION_FLAGS } from "../scripts/permissions.ts";
import { bundle, bundleRunArgs } from "../scripts/bundle.ts";
import { type LatencyProxy, startLatencyProxy } from "../scripts/latency_proxy.ts";
import {
  adminTls,
  type FloorParts,
  floors,
  measureConnection,
  measureConnectionFresh,
  type ScaleSeries,
  scaleSvg,
} from "./floor.ts";

const REPO = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const DRACON = `${REPO}/../shared/dracon`;
const TOOLS = ["draconctl", "kubectl", "helm"] as const;
type Tool = typeof TOOLS[number];

interface Config {
  ns: number[];
  reps: number;
  latencies: number[];
  out: string | undefined;
  smoke: boolean;
  /**
   * Scenarios to run (`--scenarios deploy,corpus,helm,multi,fleet,startup,package,floor`).
   * @default all but floor
   */
  scenarios: string[];
}

function parseArgs(args: string[]): Config {
  const value = (flag: string) => {
    const i = args.indexOf(flag);
    return i === -1 ? undefined : args[i + 1];
  };
  const smoke = args.includes("--smoke");
  const quick = args.includes("--quick");
  const list = (text: string | undefined) => text?.split(",").map(Number);
  return {
    ns: list(value("--n")) ?? (smoke ? [3] : quick ? [10, 50] : [10, 50, 200]),
    reps: Number(value("--reps") ?? (smoke ? 1 : quick ? 3 : 5)),
    latencies: list(value("--latencies")) ?? (smoke ? [0] : [0, 50]),
    out: value("--out") ?? (smoke ? undefined : `${REPO}/bench/out`),
    smoke,
    scenarios: value("--scenarios")?.split(",") ??
      ["deploy", "corpus", "helm", "multi", "fleet", "startup", "package"],
  };
}

// ------------------------------------------------------------ environment

interface Env {
  state: string;
  bin: string;
  apiPort: number;
  work: string;
  kubeconfigs: Map<number, string>;
  proxies: Map<number, LatencyProxy>;
  audit: string;
}

async function openEnv(config: Config): Promise<Env> {
  const state = Deno.env.get("DRACONCTL_TESTENV_STATE");
  if (!state) {
    throw new Error(
      'No test environment: run "scripts/testenv up && eval \\"$(scripts/testenv env)\\"" first',
    );
  }
  const vars = Object.fromEntries(
    (await Deno.readTextFile(`${state}/env`)).trim().split("\n").map((l) => l.split(/=(.*)/s)),
  ) as Record<string, string>;
  const apiPort = Number(vars.APISERVER_PORT);
  const work = await Deno.makeTempDir({ prefix: "draconctl-bench-" });
  const base = await Deno.readTextFile(`${state}/kubeconfig`);
  const kubeconfigs = new Map<number, string>();
  const proxies = new Map<number, LatencyProxy>();
  for (const latency of config.latencies) {
    let port = apiPort;
    if (latency > 0) {
      const proxy = startLatencyProxy({
        target: { hostname: "127.0.0.1", port: apiPort },
        latencyMs: latency,
      });
      proxies.set(latency, proxy);
      port = proxy.port;
    }
    const file = `${work}/kubeconfig-${latency}ms`;
    // Always the direct API server (or our proxy), even when testenv has its own proxy.
    await Deno.writeTextFile(
      file,
      base.replace(/server: https:\/\/127\.0\.0\.1:\d+/, `server: https://127.0.0.1:${port}`),
    );
    kubeconfigs.set(latency, file);
  }
  for (const dir of ["helm/cache", "helm/config", "helm/data", "kube-cache"]) {
    await Deno.mkdir(`${work}/${dir}`, { recursive: true });
  }
  return {
    state,
    bin: vars.BIN_DIR!,
    apiPort,
    work,
    kubeconfigs,
    proxies,
    audit: `${state}/logs/audit.log`,
  };
}

// ------------------------------------------------------------ running things

interface Sample {
  wallMs: number;
  userMs: number;
  sysMs: number;
  rssMb: number;
  requests: Record<string, number>;
  connections: number;
  stdout: string;
}

async function exec(env: Env, argv: string[], extraEnv: Record<string, string> = {}) {
  const output = await new Deno.Command(argv[0]!, {
    args: argv.slice(1),
    cwd: REPO,
    env: toolEnv(env, extraEnv),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  if (!output.success) {
    throw new Error(`${argv.join(" ")} failed (${output.code}):\n${decode(output.stderr)}`);
  }
  return decode(output.stdout);
}

function toolEnv(env: Env, extra: Record<string, string>): Record<string, string> {
  return {
    PATH: `${env.bin}/helm-v3:${env.bin}:${Deno.env.get("PATH")}`,
    HELM_CACHE_HOME: `${env.work}/helm/cache`,
    HELM_CONFIG_HOME: `${env.work}/helm/config`,
    HELM_DATA_HOME: `${env.work}/helm/data`,
    ...extra,
  };
}

/** Runs `argv` under /usr/bin/time; counts its requests in the audit log. */
async function measure(env: Env, latency: number, argv: string[]): Promise<Sample> {
  const timeFile = `${env.work}/time.txt`;
  const auditStart = await Deno.stat(env.audit).then((s) => s.size, () => -1);
  const proxy = env.proxies.get(latency);
  const connectionsStart = proxy?.stats.connections ?? 0;
  const start = performance.now();
  const stdout = await exec(env, ["/usr/bin/time", "-f", "%U %S %M", "-o", timeFile, ...argv]);
  const wallMs = performance.now() - start;
  const connections = (proxy?.stats.connections ?? 0) - connectionsStart;
  const [user, sys, rss] = (await Deno.readTextFile(timeFile)).trim().split("\n").at(-1)!
    .split(" ").map(Number);
  await new Promise((r) => setTimeout(r, 150)); // the audit log is written after the answer
  return {
    wallMs,
    userMs: user! * 1000,
    sysMs: sys! * 1000,
    rssMb: rss! / 1024,
    // An environment started before testenv had an audit log: no counts.
    requests: auditStart < 0 ? {} : await countRequests(env.audit, auditStart),
    connections,
    stdout,
  };
}

/** Requests by the admin identity since `offset`, by verb (`list`, `patch`, …). */
async function countRequests(audit: string, offset: number): Promise<Record<string, number>> {
  const file = await Deno.open(audit);
  try {
    await file.seek(offset, Deno.SeekMode.Start);
    const chunks: Uint8Array[] = [];
    for await (const chunk of file.readable) chunks.push(chunk);
    const text = new TextDecoder().decode(concat(chunks));
    const counts: Record<string, number> = {};
    for (const line of text.split("\n")) {
      if (!line.trim()) continue;
      const event = JSON.parse(line) as {
        verb: string;
        user: { username: string };
        requestURI: string;
        objectRef?: { resource?: string };
      };
      if (event.user.username !== "admin") continue;
      const dryRun = event.requestURI.includes("dryRun=All") ? " (dry run)" : "";
      const verb = `${event.verb} ${event.objectRef?.resource ?? "discovery"}${dryRun}`;
      counts[verb] = (counts[verb] ?? 0) + 1;
    }
    return counts;
  } catch (error) {
    if (error instanceof Deno.errors.BadResource) return {};
    throw error;
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let off = 0;
  for (const c of chunks) out.set(c, (off += c.length) - c.length);
  return out;
}

/** What draconctl runs as: `--entry sources` (main.ts, the default) or `--entry dist` (the bundle). */
const ENTRY = Deno.args.includes("--entry")
  ? Deno.args[Deno.args.indexOf("--entry") + 1]
  : "sources";
if (ENTRY !== "sources" && ENTRY !== "dist") throw new Error(`--entry "${ENTRY}": sources or dist`);
const draconctl = ENTRY === "dist"
  ? ["deno", ...bundleRunArgs(`${REPO}/dist`)]
  : ["deno", "run", "--quiet", ...PERMISSION_FLAGS, `${REPO}/main.ts`];

let nsCounter = 0;
async function createNamespace(env: Env, prefix: string): Promise<string> {
  const name = `bench-${prefix}-${Date.now().toString(36)}-${nsCounter++}`;
  await exec(env, [
    `${env.bin}/kubectl`,
    "--kubeconfig",
    env.kubeconfigs.get(0) ?? firstKc(env),
    "create",
    "namespace",
    name,
  ]);
  return name;
}

function firstKc(env: Env): string {
  return [...env.kubeconfigs.values()][0]!;
}

// ------------------------------------------------------------ fixtures

const PRODUCER = (i: number) =>
  `apiVersion: tekton.dev/v1beta1
kind: Task
metadata:
  name: producer-bench-${i}
  labels:
    v1.dracon.ocurity.com/component: producer
spec:
  steps:
    - name: run
      image: docker.io/busybox:1.36
      script: echo producer ${i}
`;

interface Fixture {
  n: number;
  /** Directory with kustomization.yaml and tasks/. */
  dir: string;
  /** More arguments of `pipelines deploy` (e.g. `--base-dir`). */
  args?: string[];
  /** The objects draconctl applies (from --dry-run), for kubectl. */
  objects: string;
  /** A chart holding exactly those objects, for helm. */
  chart: string;
  /** Appended to the scenario's name (e.g. ` --set`). */
  label?: string;
}

async function makeFixture(env: Env, n: number): Promise<Fixture> {
  const dir = `${env.work}/pipeline-${n}`;
  await Deno.mkdir(`${dir}/tasks`, { recursive: true });
  await Deno.copyFile(`${DRACON}/components/base/task.yaml`, `${dir}/tasks/base.yaml`);
  const components = ["tasks/base.yaml"];
  for (let i = 1; i < n; i++) {
    await Deno.writeTextFile(`${dir}/tasks/p${i}.yaml`, PRODUCER(i));
    components.push(`tasks/p${i}.yaml`);
  }
  await Deno.writeTextFile(
    `${dir}/kustomization.yaml`,
    stringifyYaml({ nameSuffix: "-bench", components }),
  );
  const yaml = await exec(env, [...draconctl, "pipelines", "deploy", dir, "--dry-run"]);
  if (yaml.includes("{{")) throw new Error("the generated objects hold Helm expressions");
  const objects = `${env.work}/objects-${n}.yaml`;
  await Deno.writeTextFile(objects, yaml);
  const chart = `${env.work}/chart-${n}`;
  await Deno.mkdir(`${chart}/templates`, { recursive: true });
  await Deno.writeTextFile(
    `${chart}/Chart.yaml`,
    `apiVersion: v2\nname: bench-${n}\nversion: 0.1.0\n`,
  );
  await Deno.writeTextFile(`${chart}/templates/objects.yaml`, yaml);
  return { n, dir, objects, chart };
}

// ------------------------------------------------------------ scenarios

type Phase = "cold" | "redeploy";
interface Point {
  scenario: string;
  n: number;
  latency: number;
  tool: string;
  samples: Sample[];
}

function commandFor(tool: Tool, phase: Phase, fx: Fixture, kc: string, ns: string): string[] {
  switch (tool) {
    case "draconctl":
      return [
        ...draconctl,
        "--kubeconfig",
        kc,
        "-n",
        ns,
        "pipelines",
        "deploy",
        fx.dir,
        ...fx.args ?? [],
      ];
    case "kubectl":
      return kubectlApply(kc, ns, fx.objects);
    case "helm":
      return [
        "helm",
        phase === "cold" ? "install" : "upgrade",
        "bench",
        fx.chart,
        "--kubeconfig",
        kc,
        "-n",
        ns,
      ];
  }
}

/** `kubectl apply --server-side` of a file of objects: what draconctl is compared with. */
function kubectlApply(kc: string, ns: string, file: string): string[] {
  return ["kubectl", "--kubeconfig", kc, "apply", "--server-side", "-n", ns, "-f", file];
}

function checkDraconctl(sample: Sample, phase: Phase, n: number): void {
  // One `<subject> <action>` line per object; the summary line last (`N objects: …`) is not one.
  const actions = sample.stdout.trim().split("\n").filter((l) => !/^\d+ objects?: /.test(l))
    .map((l) => l.split(" ").at(-1));
  const want = phase === "cold" ? "created" : "unchanged";
  if (actions.length !== n + 1 || actions.some((a) => a !== want)) {
    throw new Error(`draconctl ${phase}: expected ${n + 1} "${want}", got:\n${sample.stdout}`);
  }
  const writes = Object.entries(sample.requests)
    .filter(([verb]) => /^(patch|create|update)\b/.test(verb) && !verb.includes("dry run"))
    .reduce((n, [, count]) => n + count, 0);
  if (phase === "redeploy" && writes > 0) {
    throw new Error(
      `draconctl redeploy sent ${writes} write(s): ${JSON.stringify(sample.requests)}`,
    );
  }
}

/** Deploy cold and redeploy, N objects, every tool, alternating. */
async function deployScenario(env: Env, config: Config, points: Point[]): Promise<void> {
  const fixtures: Fixture[] = [];
  for (const n of config.ns) fixtures.push(await makeFixture(env, n));
  await alternate(env, config, points, fixtures, TOOLS, "");
}

/**
 * The user's real flow: the corpus pipeline `golang-project` (9 Tasks, most
 * holding Helm expressions), against kubectl applying the objects its dry run
 * prints, alternating. ` --set` also deploys it with a value, which renders
 * through helm.
 */
async function corpusScenario(env: Env, config: Config, points: Point[]): Promise<void> {
  const dir = `${REPO}/fixtures/pipelines/golang-project`;
  const fixtures: Fixture[] = [];
  for (const [label, extra] of [["", []], [" --set", ["--set", "image.tag=bench"]]] as const) {
    const args = ["--base-dir", DRACON, ...extra];
    const yaml = await exec(env, [...draconctl, "pipelines", "deploy", dir, ...args, "--dry-run"]);
    if (yaml.includes("{{")) throw new Error("the rendered corpus objects hold Helm expressions");
    const objects = `${env.work}/objects-golang-project${label.trim()}.yaml`;
    await Deno.writeTextFile(objects, yaml);
    const n = yaml.split("\n").filter((l) => l === "kind: Task").length;
    fixtures.push({ n, dir, args, objects, chart: "", label });
  }
  await alternate(env, config, points, fixtures, ["draconctl", "kubectl"], "golang-project");
}

/** Cold then no-op, each fixture, each latency, `tools` in turn (rotating each repetition). */
async function alternate(
  env: Env,
  config: Config,
  points: Point[],
  fixtures: readonly Fixture[],
  tools: readonly Tool[],
  name: string,
): Promise<void> {
  for (const latency of config.latencies) {
    const kc = env.kubeconfigs.get(latency)!;
    // Warm-up (not counted): Deno's module cache, kubectl's discovery cache for this URL.
    const warm = fixtures[0]!;
    for (const tool of tools) {
      const ns = await createNamespace(env, "warm");
      for (const phase of ["cold", "redeploy"] as const) {
        await measure(env, latency, commandFor(tool, phase, warm, kc, ns));
      }
    }
    for (const fx of fixtures) {
      const n = fx.n;
      const at = (tool: Tool, phase: Phase) => {
        const scenario = `${name ? `${name}${fx.label ?? ""}: ` : ""}${
          phase === "cold" ? "deploy (cold)" : "redeploy (no change)"
        }`;
        let p = points.find((p) =>
          p.scenario === scenario && p.n === n && p.latency === latency && p.tool === tool
        );
        if (p === undefined) points.push(p = { scenario, n, latency, tool, samples: [] });
        return p;
      };
      for (let rep = 0; rep < config.reps; rep++) {
        const order = tools.map((_, i) => tools[(i + rep) % tools.length]!);
        for (const tool of order) {
          const ns = await createNamespace(env, tool.slice(0, 4));
          for (const phase of ["cold", "redeploy"] as const) {
            const sample = await measure(env, latency, commandFor(tool, phase, fx, kc, ns));
            if (tool === "draconctl") checkDraconctl(sample, phase, n);
            at(tool, phase).samples.push(sample);
          }
        }
        log(`${name || "N"}${fx.label ?? ""} N=${n} ${latency}ms rep ${rep + 1}/${config.reps}`);
      }
    }
  }
}

/**
 * draconctl alone against its round-trip floor (bench/floor.ts), cold and
 * no-op, for each N and latency; the floor's parts are measured in each
 * repetition, interleaved with the deploys, and `kubectl version --client` as
 * a marker of the machine's load. Points: `floor: …` scenarios, tool
 * `draconctl`, `floor` (the floor of that repetition) and `kubectl version`.
 */
async function floorScenario(env: Env, config: Config, points: Point[]): Promise<void> {
  const tls = adminTls(await Deno.readTextFile(`${env.state}/kubeconfig`));
  const at = (scenario: string, n: number, latency: number, tool: string) => {
    let p = points.find((p) =>
      p.scenario === scenario && p.n === n && p.latency === latency && p.tool === tool
    );
    if (p === undefined) points.push(p = { scenario, n, latency, tool, samples: [] });
    return p;
  };
  const wallOnly = (wallMs: number): Sample => ({
    wallMs,
    userMs: 0,
    sysMs: 0,
    rssMb: 0,
    requests: {},
    connections: 0,
    stdout: "",
  });
  for (const n of config.ns) {
    const fx = await makeFixture(env, n);
    for (const latency of config.latencies) {
      const kc = env.kubeconfigs.get(latency)!;
      const port = env.proxies.get(latency)?.port ?? env.apiPort;
      const warm = await createNamespace(env, "fwarm");
      await measure(env, latency, commandFor("draconctl", "cold", fx, kc, warm));
      for (let rep = 0; rep < config.reps; rep++) {
        const started = performance.now();
        // `--verbose` keeps it off the help fast path (src/cli/help_only.ts): the command tree loads.
        await exec(env, [...draconctl, "pipelines", "deploy", "--verbose", "--help"]);
        const startMs = performance.now() - started;
        const server = `https://127.0.0.1:${port}`;
        // The floor's TLS is a fresh process's (as a deploy's); the warm one is logged beside it.
        const connection = await measureConnectionFresh(server, `${env.state}/kubeconfig`);
        const warm = await measureConnection(server, tls);
        const parts: FloorParts = { startMs, ...connection };
        const floor = floors(parts);
        const kubectl = await measure(env, latency, [`${env.bin}/kubectl`, "version", "--client"]);
        const ns = await createNamespace(env, "floor");
        for (const phase of ["cold", "redeploy"] as const) {
          const scenario = `floor: ${phase === "cold" ? "deploy (cold)" : "redeploy (no change)"}`;
          const sample = await measure(env, latency, commandFor("draconctl", phase, fx, kc, ns));
          checkDraconctl(sample, phase, n);
          at(scenario, n, latency, "draconctl").samples.push(sample);
          at(scenario, n, latency, "floor").samples.push(
            wallOnly(phase === "cold" ? floor.coldMs : floor.noopMs),
          );
          at(scenario, n, latency, "kubectl version").samples.push(kubectl);
        }
        log(
          `floor N=${n} ${latency}ms rep ${rep + 1}/${config.reps}: start ${
            startMs.toFixed(0)
          } ms, TLS ${connection.tlsMs.toFixed(0)} ms (in the bench process: ${
            warm.tlsMs.toFixed(0)
          } ms), round ${connection.roundMs.toFixed(0)} ms`,
        );
      }
    }
  }
}

/** The cold-deploy medians of the floor scenario against N, with fitted lines. */
function floorSvg(summaries: Summary[]): string | undefined {
  const colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"];
  const series: ScaleSeries[] = [];
  const latencies = [...new Set(summaries.map((s) => s.latency))].sort((a, b) => b - a);
  for (const latency of latencies) {
    for (const tool of ["draconctl", "floor"]) {
      const rows = summaries.filter((s) =>
        s.scenario === "floor: deploy (cold)" && s.tool === tool && s.latency === latency
      );
      if (rows.length < 2) continue;
      series.push({
        label: `${tool === "floor" ? "floor" : "draconctl cold"}, +${latency} ms`,
        color: colors[series.length % colors.length]!,
        points: rows.map((r) => ({ n: r.n, ms: r.medianMs })),
        dashed: tool === "floor",
      });
    }
  }
  if (series.length === 0) return undefined;
  return scaleSvg("cold deploy: median wall time against N (dashed: the round-trip floor)", series);
}

/** N helm:// references into one release: one LIST, whatever N. */
async function helmScenario(env: Env, config: Config, points: Point[]): Promise<void> {
  const max = Math.max(...config.ns);
  const chart = `${env.work}/helm-tasks`;
  await Deno.mkdir(`${chart}/templates`, { recursive: true });
  await Deno.writeTextFile(
    `${chart}/Chart.yaml`,
    "apiVersion: v2\nname: bench-tasks\nversion: 0.1.0\n",
  );
  const labels = "    app.kubernetes.io/managed-by: {{ .Release.Service }}\n" +
    "    app.kubernetes.io/instance: {{ .Release.Name }}\n";
  const base = (await Deno.readTextFile(`${DRACON}/components/base/task.yaml`))
    .replace("\n  labels:\n", `\n  labels:\n${labels}`);
  const producers = Array.from(
    { length: max - 1 },
    (_, i) => PRODUCER(i + 1).replace("\n  labels:\n", `\n  labels:\n${labels}`),
  );
  await Deno.writeTextFile(`${chart}/templates/tasks.yaml`, [base, ...producers].join("\n---\n"));
  const ns = await createNamespace(env, "helmref");
  await exec(env, [
    "helm",
    "install",
    "bench-tasks",
    chart,
    "--kubeconfig",
    firstKc(env),
    "-n",
    ns,
  ]);
  for (const n of config.ns) {
    const dir = `${env.work}/helm-refs-${n}`;
    await Deno.mkdir(dir, { recursive: true });
    const refs = ["helm://bench-tasks/base"];
    for (let i = 1; i < n; i++) refs.push(`helm://bench-tasks/producer-bench-${i}`);
    await Deno.writeTextFile(
      `${dir}/kustomization.yaml`,
      stringifyYaml({ nameSuffix: `-helm-${n}`, components: refs }),
    );
    for (const latency of config.latencies) {
      const kc = env.kubeconfigs.get(latency)!;
      const argv = [...draconctl, "--kubeconfig", kc, "-n", ns, "pipelines", "deploy", dir];
      await measure(env, latency, argv); // creates the Pipeline; the timed runs find it unchanged
      const point: Point = {
        scenario: "helm:// resolution",
        n,
        latency,
        tool: "draconctl",
        samples: [],
      };
      for (let rep = 0; rep < config.reps; rep++) {
        const sample = await measure(env, latency, argv);
        checkDraconctl(
          { ...sample, stdout: sample.stdout.trim() + "\n" + "x unchanged\n".repeat(n) },
          "redeploy",
          n,
        );
        point.samples.push(sample);
      }
      points.push(point);
    }
  }
}

// ------------------------------------------------------------ many pipelines, fleets (issue 18)

/** Consecutive runs as one: wall, CPU and requests summed, RSS the peak. */
function sumSamples(samples: readonly Sample[]): Sample {
  const requests: Record<string, number> = {};
  for (const s of samples) {
    for (const [verb, n] of Object.entries(s.requests)) requests[verb] = (requests[verb] ?? 0) + n;
  }
  const sum = (f: (s: Sample) => number) => samples.reduce((n, s) => n + f(s), 0);
  return {
    wallMs: sum((s) => s.wallMs),
    userMs: sum((s) => s.userMs),
    sysMs: sum((s) => s.sysMs),
    rssMb: Math.max(...samples.map((s) => s.rssMb)),
    requests,
    connections: sum((s) => s.connections),
    stdout: samples.map((s) => s.stdout).join(""),
  };
}

const MULTI_LINE =
  /^19 pipelines: 19 deployed, 0 failed; (\d+) objects: (\d+) created, (\d+) configured/m;

/** A run of the 19 pipelines: all deployed; cold creates every object, a redeploy writes nothing. */
function checkMulti(sample: Sample, phase: Phase, prefix = ""): void {
  const lines = sample.stdout.split("\n").filter((l) => l.startsWith(prefix));
  const match = MULTI_LINE.exec(lines.map((l) => l.slice(prefix.length)).join("\n"));
  const [objects, created, configured] = (match ?? []).slice(1).map(Number);
  const ok = match !== null &&
    (phase === "cold" ? created === objects : created === 0 && configured === 0);
  if (!ok) throw new Error(`draconctl ${phase} of the 19 pipelines:\n${sample.stdout}`);
  const writes = Object.entries(sample.requests)
    .filter(([verb]) => /^(patch|create|update)\b/.test(verb) && !verb.includes("dry run"))
    .reduce((n, [, count]) => n + count, 0);
  if (phase === "redeploy" && writes > 0) {
    throw new Error(`redeploy sent ${writes} write(s): ${JSON.stringify(sample.requests)}`);
  }
}

/** The corpus's 19 example pipelines with local components, and what kubectl applies for them. */
async function corpusPipelines(
  env: Env,
): Promise<{ root: string; dirs: string[]; objects: string }> {
  const root = `${env.work}/corpus-local`;
  const dirs = await writeLocalCorpusPipelines(root);
  const yaml = await exec(env, [
    ...draconctl,
    "pipelines",
    "deploy",
    root,
    "--base-dir",
    DRACON,
    "--dry-run",
  ]);
  if (yaml.includes("{{")) throw new Error("the rendered corpus objects hold Helm expressions");
  const objects = `${env.work}/objects-corpus-19.yaml`;
  await Deno.writeTextFile(objects, yaml);
  return { root, dirs, objects };
}

/**
 * All 19 corpus example pipelines (local components: 34 distinct Tasks for
 * 152 references) in one run, against 19 runs one after the other and
 * against one `kubectl apply --server-side` of the same objects (those the
 * one run's `--dry-run` prints), alternating, fresh namespaces.
 */
async function multiScenario(env: Env, config: Config, points: Point[]): Promise<void> {
  const { root, dirs, objects } = await corpusPipelines(env);
  const variants = ["draconctl", "draconctl ×19", "kubectl"] as const;
  const run = async (
    variant: typeof variants[number],
    phase: Phase,
    kc: string,
    ns: string,
    latency: number,
  ) => {
    const deploy = (
      path: string,
    ) => [
      ...draconctl,
      "--kubeconfig",
      kc,
      "-n",
      ns,
      "pipelines",
      "deploy",
      path,
      "--base-dir",
      DRACON,
    ];
    if (variant === "draconctl") {
      const sample = await measure(env, latency, deploy(root));
      checkMulti(sample, phase);
      return sample;
    }
    if (variant === "kubectl") {
      return await measure(env, latency, kubectlApply(kc, ns, objects));
    }
    const samples: Sample[] = [];
    for (const dir of dirs) samples.push(await measure(env, latency, deploy(dir)));
    return sumSamples(samples);
  };
  for (const latency of config.latencies) {
    const kc = env.kubeconfigs.get(latency)!;
    const warm = await createNamespace(env, "warm");
    for (const phase of ["cold", "redeploy"] as const) {
      await run("draconctl", phase, kc, warm, latency);
    }
    for (let rep = 0; rep < config.reps; rep++) {
      for (const variant of variants.map((_, i) => variants[(i + rep) % variants.length]!)) {
        const ns = await createNamespace(env, "multi");
        for (const phase of ["cold", "redeploy"] as const) {
          const sample = await run(variant, phase, kc, ns, latency);
          pointFor(points, `19 corpus pipelines: ${phaseName(phase)}`, 19, latency, variant)
            .samples.push(sample);
        }
      }
      log(`19 pipelines ${latency}ms rep ${rep + 1}/${config.reps}`);
    }
  }
}

/**
 * A second test environment for `fleet-b` (`DRACONCTL_TESTENV_SECOND=<state dir>`,
 * started like the first): its kubeconfig, and its API server's port per
 * latency (a latency proxy of its own above 0 ms).
 */
interface Second {
  kubeconfig: string;
  ports: Map<number, number>;
  proxies: LatencyProxy[];
}

async function openSecond(config: Config): Promise<Second | undefined> {
  const state = Deno.env.get("DRACONCTL_TESTENV_SECOND");
  if (!state) return undefined;
  const port = Number(/^APISERVER_PORT=(\d+)$/m.exec(await Deno.readTextFile(`${state}/env`))![1]);
  const second: Second = { kubeconfig: `${state}/kubeconfig`, ports: new Map(), proxies: [] };
  for (const latency of config.latencies) {
    if (latency === 0) second.ports.set(0, port);
    else {
      const proxy = startLatencyProxy({
        target: { hostname: "127.0.0.1", port },
        latencyMs: latency,
      });
      second.proxies.push(proxy);
      second.ports.set(latency, proxy.port);
    }
  }
  return second;
}

/**
 * The kubeconfig for `latency` with contexts `fleet-a` and `fleet-b` on
 * `namespaces`: both on this environment's API server, or `fleet-b` on the
 * {@link Second} one.
 */
async function fleetKubeconfig(
  env: Env,
  latency: number,
  namespaces: readonly string[],
  second?: Second,
): Promise<string> {
  type File = {
    clusters: { name: string; cluster: Record<string, unknown> }[];
    users: { name: string }[];
    contexts: { name: string; context: Record<string, unknown> }[];
  };
  const config = parseYaml(await Deno.readTextFile(env.kubeconfigs.get(latency)!)) as File;
  const targets = [{ cluster: config.clusters[0]!.name, user: "admin" }];
  if (second) {
    const other = parseYaml(await Deno.readTextFile(second.kubeconfig)) as File;
    const cluster = other.clusters[0]!;
    config.clusters.push({
      name: "second",
      cluster: {
        ...cluster.cluster,
        server: `https://127.0.0.1:${second.ports.get(latency)}`,
      },
    });
    config.users.push({ ...other.users.find((u) => u.name === "admin")!, name: "second-admin" });
    targets.push({ cluster: "second", user: "second-admin" });
  }
  namespaces.forEach((namespace, i) =>
    config.contexts.push({
      name: `fleet-${"ab"[i]}`,
      context: { ...(targets[i] ?? targets[0]!), namespace },
    })
  );
  const file = `${env.work}/kubeconfig-fleet-${latency}ms-${namespaces.join("-")}`;
  await Deno.writeTextFile(file, stringifyYaml(config));
  return file;
}

/**
 * The 19 pipelines to two contexts (`--context fleet-a,fleet-b`: two
 * namespaces of the one API server, a connection each) against one context,
 * and against two runs one after the other, alternating.
 */
async function fleetScenario(env: Env, config: Config, points: Point[]): Promise<void> {
  const { root } = await corpusPipelines(env);
  const second = await openSecond(config);
  const servers = second ? "2 API servers" : "1 API server";
  const variants = ["1 context", "2 contexts", "2 runs, one per context"] as const;
  const deploy = (
    kc: string,
    contexts: string,
  ) => [
    ...draconctl,
    "--kubeconfig",
    kc,
    "--context",
    contexts,
    "pipelines",
    "deploy",
    root,
    "--base-dir",
    DRACON,
  ];
  for (const latency of config.latencies) {
    for (let rep = -1; rep < config.reps; rep++) { // rep -1: warm-up, not counted
      for (
        const variant of variants.map((_, i) => variants[(i + Math.max(rep, 0)) % variants.length]!)
      ) {
        const b = await createNamespace(env, "fleet");
        if (second) {
          await exec(env, [
            `${env.bin}/kubectl`,
            "--kubeconfig",
            second.kubeconfig,
            "create",
            "namespace",
            b,
          ]);
        }
        const kc = await fleetKubeconfig(
          env,
          latency,
          [await createNamespace(env, "fleet"), b],
          second,
        );
        for (const phase of ["cold", "redeploy"] as const) {
          let sample: Sample;
          if (variant === "1 context") {
            sample = await measure(env, latency, deploy(kc, "fleet-a"));
            checkMulti(sample, phase);
          } else if (variant === "2 contexts") {
            sample = await measure(env, latency, deploy(kc, "fleet-a,fleet-b"));
            for (const c of ["fleet-a: ", "fleet-b: "]) checkMulti(sample, phase, c);
          } else {
            const runs = [];
            for (const c of ["fleet-a", "fleet-b"]) {
              runs.push(await measure(env, latency, deploy(kc, c)));
            }
            for (const r of runs) checkMulti(r, phase);
            sample = sumSamples(runs);
          }
          if (rep >= 0) {
            pointFor(
              points,
              `fleet (${servers}), 19 pipelines: ${phaseName(phase)}`,
              19,
              latency,
              variant,
            )
              .samples.push(sample);
          }
        }
      }
      if (rep >= 0) log(`fleet (${servers}) ${latency}ms rep ${rep + 1}/${config.reps}`);
    }
  }
  for (const proxy of second?.proxies ?? []) await proxy.close();
}

function phaseName(phase: Phase): string {
  return phase === "cold" ? "deploy (cold)" : "redeploy (no change)";
}

function pointFor(
  points: Point[],
  scenario: string,
  n: number,
  latency: number,
  tool: string,
): Point {
  let p = points.find((p) =>
    p.scenario === scenario && p.n === n && p.latency === latency && p.tool === tool
  );
  if (p === undefined) points.push(p = { scenario, n, latency, tool, samples: [] });
  return p;
}

interface Startup {
  command: string;
  medianMs: number;
  minMs: number;
}

async function startupScenario(env: Env, config: Config): Promise<Startup[]> {
  const commands = [
    [...draconctl, "--help"],
    [...draconctl, "--version"],
    [`${env.bin}/kubectl`, "version", "--client"],
    [`${env.bin}/helm3`, "version"],
  ].map((argv) => argv.join(" "));
  const json = `${env.work}/hyperfine.json`;
  await exec(env, [
    "hyperfine",
    "-N",
    "--warmup",
    "3",
    "--runs",
    String(Math.max(10, config.reps * 4)),
    "--export-json",
    json,
    ...commands,
  ]);
  const result = JSON.parse(await Deno.readTextFile(json)) as {
    results: { command: string; median: number; min: number }[];
  };
  return result.results.map((r) => ({
    command: r.command.replace(draconctl.join(" "), "draconctl").replace(`${env.bin}/`, ""),
    medianMs: r.median * 1000,
    minMs: r.min * 1000,
  }));
}

/** `components package` of the corpus vs `helm package` of the same chart directory. */
async function packageScenario(env: Env, config: Config, points: Point[]): Promise<void> {
  const out = `${env.work}/package`;
  await Deno.mkdir(out, { recursive: true });
  const ours = [
    ...draconctl,
    "components",
    "package",
    `${DRACON}/components`,
    "--name",
    "dracon-components",
    "--output-dir",
    out,
  ];
  const archive = (await exec(env, ours)).trim().split("\n")[0]!;
  const chartDir = `${env.work}/package-chart`;
  await Deno.mkdir(chartDir, { recursive: true });
  await exec(env, ["tar", "-xzf", archive, "-C", chartDir]);
  const helm = ["helm", "package", `${chartDir}/dracon-components`, "-d", `${out}/helm`];
  const a: Point = {
    scenario: "package 48 Tasks",
    n: 48,
    latency: 0,
    tool: "draconctl",
    samples: [],
  };
  const b: Point = { ...a, tool: "helm", samples: [] };
  for (let rep = 0; rep < config.reps; rep++) {
    for (
      const [point, argv] of rep % 2
        ? [[b, helm], [a, ours]] as const
        : [[a, ours], [b, helm]] as const
    ) {
      point.samples.push(await measure(env, 0, argv));
    }
  }
  points.push(a, b);
}

// ------------------------------------------------------------ statistics and report

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
}
const median = (v: number[]) => {
  const s = [...v].sort((x, y) => x - y);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

interface Summary {
  scenario: string;
  n: number;
  latency: number;
  tool: string;
  medianMs: number;
  p90Ms: number;
  minMs: number;
  cpuMs: number;
  rssMb: number;
  requests: string;
  requestCount: number;
  connections: number;
}

function summarize(points: Point[]): Summary[] {
  return points.map((p) => {
    const wall = p.samples.map((s) => s.wallMs);
    const typical = p.samples[0]!.requests;
    return {
      scenario: p.scenario,
      n: p.n,
      latency: p.latency,
      tool: p.tool,
      medianMs: median(wall),
      p90Ms: quantile(wall, 0.9),
      minMs: Math.min(...wall),
      cpuMs: median(p.samples.map((s) => s.userMs + s.sysMs)),
      rssMb: median(p.samples.map((s) => s.rssMb)),
      requests: Object.entries(typical).sort().map(([k, v]) => `${k} ${v}`).join(", "),
      requestCount: median(
        p.samples.map((s) => Object.values(s.requests).reduce((a, b) => a + b, 0)),
      ),
      connections: median(p.samples.map((s) => s.connections)),
    };
  });
}

const fmt = (ms: number) => ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;

function report(summaries: Summary[], startup: Startup[]): string {
  const lines: string[] = [];
  const scenarios = [...new Set(summaries.map((s) => s.scenario))];
  for (const scenario of scenarios) {
    const rows = summaries.filter((s) => s.scenario === scenario);
    lines.push(`### ${scenario}`, "");
    lines.push(
      `| N | latency | tool | median | p90 | min | ratio vs ${
        scenario.startsWith("floor") ? "floor" : "kubectl"
      } | ratio vs helm | CPU (user+sys) | peak RSS | requests (first run, by verb) | connections |`,
      "| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
    );
    for (const r of rows) {
      const peer = (tool: string) =>
        rows.find((o) => o.n === r.n && o.latency === r.latency && o.tool === tool);
      const ratio = (tool: string) => {
        const o = peer(tool);
        return o && r.tool === "draconctl" && o !== r
          ? `${(r.medianMs / o.medianMs).toFixed(2)}×`
          : "";
      };
      lines.push(
        `| ${r.n} | ${r.latency} ms | ${r.tool} | ${fmt(r.medianMs)} | ${fmt(r.p90Ms)} | ${
          fmt(r.minMs)
        } | ${ratio(scenario.startsWith("floor") ? "floor" : "kubectl")} | ${ratio("helm")} | ${
          fmt(r.cpuMs)
        } | ${r.rssMb.toFixed(0)} MB | ${r.requests} | ${r.latency > 0 ? r.connections : ""} |`,
      );
    }
    lines.push("");
  }
  if (startup.length > 0) {
    lines.push(
      "### start-up (hyperfine)",
      "",
      "| command | median | min |",
      "| --- | ---: | ---: |",
    );
    for (const s of startup) {
      lines.push(`| \`${s.command}\` | ${fmt(s.medianMs)} | ${fmt(s.minMs)} |`);
    }
    lines.push("");
  }
  lines.push(...targets(summaries, startup));
  return lines.join("\n") + "\n";
}

function targets(summaries: Summary[], startup: Startup[]): string[] {
  const lines = ["### targets", "", "| target | measured | met |", "| --- | ---: | --- |"];
  const ratio = (scenario: string, n: number, latency: number) => {
    const get = (tool: string) =>
      summaries.find((s) =>
        s.scenario === scenario && s.n === n && s.latency === latency && s.tool === tool
      );
    const a = get("draconctl"), b = get("kubectl");
    return a && b ? a.medianMs / b.medianMs : undefined;
  };
  const row = (what: string, value: number | undefined, limit: number, unit: string) => {
    if (value === undefined) return;
    const shown = unit === "×" ? `${value.toFixed(2)}×` : `${value.toFixed(0)} ${unit}`;
    lines.push(`| ${what} | ${shown} | ${value <= limit ? "yes" : "**no**"} |`);
  };
  row("deploy cold, N=50, 50 ms: ≤ 0.3× kubectl", ratio("deploy (cold)", 50, 50), 0.3, "×");
  row("deploy cold, N=50, 0 ms: ≤ 1.0× kubectl", ratio("deploy (cold)", 50, 0), 1.0, "×");
  row("redeploy, N=50, 50 ms: ≤ 0.2× kubectl", ratio("redeploy (no change)", 50, 50), 0.2, "×");
  row("redeploy, N=50, 0 ms: ≤ 1.0× kubectl", ratio("redeploy (no change)", 50, 0), 1.0, "×");
  for (const [phase, limit] of [["deploy (cold)", 200], ["redeploy (no change)", 150]] as const) {
    const s = summaries.find((s) =>
      s.scenario === `golang-project: ${phase}` && s.latency === 0 && s.tool === "draconctl"
    );
    row(`golang-project ${phase}, 0 ms: ≤ ${limit} ms`, s?.medianMs, limit, "ms");
  }
  const floorOf = (phase: string, n: number, latency: number, tool: string) =>
    summaries.find((s) =>
      s.scenario === `floor: ${phase}` && s.n === n && s.latency === latency && s.tool === tool
    );
  for (const [phase, limit] of [["deploy (cold)", 1.3], ["redeploy (no change)", 1.2]] as const) {
    for (const latency of [...new Set(summaries.map((s) => s.latency))].filter((l) => l > 0)) {
      const a = floorOf(phase, 50, latency, "draconctl"), b = floorOf(phase, 50, latency, "floor");
      if (a && b) {
        row(
          `${phase}, N=50, ${latency} ms: ≤ ${limit}× floor`,
          a.medianMs / b.medianMs,
          limit,
          "×",
        );
      }
    }
  }
  const thousand = floorOf("deploy (cold)", 1000, 50, "draconctl");
  row("deploy cold, N=1000, 50 ms: ≤ 3 s", thousand?.medianMs, 3000, "ms");
  row("peak RSS, N=1000 cold deploy: ≤ 150 MB", thousand?.rssMb, 150, "MB");
  for (const s of startup.filter((s) => s.command.startsWith("draconctl"))) {
    row(`\`${s.command}\` ≤ 150 ms median`, s.medianMs, 150, "ms");
  }
  const big = summaries.filter((s) => s.tool === "draconctl" && s.scenario === "deploy (cold)")
    .sort((a, b) => b.n - a.n)[0];
  if (big) row(`peak RSS, ${big.n}-Task deploy ≤ 150 MB`, big.rssMb, 150, "MB");
  for (const latency of [...new Set(summaries.map((s) => s.latency))]) {
    for (const phase of ["deploy (cold)", "redeploy (no change)"]) {
      const get = (scenario: string, tool: string) =>
        summaries.find((s) => s.scenario === scenario && s.latency === latency && s.tool === tool);
      const one = get(`19 corpus pipelines: ${phase}`, "draconctl");
      const many = get(`19 corpus pipelines: ${phase}`, "draconctl ×19");
      if (one && many) {
        row(
          `19 pipelines in one run, ${phase}, ${latency} ms: ≤ 0.5× 19 runs`,
          one.medianMs / many.medianMs,
          0.5,
          "×",
        );
      }
      for (const servers of ["1 API server", "2 API servers"]) {
        const a = get(`fleet (${servers}), 19 pipelines: ${phase}`, "1 context");
        const b = get(`fleet (${servers}), 19 pipelines: ${phase}`, "2 contexts");
        if (a && b) {
          row(
            `fleet of 2 contexts (${servers}), ${phase}, ${latency} ms: ≤ 1.5× one context (the sum: 2×)`,
            b.medianMs / a.medianMs,
            1.5,
            "×",
          );
        }
      }
    }
  }
  for (const s of summaries.filter((s) => s.scenario === "helm:// resolution")) {
    lines.push(
      `| helm:// N=${s.n} at ${s.latency} ms: exactly one LIST | ${s.requests} | ${
        /\blist tasks 1\b/.test(s.requests) && !/list tasks [02-9]/.test(s.requests)
          ? "yes"
          : "**no**"
      } |`,
    );
  }
  lines.push("");
  return lines;
}

/** Median wall time of deploy (cold) against N: one line per tool and latency. */
function svg(summaries: Summary[]): string {
  const rows = summaries.filter((s) =>
    s.scenario.startsWith("deploy") || s.scenario.startsWith("redeploy")
  );
  const ns = [...new Set(rows.map((r) => r.n))].sort((a, b) => a - b);
  const maxMs = Math.max(...rows.map((r) => r.medianMs));
  const [w, h, pad] = [720, 420, 60];
  const x = (n: number) => pad + (ns.indexOf(n) / Math.max(1, ns.length - 1)) * (w - 2 * pad);
  const y = (ms: number) => h - pad - (ms / maxMs) * (h - 2 * pad);
  const colors: Record<string, string> = {
    draconctl: "#1f77b4",
    kubectl: "#d62728",
    helm: "#2ca02c",
  };
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${pad}" y="20">median wall time vs N (solid: cold deploy, dashed: redeploy; thick: 50 ms, thin: 0 ms)</text>`,
    `<line x1="${pad}" y1="${h - pad}" x2="${w - pad}" y2="${h - pad}" stroke="black"/>`,
    `<line x1="${pad}" y1="${pad}" x2="${pad}" y2="${h - pad}" stroke="black"/>`,
    ...ns.map((n) => `<text x="${x(n)}" y="${h - pad + 16}" text-anchor="middle">N=${n}</text>`),
    ...[0, 0.25, 0.5, 0.75, 1].map((f) =>
      `<text x="${pad - 6}" y="${y(f * maxMs) + 4}" text-anchor="end">${fmt(f * maxMs)}</text>`
    ),
  ];
  const groups = new Map<string, Summary[]>();
  for (const r of rows) {
    const key = `${r.tool}|${r.latency}|${r.scenario}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  let legend = 0;
  for (const [key, group] of groups) {
    const [tool, latency, scenario] = key.split("|");
    const points = group.sort((a, b) => a.n - b.n).map((r) => `${x(r.n)},${y(r.medianMs)}`).join(
      " ",
    );
    const dash = scenario!.startsWith("redeploy") ? ` stroke-dasharray="6 4"` : "";
    const width = latency === "0" ? 1 : 3;
    parts.push(
      `<polyline fill="none" stroke="${
        colors[tool!]
      }" stroke-width="${width}"${dash} points="${points}"/>`,
    );
    if (scenario!.startsWith("deploy") && latency !== "0") {
      parts.push(
        `<text x="${w - pad - 80}" y="${pad + 16 * legend++}" fill="${
          colors[tool!]
        }">${tool}</text>`,
      );
    }
  }
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}

function log(message: string): void {
  console.error(`bench: ${message}`);
}

async function versions(env: Env): Promise<string> {
  const first = async (argv: string[]) => (await exec(env, argv)).trim().split("\n")[0];
  return [
    `deno: ${Deno.version.deno}`,
    `kubectl: ${await first([`${env.bin}/kubectl`, "version", "--client"])}`,
    `helm: ${await first([`${env.bin}/helm3`, "version", "--short"])}`,
    `kube-apiserver: ${await first([`${env.bin}/kube-apiserver`, "--version"])}`,
  ].join("; ");
}

if (import.meta.main) {
  const config = parseArgs(Deno.args);
  if (ENTRY === "dist") await bundle(`${REPO}/dist`);
  const env = await openEnv(config);
  const points: Point[] = [];
  let startup: Startup[] = [];
  try {
    log(`config ${JSON.stringify(config)}; entry ${ENTRY}; work dir ${env.work}`);
    const started = performance.now();
    const run = (name: string) => config.scenarios.includes(name);
    if (run("deploy")) await deployScenario(env, config, points);
    if (run("corpus")) await corpusScenario(env, config, points);
    if (run("helm")) await helmScenario(env, config, points);
    if (config.scenarios.includes("floor")) await floorScenario(env, config, points);
    // Not in --smoke unless named (a minute more): tests/cluster/multi_deploy_test.ts covers the product.
    const named = (name: string) =>
      run(name) && (!config.smoke || Deno.args.includes("--scenarios"));
    if (named("multi")) await multiScenario(env, config, points);
    if (named("fleet")) await fleetScenario(env, config, points);
    if (!config.smoke && run("startup")) startup = await startupScenario(env, config);
    if (!config.smoke && run("package")) {
      await packageScenario(env, config, points).catch((error) =>
        log(`packaging skipped: ${error instanceof Error ? error.message : error}`)
      );
    }
    const summaries = summarize(points);
    const text =
      `<!-- ${await versions(env)}; entry ${ENTRY}; ${config.reps} repetition(s); ${
        ((performance.now() - started) / 1000).toFixed(0)
      } s -->\n\n` + report(summaries, startup);
    console.log(text);
    if (config.out) {
      await Deno.mkdir(config.out, { recursive: true });
      await Deno.writeTextFile(`${config.out}/results.md`, text);
      await Deno.writeTextFile(
        `${config.out}/results.json`,
        JSON.stringify({ config, summaries, startup }, null, 2),
      );
      await Deno.writeTextFile(`${config.out}/deploy.svg`, svg(summaries));
      const scale = floorSvg(summaries);
      if (scale !== undefined) await Deno.writeTextFile(`${config.out}/scale.svg`, scale);
      log(`wrote ${config.out}/{results.md,results.json,deploy.svg${scale ? ",scale.svg" : ""}}`);
    }
  } finally {
    for (const proxy of env.proxies.values()) await proxy.close();
    await Deno.remove(env.work, { recursive: true });
  }
}
