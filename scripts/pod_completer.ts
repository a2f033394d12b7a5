/**
 * scripts/pod_completer.ts — a SIMULATION of the kubelet for the test
 * environment (`scripts/testenv up --tekton`), never part of draconctl: no
 * container runs here (there is no container runtime), so nothing would ever
 * end the Pods the Tekton controller creates. This program ends them the way
 * a kubelet running Tekton's entrypoint would report them: every step
 * container terminated, with exit code 0 and a termination message in
 * Tekton's format (`[{"key":..., "value":..., "type":1}]`) carrying every
 * result the TaskRun's Task declares, and the Pod's phase `Succeeded`; or a
 * chosen failure. It does not schedule (no `spec.nodeName`), pull, run or log.
 *
 * It watches the Pods labelled `tekton.dev/taskRun` in every namespace and
 * reads, from each Pod's annotations (Tekton copies a PipelineRun's
 * annotations to its TaskRuns and a TaskRun's to its Pod, so a test sets them
 * on the PipelineRun):
 *
 * - `testenv.draconctl.dev/fail`: `<task>[=<exit code>],...` — the Pods of
 *   these tasks fail: their first step exits with the code (default 1), the
 *   Pod's phase is `Failed`;
 * - `testenv.draconctl.dev/results`: JSON `{"<task>": {"<result>": value}}`
 *   — result values (a string, an array of strings or an object of strings);
 *   a declared result without one gets `testenv-<result>` (array:
 *   `["testenv-<result>"]`, object: every declared property `testenv-<key>`);
 * - `testenv.draconctl.dev/run-for`: `<n>ms` or `<n>s` — the Pod is first
 *   marked `Running` and ended after that time (for tests of runs that
 *   overlap).
 *
 * `<task>` is the Pod's `tekton.dev/pipelineTask` label (the pipeline task's
 * name) or, for a TaskRun outside a Pipeline, the TaskRun's name.
 *
 * Usage (started by scripts/testenv, which records its pid):
 *   deno run --allow-net=127.0.0.1:PORT --allow-read=PKI scripts/pod_completer.ts \
 *     --server https://127.0.0.1:PORT --ca ca.crt --cert admin.crt --key admin.key
 * @module
 */

/** The annotation prefix the tests use to steer the simulation. */
const PREFIX = "testenv.draconctl.dev/";
const SELECTOR = "tekton.dev/taskRun";

interface Container {
  name: string;
  image?: string;
}
interface Pod {
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: { containers: Container[]; initContainers?: Container[] };
  status?: { phase?: string };
}
interface TaskResult {
  name: string;
  type?: "string" | "array" | "object";
  properties?: Record<string, unknown>;
}
interface TaskRun {
  spec?: { taskSpec?: { results?: TaskResult[] } };
  status?: { taskSpec?: { results?: TaskResult[] } };
}
type Value = string | string[] | Record<string, string>;

function flag(args: string[], name: string): string {
  const i = args.indexOf(`--${name}`);
  const value = i >= 0 ? args[i + 1] : undefined;
  if (!value) throw new Error(`pod_completer: missing --${name}`);
  return value;
}

function log(message: string): void {
  console.log(`${new Date().toISOString()} ${message}`);
}

const args = Deno.args;
const server = flag(args, "server");
const client = Deno.createHttpClient({
  caCerts: [await Deno.readTextFile(flag(args, "ca"))],
  cert: await Deno.readTextFile(flag(args, "cert")),
  key: await Deno.readTextFile(flag(args, "key")),
});

async function request(path: string, init: RequestInit = {}): Promise<Response> {
  return await fetch(`${server}${path}`, { ...init, client } as RequestInit);
}

