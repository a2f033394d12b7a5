/**
 * The fuzz target (issue 14): kustomizations, Task files and kubeconfigs
 * generated from grammars of valid documents, then mutated (tags, merge keys,
 * wrong types, Tekton rule breaks, cut and spliced text), fed to a real
 * `pipelines deploy` (in-memory filesystem and cluster) and to the kubeconfig
 * loader. Every run must end with a documented exit code, errors of one line
 * each (no trace), within a time bound, with bounded memory, and with nothing
 * applied when the input is refused.
 *
 * Budget: `DRACONCTL_FUZZ_RUNS` runs per property (default 60, the CI run);
 * `deno task fuzz` runs 2000. `DRACONCTL_FUZZ_SEED` replays a failure.
 */
import { memoryCluster } from "../_fakes/memory_cluster.ts";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ExitCode } from "../../src/errors.ts";
import { DenoFileSystem } from "../../src/io/filesystem.ts";
import { MemoryLogger } from "../_fakes/memory_logger.ts";
import { resolveConnection, resolveTarget } from "../../src/k8s/kubeconfig.ts";
import { MemoryApplier } from "../../src/tekton/memory_applier.ts";
import { ClusterError } from "../../src/errors.ts";
import { toYaml } from "../../src/yaml/yaml.ts";
import { MemoryFileSystem } from "../_fakes/memory_fs.ts";
import { runCli } from "../cli/_cli.ts";

const RUNS = Number(Deno.env.get("DRACONCTL_FUZZ_RUNS") ?? "60");
const SEED = Deno.env.get("DRACONCTL_FUZZ_SEED");
const PARAMS = { numRuns: RUNS, ...(SEED ? { seed: Number(SEED) } : {}) };
/** Per run; generous for a loaded 2-core machine. */
const MAX_MS = 3000;
/** Growth of the resident set over a whole property. */
const MAX_RSS_GROWTH = 300 * 1024 * 1024;
const EXIT_CODES: ReadonlySet<number> = new Set(Object.values(ExitCode).filter((c) => c !== 1));

const BASE_TASK = await Deno.readTextFile(
  new URL("../../../shared/dracon/components/base/task.yaml", import.meta.url),
);

// ---- grammar: values, then whole documents

const name = fc.constantFrom(
  "producer-a",
  "producer-b",
  "enricher-x",
  "consumer-y",
  "Bad_Name",
  "",
  "a".repeat(70),
);
const image = fc.oneof(
  fc.constantFrom("busybox", "docker.io/library/alpine:3", "", "{{ .Values.image }}"),
  fc.integer(),
  fc.constant(null),
  fc.constant(["busybox"]),
);
const reference = fc.constantFrom(
  "$(params.producer-a-flags)",
  "$(params.nope)",
  "$(params.producer-a-list[*])",
  "$(results.anchor.path)",
  "$(results.missing.path)",
  "$(context.task.name)",
  "$(context.task.uid)",
  "$(params.a.b.c)",
  "plain",
);
const step = fc.record({
  name: fc.oneof(fc.constantFrom("run", "scan", "Run", "anchor"), fc.constant(undefined)),
  image,
  script: fc.oneof(reference.map((r) => `echo ${r}`), fc.constant(undefined)),
  command: fc.oneof(fc.constant(["sh"]), fc.constant(undefined), fc.constant("sh")),
  args: fc.oneof(fc.array(reference, { maxLength: 3 }), fc.constant(undefined)),
  onError: fc.oneof(fc.constantFrom("continue", "ignore"), fc.constant(undefined)),
}, { requiredKeys: [] });
const param = fc.record({
  name: fc.constantFrom("producer-a-flags", "producer-a-list", "flags", "producer-a-flags", "a b"),
  type: fc.constantFrom("string", "array", "object", "int", undefined),
  default: fc.oneof(fc.constant("x"), fc.constant(["x"]), fc.constant(undefined), fc.integer()),
}, { requiredKeys: ["name"] });
const task = fc.record({
  apiVersion: fc.constantFrom("tekton.dev/v1beta1", "tekton.dev/v1", "v1"),
  kind: fc.constantFrom("Task", "Task", "Pipeline"),
  metadata: fc.record({
    name,
    labels: fc.record({
      "v1.dracon.ocurity.com/component": fc.constantFrom(
        "producer",
        "enricher",
        "consumer",
        "scanner",
      ),
    }),
  }),
  spec: fc.record({
    params: fc.array(param, { maxLength: 3 }),
    results: fc.array(fc.record({ name: fc.constantFrom("out", "-bad", "anchor") }), {
      maxLength: 2,
    }),
    workspaces: fc.array(fc.record({ name: fc.constantFrom("output", "source-code-ws") }), {
      maxLength: 2,
    }),
    steps: fc.array(step, { maxLength: 3 }),
  }, { requiredKeys: [] }),
});

