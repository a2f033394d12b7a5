/**
 * The lock file (issue 17, docs/lock.md) through the whole CLI, in process:
 * the corpus's Tasks on disk, a URL component from a fake fetcher, a Helm
 * release in the in-memory cluster. Determinism is a property (fast-check):
 * the same components in any order, and a Helm Task's keys in any order,
 * give the same bytes.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { runCli } from "../cli/_cli.ts";
import { FakeFetcher } from "../_fakes/fake_fetcher.ts";
import { memoryCluster } from "../_fakes/memory_cluster.ts";
import { MemoryApplier } from "../../src/tekton/memory_applier.ts";
import { parseYamlDocuments } from "../../src/yaml/yaml.ts";
import { toTask } from "../../src/tekton/task.ts";
import { processTask } from "../../src/dracon/component_task.ts";
import type { Task } from "../../src/tekton/types.ts";
import { LOCK_ANNOTATION } from "../../src/pipelines/inventory.ts";
import { assertMatchesSchema, schemaErrors } from "../_schemas.ts";
import {
  chartOf,
  lockDifferences,
  lockFileDigest,
  lockText,
  parseLock,
  specDigest,
} from "../../src/pipelines/lock_file.ts";

const C = new URL("../../../shared/dracon/components", import.meta.url).pathname;
const URL_TASK = "https://tasks.example.com/wget/task.yaml";

async function corpusTask(path: string): Promise<Task> {
  const text = await Deno.readTextFile(`${C}/${path}/task.yaml`);
  return processTask(toTask((await parseYamlDocuments(text, path))[0]!.value, path));
}

/** A namespace with Helm release `ci` (chart ci-tasks 0.3.0) providing the corpus base Task. */
async function clusterWithBase(chartVersion = "0.3.0"): Promise<MemoryApplier> {
  const memory = new MemoryApplier({ namespace: "dracon" });
  const base = await corpusTask("base");
  base.metadata.labels = { ...base.metadata.labels, "helm.sh/chart": `ci-tasks-${chartVersion}` };
  memory.addHelmTask("ci", base);
  return memory;
}

const LOCAL = [
  "sources/git",
  "producers/golang-gosec",
  "producers/golang-nancy",
  "producers/python-bandit",
  "producers/aggregator",
  "enrichers/aggregator",
  "consumers/stdout-json",
];

async function kustomizationDir(refs: readonly string[]): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "draconctl-lock-" });
  await Deno.writeTextFile(
    `${dir}/kustomization.yaml`,
    `nameSuffix: -lock\ncomponents:\n${refs.map((r) => `  - ${r}\n`).join("")}`,
  );
  return dir;
}

function cli(args: string[], memory: MemoryApplier, fetcher: FakeFetcher) {
  return runCli(["-n", "dracon", ...args, "--load-restrictor", "none"], {
    cluster: memoryCluster(memory),
    fetcher,
  });
}

async function fetcherServingWget(): Promise<FakeFetcher> {
  return new FakeFetcher({ [URL_TASK]: await Deno.readTextFile(`${C}/sources/wget/task.yaml`) });
}

/** A JSON value with every object's keys reordered: reversed or sorted, alternating by depth. */
function reorderKeys(value: unknown, flip: boolean): unknown {
  if (Array.isArray(value)) return value.map((v) => reorderKeys(v, flip));
  if (value === null || typeof value !== "object") return value;
  const keys = Object.keys(value);
  const ordered = flip ? keys.reverse() : keys.sort();
  return Object.fromEntries(
    ordered.map((k) => [k, reorderKeys((value as Record<string, unknown>)[k], !flip)]),
  );
}

Deno.test("the lock is byte-identical across runs and component orders", async () => {
  const fetcher = await fetcherServingWget();
  const memory = await clusterWithBase();
  const all = ["helm://ci/base", URL_TASK, ...LOCAL.map((p) => `${C}/${p}`)];
  const lockOf = async (refs: readonly string[]) => {
    const dir = await kustomizationDir(refs);
    const r = await cli(["pipelines", "lock", dir], memory, fetcher);
    assert.equal(r.code, 0, r.stderr);
    return await Deno.readTextFile(`${dir}/draconctl.lock`);
  };
  const reference = await lockOf(all);
  assert.equal(await lockOf(all), reference, "a second run writes the same bytes");
  await fc.assert(
    fc.asyncProperty(fc.shuffledSubarray(all, { minLength: all.length }), async (order) => {
      assert.equal(await lockOf(order), reference, order.join(", "));
    }),
    { numRuns: 12 },
  );
  // The references appear sorted, whatever the kustomization's order.
  const refs = [...reference.matchAll(/^ {2}- ref: (.+)$/gm)].map((m) => m[1]!);
  assert.deepEqual(refs, [...refs].sort());
  assert.equal(refs.length, all.length);
});