async function json<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await request(path, init);
  const text = await response.text();
  if (!response.ok) throw new Error(`${init.method ?? "GET"} ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The results the Pod's TaskRun declares, from its status (set in the reconcile that creates the Pod). */
async function declaredResults(pod: Pod): Promise<TaskResult[]> {
  const name = pod.metadata.labels![SELECTOR]!;
  const path = `/apis/tekton.dev/v1/namespaces/${pod.metadata.namespace}/taskruns/${name}`;
  for (let attempt = 0; attempt < 100; attempt++) {
    const taskRun = await json<TaskRun>(path);
    const spec = taskRun.status?.taskSpec ?? taskRun.spec?.taskSpec;
    if (spec) return spec.results ?? [];
    await sleep(100);
  }
  throw new Error(`TaskRun ${pod.metadata.namespace}/${name} has no status.taskSpec after 10 s`);
}

function defaultValue(result: TaskResult): Value {
  const value = `testenv-${result.name}`;
  if (result.type === "array") return [value];
  if (result.type === "object") {
    return Object.fromEntries(
      Object.keys(result.properties ?? {}).map((key) => [key, `testenv-${key}`]),
    );
  }
  return value;
}

/** `"a,b=2"` -> Map { a: 1, b: 2 } */
function failures(annotation: string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const item of (annotation ?? "").split(",").map((s) => s.trim()).filter(Boolean)) {
    const [task, code] = item.split("=");
    out.set(task!, code === undefined ? 1 : Number(code));
  }
  return out;
}

function duration(annotation: string | undefined): number {
  const match = /^(\d+)(ms|s)$/.exec(annotation ?? "");
  if (!match) return 0;
  return Number(match[1]) * (match[2] === "s" ? 1000 : 1);
}

async function patchStatus(pod: Pod, status: Record<string, unknown>): Promise<void> {
  await json(`/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/status`, {
    method: "PATCH",
    headers: { "content-type": "application/merge-patch+json" },
    body: JSON.stringify({ status }),
  });
}

const terminated = (
  container: Container,
  exitCode: number,
  startedAt: string,
  message?: string,
) => ({
  name: container.name,
  image: container.image ?? "",
  imageID: "",
  ready: false,
  started: false,
  restartCount: 0,
  state: {
    terminated: {
      exitCode,
      reason: exitCode === 0 ? "Completed" : "Error",
      startedAt,
      finishedAt: new Date().toISOString(),
      ...(message === undefined ? {} : { message }),
    },
  },
});

async function complete(pod: Pod): Promise<void> {
  const annotations = pod.metadata.annotations ?? {};
  const task = pod.metadata.labels?.["tekton.dev/pipelineTask"] ?? pod.metadata.labels![SELECTOR]!;
  const where = `${pod.metadata.namespace}/${pod.metadata.name} (task ${task})`;
  const results = await declaredResults(pod);
  const fixture = (JSON.parse(annotations[`${PREFIX}results`] ?? "{}") as Record<
    string,
    Record<string, Value>
  >)[task] ?? {};
  const exitCode = failures(annotations[`${PREFIX}fail`]).get(task) ?? 0;
  const startedAt = new Date().toISOString();
  const steps = pod.spec.containers.filter((c) => c.name.startsWith("step-"));
  const others = pod.spec.containers.filter((c) => !c.name.startsWith("step-"));
  const inits = pod.spec.initContainers ?? [];

  const runFor = duration(annotations[`${PREFIX}run-for`]);
  if (runFor > 0) {
    await patchStatus(pod, {
      phase: "Running",
      startTime: startedAt,
      initContainerStatuses: inits.map((c) => terminated(c, 0, startedAt)),
      containerStatuses: pod.spec.containers.map((c) => ({
        name: c.name,
        image: c.image ?? "",
        imageID: "",
        ready: true,
        started: true,
        restartCount: 0,
        state: { running: { startedAt } },
      })),
    });
    await sleep(runFor);
  }

  const started = { key: "StartedAt", value: startedAt, type: 3 };
  const resultEntries = results.map((r) => {
    const value = fixture[r.name] ?? defaultValue(r);
    return {
      key: r.name,
      value: typeof value === "string" ? value : JSON.stringify(value),
      type: 1,
    };
  });
  const statuses = steps.map((step, i) => {
    if (exitCode !== 0) {
      // The first step fails; the entrypoint skips the later ones (they exit non-zero too).
      return terminated(step, i === 0 ? exitCode : 1, startedAt, JSON.stringify([started]));
    }
    const last = i === steps.length - 1;
    return terminated(
      step,
      0,
      startedAt,
      JSON.stringify(last ? [started, ...resultEntries] : [started]),
    );
  });
  await patchStatus(pod, {
    phase: exitCode === 0 ? "Succeeded" : "Failed",
    startTime: startedAt,
    initContainerStatuses: inits.map((c) => terminated(c, 0, startedAt)),
    containerStatuses: [...statuses, ...others.map((c) => terminated(c, 0, startedAt))],
  });
  log(
    exitCode === 0
      ? `completed ${where}: Succeeded, results ${resultEntries.map((r) => r.key).join(",") || "-"}`
      : `completed ${where}: Failed (exit code ${exitCode}, as annotated)`,
  );
}

const handled = new Set<string>();

function handle(pod: Pod): void {
  const phase = pod.status?.phase;
  if (phase === "Succeeded" || phase === "Failed" || handled.has(pod.metadata.uid)) return;
  handled.add(pod.metadata.uid);
  complete(pod).catch((error) => {
    log(`could not complete ${pod.metadata.namespace}/${pod.metadata.name}: ${error}`);
    handled.delete(pod.metadata.uid); // its next event tries again
  });
}

/** List, then watch from the list's resourceVersion; list again when the watch ends or expires. */
async function run(): Promise<never> {
  const base = `/api/v1/pods?labelSelector=${encodeURIComponent(SELECTOR)}`;
  let first = true;
  while (true) {
    try {
      const list = await json<{ metadata: { resourceVersion: string }; items: Pod[] }>(base);
      list.items.forEach(handle);
      let version = list.metadata.resourceVersion;
      if (first) log(`watching Pods labelled ${SELECTOR} in all namespaces`);
      first = false;
      while (true) {
        const response = await request(
          `${base}&watch=true&allowWatchBookmarks=true&timeoutSeconds=300&resourceVersion=${version}`,
        );
        if (!response.ok || !response.body) {
          throw new Error(`watch: ${response.status} ${await response.text()}`);
        }
        let buffer = "";
        let expired = false;
        for await (const chunk of response.body.pipeThrough(new TextDecoderStream())) {
          buffer += chunk;
          let newline;
          while ((newline = buffer.indexOf("\n")) >= 0) {
            const line = buffer.slice(0, newline);
            buffer = buffer.slice(newline + 1);
            if (!line.trim()) continue;
            const event = JSON.parse(line) as {
              type: string;
              object: Pod & { code?: number; metadata: { resourceVersion?: string } };
            };
            if (event.type === "ERROR") expired = true;
            else {
              version = event.object.metadata.resourceVersion ?? version;
              if (event.type === "ADDED" || event.type === "MODIFIED") handle(event.object);
            }
          }
        }
        if (expired) break; // 410 Gone or another error: list again
      }
    } catch (error) {
      log(`${error}; listing again in 1 s`);
      await sleep(1000);
    }
  }
}

await run();