/** A Task that deploys: the grammar's valid core, which the mutations then break. */
const validTask = (taskName: string) =>
  fc.record({
    apiVersion: fc.constantFrom("tekton.dev/v1beta1", "tekton.dev/v1"),
    kind: fc.constant("Task"),
    metadata: fc.constant({
      name: taskName,
      labels: { "v1.dracon.ocurity.com/component": "producer" },
    }),
    spec: fc.record({
      params: fc.constantFrom([], [{ name: `${taskName}-flags`, type: "string", default: "" }]),
      steps: fc.array(
        fc.record({
          name: fc.constantFrom("run", "scan"),
          image: fc.constantFrom("busybox", "docker.io/library/alpine:3"),
          script: fc.constantFrom("echo hi", "echo $(context.task.name)"),
        }),
        { minLength: 1, maxLength: 2 },
      ).map((steps) => steps.map((st, i) => ({ ...st, name: `${st.name}-${i}` }))),
    }),
  });
const anyTask = (taskName: string) =>
  fc.oneof({ arbitrary: validTask(taskName), weight: 3 }, { arbitrary: task, weight: 2 });

/** Textual mutations of a YAML document: what a careless or hostile user adds. */
const mutation = fc.oneof(
  { arbitrary: fc.constant((t: string) => t), weight: 40 },
  fc.constantFrom(
    "!!binary aGVsbG8=",
    "!!set {a}",
    "!custom x",
    "!!timestamp 2001-12-14",
    "!!omap [a: 1]",
  )
    .map((tagged) => (t: string) => t.replace(/(image|name): .*/, `$1: ${tagged}`)),
  fc.constant((t: string) => `defaults: &d {x: 1}\n${t}<<: *d\n`),
  fc.constant((t: string) => t.replace(/^(\s*)- name: (.*)$/m, "$1- <<: {name: $2}\n$1  name: $2")),
  fc.nat().map((n) => (t: string) => t.slice(0, n % (t.length + 1))),
  fc.tuple(fc.nat(), fc.string({ maxLength: 8 })).map(([n, s]) => (t: string) => {
    const at = n % (t.length + 1);
    return t.slice(0, at) + s + t.slice(at);
  }),
  fc.constant((t: string) => t.replace(/\n {2}/g, "\n ")),
);

const validKustomization = fc.record({
  nameSuffix: fc.constant("-fuzz"),
  namespace: fc.constantFrom(undefined, "dracon"),
  resources: fc.constantFrom(undefined, ["./pipeline.yaml"]),
  components: fc.constantFrom(["./base", "./t0.yaml"], ["./base", "./t0.yaml", "./t1.yaml"]),
}, { requiredKeys: ["nameSuffix", "components"] });
const kustomization = fc.record({
  nameSuffix: fc.oneof(fc.constantFrom("-fuzz", "-Fuzz!", "-" + "x".repeat(60)), fc.integer()),
  namespace: fc.constantFrom(undefined, "dracon", "Bad_Namespace"),
  resources: fc.constantFrom(undefined, ["./pipeline.yaml"], "pipeline.yaml"),
  components: fc.array(
    fc.constantFrom("./base", "./t0.yaml", "./t1.yaml", "./missing.yaml", "helm://x/y"),
    {
      minLength: 0,
      maxLength: 4,
    },
  ),
}, { requiredKeys: ["nameSuffix", "components"] });

const basePipeline = fc.record({
  apiVersion: fc.constant("tekton.dev/v1beta1"),
  kind: fc.constant("Pipeline"),
  metadata: fc.record({ name: fc.constantFrom("dracon", "dracon", "Dracon") }),
  spec: fc.record({
    tasks: fc.oneof(
      { arbitrary: fc.constant([]), weight: 3 },
      fc.array(
        fc.record({
          name: fc.constantFrom("base", "notify", "Notify"),
          taskRef: fc.record({ name: fc.constant("notify") }),
          runAfter: fc.constantFrom(undefined, ["report"], ["base"]),
        }, { requiredKeys: ["name", "taskRef"] }),
        { maxLength: 2 },
      ),
    ),
  }),
});

const identity = fc.constant((t: string) => t);
/** Every document valid and unmutated: such a deploy must succeed. */
const pristine = fc.tuple(
  validKustomization,
  identity,
  fc.tuple(validTask("producer-a"), identity),
  fc.tuple(validTask("producer-b"), identity),
  fc.tuple(
    fc.constant({
      apiVersion: "tekton.dev/v1beta1",
      kind: "Pipeline",
      metadata: { name: "dracon" },
      spec: {},
    }),
    identity,
  ),
);
/** Any document, any mutation. */
const hostile = fc.tuple(
  kustomization,
  mutation,
  fc.tuple(anyTask("producer-a"), mutation),
  fc.tuple(anyTask("producer-b"), mutation),
  fc.tuple(basePipeline, mutation),
);

/** A generated document as block YAML, the shape the mutations edit. */
function yamlOf(value: unknown): Promise<string> {
  return toYaml(value);
}

/** The lines of stderr, each an `error:` or a `hint:` line, and no trace. */
function assertOneLineErrors(stderr: string): void {
  const lines = stderr.trimEnd().split("\n");
  assert.ok(lines[0]?.startsWith("error: "), stderr);
  for (const line of lines) {
    assert.ok(
      /^(error|hint|warning): /.test(line),
      `not a one-line message: ${JSON.stringify(line)}`,
    );
    assert.ok(line.length < 2000, `a message of ${line.length} characters`);
  }
  assert.ok(!stderr.includes("This is a bug"), stderr);
}