Deno.test("a Helm Task's spec digest does not depend on key order", async () => {
  const base = await corpusTask("base");
  const digest = specDigest(base);
  fc.assert(
    fc.property(fc.boolean(), (flip) => {
      assert.equal(specDigest({ spec: reorderKeys(base.spec, flip) as Task["spec"] }), digest);
    }),
  );
  const changed = structuredClone(base);
  changed.spec.steps![0]!.image = "registry.internal/other:1";
  assert.notEqual(specDigest(changed), digest, "a changed spec changes the digest");
});

Deno.test("the lock records kinds, the release, chart and version, and reads back", async () => {
  const fetcher = await fetcherServingWget();
  const memory = await clusterWithBase();
  const dir = await kustomizationDir(["helm://ci/base", URL_TASK, `${C}/sources/git`]);
  const r = await cli(["pipelines", "lock", dir], memory, fetcher);
  assert.equal(r.code, 0, r.stderr);
  const text = await Deno.readTextFile(`${dir}/draconctl.lock`);
  const lock = await parseLock(text, "draconctl.lock");
  assert.equal(lock.apiVersion, "draconctl.dracon.ocurity.com/v1alpha1");
  assert.deepEqual(
    lock.components.map((c) => [c.ref, c.kind, c.release, c.chart, c.chartVersion]),
    [
      [`${C}/sources/git`, "local", undefined, undefined, undefined],
      ["helm://ci/base", "helm", "ci", "ci-tasks", "0.3.0"],
      [URL_TASK, "url", undefined, undefined, undefined],
    ],
  );
  const gitBytes = await Deno.readTextFile(`${C}/sources/git/task.yaml`);
  assert.equal(lock.components[0]!.digest, lockFileDigest(gitBytes), "local: sha256 of the text");
  assert.equal(lock.components[2]!.digest, lockFileDigest(fetcher.bodies.get(URL_TASK)!));
  assert.equal(await lockText(lock), text, "written and read back, the same bytes");
  assert.match(
    r.stdout,
    /draconctl\.lock written: 3 component\(s\), pipeline\.tekton\.dev\/dracon-lock sha256:[0-9a-f]{64}/,
  );
});

Deno.test("deploy --locked refuses every difference at once and writes nothing", async () => {
  const fetcher = await fetcherServingWget();
  const memory = await clusterWithBase();
  const dir = await kustomizationDir([
    "helm://ci/base",
    URL_TASK,
    `${C}/sources/git`,
    `${C}/producers/golang-gosec`,
  ]);
  const lockFile = await Deno.makeTempFile({ suffix: ".lock" });
  let r = await cli(["pipelines", "lock", dir, "--lock-file", lockFile], memory, fetcher);
  assert.equal(r.code, 0, r.stderr);
  const locked = await parseLock(await Deno.readTextFile(lockFile), lockFile);

  // The URL body changes, the release is upgraded (chart and Task), a producer is swapped.
  fetcher.bodies.set(URL_TASK, fetcher.bodies.get(URL_TASK)! + "# edited\n");
  const upgraded = await clusterWithBase("0.4.0");
  const base = upgraded.get("Task", "base") as Task;
  base.spec.steps![0]!.image = "registry.internal/base:2";
  upgraded.seed(base);
  await Deno.writeTextFile(
    `${dir}/kustomization.yaml`,
    `nameSuffix: -lock\ncomponents:\n${
      ["helm://ci/base", URL_TASK, `${C}/sources/git`, `${C}/producers/python-bandit`]
        .map((ref) => `  - ${ref}\n`).join("")
    }`,
  );
  for (
    const args of [
      ["pipelines", "deploy", dir, "--locked", "--lock-file", lockFile],
      ["pipelines", "deploy", dir, "--locked", "--lock-file", lockFile, "--dry-run"],
      ["pipelines", "deploy", dir, "--locked", "--lock-file", lockFile, "--only-validate"],
      ["pipelines", "diff", dir, "--locked", "--lock-file", lockFile],
      ["pipelines", "lock", dir, "--check", "--lock-file", lockFile],
    ]
  ) {
    r = await cli(args, upgraded, fetcher);
    assert.equal(r.code, 9, `${args.join(" ")}: ${r.stderr}`);
    const lines = r.stderr.split("\n").filter((l) => l.startsWith("error: "));
    const url = locked.components.find((c) => c.kind === "url")!;
    const expected = [
      `component "helm://ci/base": chart "ci-tasks 0.3.0" in the lock, now "ci-tasks 0.4.0"`,
      `component "helm://ci/base": digest ${
        locked.components.find((c) => c.kind === "helm")!.digest
      } in the lock, now sha256:`,
      `component "${URL_TASK}": digest ${url.digest} in the lock, now sha256:`,
      `component "${C}/producers/golang-gosec": in the lock (sha256:`,
      `component "${C}/producers/python-bandit": not in the lock (resolves to sha256:`,
      `pipeline "dracon-lock": digest ${locked.pipeline.digest} in the lock, now sha256:`,
    ];
    for (const part of expected) {
      assert.ok(lines.some((l) => l.includes(part)), `${args[1]}: missing ${part}\n${r.stderr}`);
    }
    assert.equal(lines.length, expected.length, r.stderr);
    assert.ok(lines.every((l) => l.startsWith(`error: ${lockFile}: `)), r.stderr);
    assert.equal(upgraded.applied.length, 0, "nothing was written");
  }
  assert.equal(await Deno.readTextFile(lockFile), await lockText(locked), "--check writes nothing");
});

Deno.test("deploy --locked stamps the lock digest; status follows the lock", async () => {
  const fetcher = await fetcherServingWget();
  const memory = await clusterWithBase();
  const dir = await kustomizationDir(["helm://ci/base", `${C}/sources/git`, URL_TASK]);
  let r = await cli(["pipelines", "deploy", dir, "--locked"], memory, fetcher);
  assert.equal(r.code, 4, "no lock yet");
  assert.match(r.stderr, /draconctl\.lock": no such lock file/);
  assert.equal(memory.applied.length, 0);
  r = await cli(["pipelines", "lock", dir], memory, fetcher);
  assert.equal(r.code, 0, r.stderr);
  const text = await Deno.readTextFile(`${dir}/draconctl.lock`);
  r = await cli(["pipelines", "deploy", dir, "--locked", "-o", "json"], memory, fetcher);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(assertMatchesSchema("pipelines deploy", r.stdout).changes.length, 3);
  r = await cli(["pipelines", "diff", dir, "--locked", "-o", "json"], memory, fetcher);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(assertMatchesSchema("pipelines diff", r.stdout).changed, false);
  assert.deepEqual(memory.applied.map((o) => o.metadata.name), [
    "git-clone",
    "wget",
    "dracon-lock",
  ]);
  for (const object of memory.applied) {
    assert.equal(object.metadata.annotations?.[LOCK_ANNOTATION], lockFileDigest(text));
  }
  const status = async () => {
    const s = await cli(["pipelines", "status", dir, "-o", "json", "--exit-code"], memory, fetcher);
    const { lock } = assertMatchesSchema("pipelines status", s.stdout);
    return { code: s.code, lock, stdout: s.stdout, stderr: s.stderr };
  };
  let s = await status();
  assert.equal(s.code, 0, s.stdout + s.stderr);
  assert.equal(s.lock.state, "in-sync");

  // The URL's body changes: the cluster no longer matches what the lock reviewed.
  fetcher.bodies.set(URL_TASK, fetcher.bodies.get(URL_TASK)! + "# edited\n");
  s = await status();
  assert.equal(s.code, 1);
  assert.equal(s.lock.state, "stale");
  assert.match(s.lock.differences[0], new RegExp(`component "${URL_TASK}": digest`));
  // The schema refuses what status never prints: a stale lock without its differences, another state.
  const printed = JSON.parse(s.stdout);
  const { differences: _, ...withoutDifferences } = s.lock;
  for (const lock of [withoutDifferences, { ...s.lock, state: "outdated" }]) {
    assert.notDeepEqual(schemaErrors("pipelines status", { ...printed, lock }), [], lock.state);
  }

  // Locked again and reviewed, but not deployed with it: the Pipeline carries the old digest.
  r = await cli(["pipelines", "lock", dir], memory, fetcher);
  assert.equal(r.code, 0, r.stderr);
  s = await status();
  assert.equal(s.lock.state, "drifted");
  assert.match(s.lock.detail, /deployed with lock sha256:[0-9a-f]{64}, the lock file is/);

  // By name, only the digest deployed is known.
  const byName = await cli(["pipelines", "status", "dracon-lock", "-o", "json"], memory, fetcher);
  const unverified = assertMatchesSchema("pipelines status", byName.stdout).lock;
  assert.equal(unverified.state, "unverified");
  assert.equal(unverified.deployed, lockFileDigest(text));
});

Deno.test("a client dry run --locked cannot check helm:// without a cluster or --helm-chart", async () => {
  const fetcher = await fetcherServingWget();
  const memory = await clusterWithBase();
  const dir = await kustomizationDir(["helm://ci/base", `${C}/sources/git`]);
  assert.equal((await cli(["pipelines", "lock", dir], memory, fetcher)).code, 0);
  const r = await runCli(
    ["pipelines", "deploy", dir, "--dry-run", "--locked", "--load-restrictor", "none"],
    { fetcher },
  );
  assert.equal(r.code, 9, r.stderr);
  assert.match(
    r.stderr,
    /draconctl\.lock: 1 Helm reference\(s\) cannot be checked against the lock \("helm:\/\/ci\/base"\)/,
  );
  assert.match(r.stderr, /hint: pass --helm-chart/);
  const lock = await runCli(["pipelines", "lock", dir, "--load-restrictor", "none"], { fetcher });
  assert.equal(lock.code, 5, lock.stderr);
  assert.match(lock.stderr, /1 Helm reference\(s\) cannot be resolved/);
});

Deno.test("chartOf() splits helm.sh/chart into name and version", () => {
  const task = (label?: string) =>
    ({
      metadata: { name: "t", ...(label ? { labels: { "helm.sh/chart": label } } : {}) },
    }) as unknown as Task;
  assert.deepEqual(chartOf(task("dracon-components-0.1.0")), {
    chart: "dracon-components",
    chartVersion: "0.1.0",
  });
  assert.deepEqual(chartOf(task("x-2fa-1.2.3-rc.1_build.5")), {
    chart: "x-2fa",
    chartVersion: "1.2.3-rc.1+build.5",
  });
  assert.deepEqual(chartOf(task("no-version")), { chart: "no-version" });
  assert.deepEqual(chartOf(task()), {});
});

Deno.test("lockDifferences() ignores the draconctl version, reports kind and release", async () => {
  const text = await lockText({
    apiVersion: "draconctl.dracon.ocurity.com/v1alpha1",
    kind: "PipelineLock",
    draconctl: "0.1.0",
    pipeline: { name: "p", digest: `sha256:${"a".repeat(64)}` },
    components: [{ ref: "x", kind: "helm", release: "r", digest: `sha256:${"b".repeat(64)}` }],
  });
  const a = await parseLock(text, "a.lock");
  assert.deepEqual(lockDifferences(a, { ...a, draconctl: "9.9.9" }), []);
  const b = { ...a, components: [{ ...a.components[0]!, kind: "url" as const, release: "s" }] };
  assert.deepEqual(lockDifferences(a, b), [
    'component "x": kind "helm" in the lock, now "url"',
    'component "x": release "r" in the lock, now "s"',
  ]);
});

Deno.test("lockDifferences() names exactly the components that differ, whatever they are", () => {
  const hex = fc.stringMatching(/^[0-9a-f]{64}$/).map((h) => `sha256:${h}`);
  const component = fc.record({
    ref: fc.stringMatching(/^[a-z][a-z0-9/.-]{0,20}$/),
    kind: fc.constantFrom("local" as const, "url" as const, "helm" as const),
    digest: hex,
  });
  fc.assert(
    fc.property(
      fc.uniqueArray(component, { selector: (c) => c.ref, minLength: 1, maxLength: 8 }),
      fc.array(fc.constantFrom("digest", "kind", "remove", "keep"), { minLength: 8, maxLength: 8 }),
      hex,
      (components, changes, digest) => {
        const base = {
          apiVersion: "draconctl.dracon.ocurity.com/v1alpha1" as const,
          kind: "PipelineLock" as const,
          draconctl: "0.1.0",
          pipeline: { name: "p", digest },
        };
        const now = components.flatMap((c, i) => {
          const change = changes[i]!;
          if (change === "remove") return [];
          if (change === "digest") return [{ ...c, digest: `sha256:${"f".repeat(64)}` }];
          if (change === "kind") {
            return [{ ...c, kind: c.kind === "url" ? "local" as const : "url" as const }];
          }
          return [c];
        }).reverse(); // order never counts
        const differences = lockDifferences({ ...base, components }, { ...base, components: now });
        for (const [i, c] of components.entries()) {
          const named = differences.some((d) => d.startsWith(`component "${c.ref}": `));
          const changed = changes[i] !== "keep" &&
            !(changes[i] === "digest" && c.digest === `sha256:${"f".repeat(64)}`);
          assert.equal(named, changed, `${c.ref} (${changes[i]}): ${differences.join("\n")}`);
        }
      },
    ),
  );
});