Deno.test("fuzz: pipelines deploy on generated and mutated inputs", async () => {
  const rssBefore = Deno.memoryUsage().rss;
  const outcomes = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(
      fc.oneof({ arbitrary: pristine, weight: 1 }, { arbitrary: hostile, weight: 3 }),
      async ([kust, kustMutation, [t0, m0], [t1, m1], [base, mb]]) => {
        const fs = new MemoryFileSystem({
          "/k/kustomization.yaml": kustMutation(await yamlOf(kust)),
          "/k/base/task.yaml": BASE_TASK,
          "/k/t0.yaml": m0(await yamlOf(t0)),
          "/k/t1.yaml": m1(await yamlOf(t1)),
          "/k/pipeline.yaml": mb(await yamlOf(base)),
        });
        const memory = new MemoryApplier({ namespace: "dracon" });
        const cluster = memoryCluster(memory);
        const started = performance.now();
        const result = await runCli(["pipelines", "deploy", "/k"], { fs, cluster });
        const ms = performance.now() - started;
        outcomes.set(result.code, (outcomes.get(result.code) ?? 0) + 1);
        assert.ok(ms < MAX_MS, `took ${Math.round(ms)} ms`);
        assert.ok(EXIT_CODES.has(result.code), `exit ${result.code}:\n${result.stderr}`);
        if (result.code === 0) {
          assert.ok(memory.applied.length > 0, "a successful deploy applies something");
          assert.ok(
            !memory.applied.some((o) => JSON.stringify(o).includes('"<<"')),
            "no merge key sent",
          );
          return;
        }
        assertOneLineErrors(result.stderr);
        if (result.code === ExitCode.invalidInput || result.code === ExitCode.load) {
          assert.equal(
            memory.calls.length,
            0,
            `applied despite exit ${result.code}:\n${result.stderr}`,
          );
        }
      },
    ),
    PARAMS,
  );
  const growth = Deno.memoryUsage().rss - rssBefore;
  assert.ok(growth < MAX_RSS_GROWTH, `resident memory grew by ${Math.round(growth / 2 ** 20)} MiB`);
  // The grammar reaches both ends: deploys that apply, and inputs refused as invalid.
  console.log(`FIGURE fuzz deploy exit codes: ${JSON.stringify(Object.fromEntries(outcomes))}`);
  assert.ok(
    (outcomes.get(0) ?? 0) > 0 && (outcomes.get(3) ?? 0) > 0,
    JSON.stringify([...outcomes]),
  );
});

const SECRET = "s3cret-fuzz-token";
const kubeconfig = fc.record({
  apiVersion: fc.constantFrom("v1", 1),
  kind: fc.constantFrom("Config", "Other"),
  "current-context": fc.constantFrom("c", "missing", ""),
  clusters: fc.oneof(
    fc.constant([{ name: "k", cluster: { server: "https://127.0.0.1:6443" } }]),
    fc.constant([{ name: "k", cluster: { server: "not a url" } }]),
    fc.constant([{ name: "k", cluster: {} }]),
    fc.constant("clusters"),
  ),
  users: fc.constant([{ name: "u", user: { token: SECRET } }]),
  contexts: fc.oneof(
    fc.constant([{ name: "c", context: { cluster: "k", user: "u", namespace: "dracon" } }]),
    fc.constant([{ name: "c", context: { cluster: "nope", user: "u" } }]),
    fc.constant([{ name: "c", context: { cluster: "k", user: "u", namespace: "Bad_NS" } }]),
  ),
});

Deno.test("fuzz: the kubeconfig loader on generated and mutated kubeconfigs", async () => {
  const dir = await Deno.makeTempDir({ prefix: "draconctl-fuzz-" });
  try {
    let i = 0;
    await fc.assert(
      fc.asyncProperty(kubeconfig, mutation, async (config, mutate) => {
        const file = `${dir}/config-${i++}`;
        await Deno.writeTextFile(file, mutate(await yamlOf(config)));
        const started = performance.now();
        try {
          const env = {
            fs: new DenoFileSystem(),
            env: (name: string) => (name === "HOME" ? dir : undefined),
            logger: new MemoryLogger(),
            clock: { now: () => new Date() },
            runner: { run: () => Promise.reject(new Error("no plugin runs in the fuzz test")) },
            permissions: {
              mayRun: () => Promise.resolve(false),
              keepPlugins: () => Promise.resolve(),
            },
          };
          await resolveConnection(await resolveTarget({ kubeconfig: file }, env), env);
        } catch (error) {
          if (!(error instanceof ClusterError)) throw error;
          assert.ok(!error.message.includes("\n"), error.message);
          assert.ok(!error.message.includes(SECRET), "credentials never appear in messages");
        }
        assert.ok(performance.now() - started < MAX_MS);
      }),
      PARAMS,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
