/**
 * `pipelines deploy <k1> <k2> …` and `--context a,b` against in-memory
 * clusters (docs/multi.md): real corpus Tasks (../shared/dracon),
 * shared ones applied once, every input checked before any connection,
 * nothing written unless every deploy is ready, each Pipeline after its own
 * Tasks, and the exit code of the worst.
 */
import assert from "node:assert/strict";
import { memoryCluster } from "../_fakes/memory_cluster.ts";
import { memoryFleet } from "../_fakes/memory_fleet.ts";
import { MemoryApplier } from "../../src/tekton/memory_applier.ts";
import { ClusterError } from "../../src/errors.ts";
import { DRACON_ROOT, runCli } from "./_cli.ts";
import { DenoFileSystem, type ReadScope } from "../../src/io/filesystem.ts";
import { FakeHelm } from "../_fakes/fake_helm.ts";

/** Two corpus pipelines sharing five of their six Tasks, and a third with one more. */
const PIPELINES: Record<string, string[]> = {
  golang: ["base", "sources/git", "producers/golang-gosec", "producers/aggregator"]
    .concat(["enrichers/aggregator", "consumers/stdout-json"]),
  python: ["base", "sources/git", "producers/python-bandit", "producers/aggregator"]
    .concat(["enrichers/aggregator", "consumers/stdout-json"]),
  iac: ["base", "sources/git", "producers/kics", "producers/aggregator"]
    .concat(["enrichers/deduplication", "enrichers/aggregator", "consumers/stdout-json"]),
};

/** A directory holding one subdirectory per pipeline, each with its kustomization. */
async function pipelinesDir(
  pipelines: Record<string, string[]> = PIPELINES,
  extra: (dir: string) => Promise<void> = () => Promise.resolve(),
): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "draconctl-multi-" });
  for (const [name, components] of Object.entries(pipelines)) {
    await Deno.mkdir(`${root}/${name}`);
    await Deno.writeTextFile(
      `${root}/${name}/kustomization.yaml`,
      [`nameSuffix: -${name}`, "components:", ...components.map((c) => `  - ${c}`), ""].join("\n"),
    );
  }
  await extra(root);
  return root;
}

const deploy = (memory: MemoryApplier, ...args: string[]) =>
  runCli(["pipelines", "deploy", "--base-dir", `${DRACON_ROOT}/components`, ...args], {
    cluster: memoryCluster(memory),
  });

const taskApplies = (memory: MemoryApplier) =>
  memory.calls.filter((c) => c.object.kind === "Task").map((c) => c.object.metadata.name);

Deno.test("several kustomizations: shared Tasks applied once, each Pipeline once, a second run writes nothing", async () => {
  const root = await pipelinesDir();
  const memory = new MemoryApplier({ namespace: "dracon" });
  let connections = 0, lists = 0, gets = 0;
  const counting = memoryCluster(memory);
  const result = await runCli(
    ["pipelines", "deploy", "--base-dir", `${DRACON_ROOT}/components`]
      .concat([`${root}/golang`, `${root}/python`, `${root}/iac`]),
    {
      cluster: async (o) => {
        connections++;
        const cluster = await counting(o);
        const list: typeof cluster.client.list = (...args) => {
          if (args[1] === "Task") lists++;
          return cluster.client.list(...args);
        };
        const get: typeof cluster.client.get = (...args) => {
          if (args[1] === "Task") gets++;
          return cluster.client.get(...args);
        };
        return { ...cluster, client: { ...cluster.client, list, get } };
      },
    },
  );
  assert.equal(result.code, 0, result.stderr);
  assert.equal(connections, 1, "one connection for the run");
  // After its Pipeline is written, each deploy reads its Tasks back with one round of GETs.
  assert.equal(lists, 0, "no Task LIST after the writes");
  assert.equal(gets, Object.values(PIPELINES).flat().length, "a GET per Task of each Pipeline");
  const distinct = new Set(Object.values(PIPELINES).flat()).size;
  assert.equal(taskApplies(memory).length, distinct, taskApplies(memory).join(" "));
  assert.equal(new Set(taskApplies(memory)).size, distinct, "no Task applied twice");
  assert.deepEqual(
    // Once writing, the deploys are independent: the Pipelines go out in any order.
    memory.calls.filter((c) => c.object.kind === "Pipeline").map((c) => c.object.metadata.name)
      .sort(),
    ["dracon-golang", "dracon-iac", "dracon-python"],
  );
  const lines = result.stdout.trimEnd().split("\n");
  assert.equal(lines.length, 6 + 1 + 6 + 1 + 7 + 1 + 1);
  // Printed as applied: the first kustomization's seven lines first, in the order its applies end.
  assert.ok(lines.slice(0, 7).includes(`${root}/golang: task.tekton.dev/base created`));
  assert.equal(lines[6], `${root}/golang: pipeline.tekton.dev/dracon-golang created`);
  assert.ok(
    lines.includes(`${root}/python: task.tekton.dev/base created (shared with ${root}/golang)`),
  );
  assert.ok(lines.includes(`${root}/python: task.tekton.dev/producer-python-bandit created`));
  assert.ok(lines.includes(`${root}/iac: pipeline.tekton.dev/dracon-iac created`));
  assert.equal(
    lines.at(-1),
    `3 pipelines: 3 deployed, 0 failed; ${distinct + 3} objects: ${distinct + 3} created, ` +
      "0 configured, 0 unchanged, 0 failed in 0.0 s",
  );

  const written = memory.applied.length;
  const again = await deploy(memory, root);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(memory.applied.length, written, "the second run writes nothing");
  assert.match(
    again.stdout,
    /3 pipelines: 3 deployed, 0 failed; \d+ objects: 0 created, 0 configured, \d+ unchanged/,
  );
});

Deno.test("a directory of kustomizations stands for each of them, in name order", async () => {
  const root = await pipelinesDir();
  const memory = new MemoryApplier({ namespace: "dracon" });
  const result = await deploy(memory, root, "--dry-run=server");
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(
    memory.calls.filter((c) => c.object.kind === "Pipeline").map((c) => c.object.metadata.name)
      .sort(),
    ["dracon-golang", "dracon-iac", "dracon-python"],
  );
  const order = [...result.stdout.matchAll(/: pipeline\.tekton\.dev\/(\S+) /g)].map((m) => m[1]);
  assert.deepEqual(order, ["dracon-golang", "dracon-iac", "dracon-python"], "output in name order");
  assert.ok(memory.calls.every((c) => c.options.dryRun), "a server dry run");
  assert.equal(memory.applied.length, 0);
  assert.match(result.stdout, /\(server dry run\) \(shared with .*\/golang\)\n/);
  const empty = await Deno.makeTempDir();
  const none = await deploy(memory, empty);
  assert.equal(none.code, 4, none.stderr);
  assert.match(
    none.stderr,
    /^error: .*: directory has no kustomization\.yaml, nor a subdirectory with one\n/,
  );
});

Deno.test("the same Task name with different content in two kustomizations is refused before anything is read from the cluster", async () => {
  const root = await pipelinesDir({ golang: PIPELINES.golang! }, async (dir) => {
    await Deno.mkdir(`${dir}/other/git`, { recursive: true });
    const git = await Deno.readTextFile(`${DRACON_ROOT}/components/sources/git/task.yaml`);
    await Deno.writeTextFile(
      `${dir}/other/git/task.yaml`,
      git.replace(/^(\s+)description: .*$/m, "$1description: another git-clone"),
    );
    await Deno.writeTextFile(
      `${dir}/other/kustomization.yaml`,
      `nameSuffix: -other\ncomponents:\n  - ${DRACON_ROOT}/components/base\n  - ${dir}/other/git\n`,
    );
  });
  let connections = 0;
  const result = await runCli(
    ["pipelines", "deploy", "--load-restrictor", "none", "--base-dir", `${DRACON_ROOT}/components`]
      .concat([`${root}/golang`, `${root}/other`]),
    { cluster: () => Promise.reject(new Error(`connected (${++connections})`)) },
  );
  assert.equal(result.code, 3, result.stderr);
  assert.equal(connections, 0);
  assert.equal(result.stdout, "");
  assert.equal(
    result.stderr.split("\n")[0],
    `error: Task "git-clone" differs between ${root}/golang and ${root}/other: one run applies a Task once`,
  );
  assert.match(result.stderr, /^hint: make the two Tasks identical/m);
});

Deno.test("one kustomization that fails validation: nothing is written for any of them", async (t) => {
  const root = await pipelinesDir({
    golang: PIPELINES.golang!,
    helm: ["base", "helm://dracon-oss-components/producer-golang-gosec"],
  });
  for (const flags of [[], ["--dry-run=server"], ["--only-validate"]]) {
    await t.step(flags.join(" ") || "apply", async () => {
      const memory = new MemoryApplier({ namespace: "dracon" });
      const result = await deploy(memory, root, ...flags);
      assert.equal(result.code, 3, result.stderr);
      assert.equal(memory.calls.length, 0, "nothing applied, not even a dry run");
      assert.match(
        result.stderr,
        /^error: Cannot resolve "helm:\/\/dracon-oss-components\/producer-golang-gosec": no Helm release/,
      );
      assert.equal(result.stdout, "");
    });
  }
  await t.step("an input error of one: nothing connected", async () => {
    const bad = await pipelinesDir({
      golang: PIPELINES.golang!,
      bad: ["base", "producers/none-such"],
    });
    let connections = 0;
    const result = await runCli(
      ["pipelines", "deploy", "--base-dir", `${DRACON_ROOT}/components`, bad],
      { cluster: () => Promise.reject(new Error(`connected (${++connections})`)) },
    );
    assert.equal(result.code, 4, result.stderr);
    assert.equal(connections, 0);
    assert.match(result.stderr, /producers\/none-such/);
  });
});

Deno.test("a Task failing mid-way keeps back only the Pipelines that need it; the exit code says so", async () => {
  const root = await pipelinesDir();
  const memory = new MemoryApplier({ namespace: "dracon" });
  memory.applyErrors.set("producer-kics", new ClusterError("the server refused producer-kics"));
  const result = await deploy(memory, root);
  assert.equal(result.code, 5, result.stderr);
  const pipelines = memory.applied.filter((o) => o.kind === "Pipeline").map((o) => o.metadata.name);
  assert.deepEqual(pipelines.sort(), ["dracon-golang", "dracon-python"]);
  assert.match(
    result.stdout,
    new RegExp(
      `${root}/iac: task.tekton.dev/producer-kics failed: the server refused producer-kics\n`,
    ),
  );
  assert.match(result.stdout, new RegExp(`${root}/iac: pipeline.tekton.dev/dracon-iac skipped\n`));
  assert.match(result.stdout, /\n3 pipelines: 2 deployed, 1 failed; /);
  assert.match(
    result.stderr,
    /^error: 1 of 3 pipeline\(s\) failed: .*\/iac; .*\/iac: Deploy failed: task.tekton.dev\/producer-kics could not be applied/,
  );
});

Deno.test("a shared Task that fails keeps back every Pipeline that needs it", async () => {
  const root = await pipelinesDir();
  const memory = new MemoryApplier({ namespace: "dracon" });
  memory.applyErrors.set("git-clone", new ClusterError("refused"));
  const result = await deploy(memory, root);
  assert.equal(result.code, 5, result.stderr);
  assert.equal(taskApplies(memory).filter((n) => n === "git-clone").length, 1, "tried once");
  assert.equal(memory.applied.filter((o) => o.kind === "Pipeline").length, 0);
  assert.match(result.stdout, /\n3 pipelines: 0 deployed, 3 failed; /);
});

Deno.test("two kustomizations making the same Pipeline are refused before any write", async () => {
  const root = await pipelinesDir({ one: ["base"], two: ["base"] });
  await Deno.writeTextFile(
    `${root}/two/kustomization.yaml`,
    "nameSuffix: -one\ncomponents: [base]\n",
  );
  const memory = new MemoryApplier({ namespace: "dracon" });
  const result = await deploy(memory, `${root}/one`, `${root}/two`);
  assert.equal(result.code, 3, result.stderr);
  assert.equal(memory.calls.length, 0);
  assert.equal(
    result.stderr.split("\n")[0],
    `error: ${root}/one and ${root}/two both make pipeline.tekton.dev/dracon-one`,
  );
});

Deno.test("--dry-run (client) of several prints each shared Task once; -o json lists every pipeline", async () => {
  const root = await pipelinesDir();
  const memory = new MemoryApplier({ namespace: "dracon" });
  const printed = await deploy(memory, root, "--dry-run", "-o", "json");
  assert.equal(printed.code, 0, printed.stderr);
  const objects = JSON.parse(printed.stdout) as { kind: string; metadata: { name: string } }[];
  const names = objects.map((o) => `${o.kind}/${o.metadata.name}`);
  assert.equal(new Set(names).size, names.length, "each object once");
  assert.equal(objects.filter((o) => o.kind === "Pipeline").length, 3);
  assert.equal(
    objects.filter((o) => o.kind === "Task").length,
    new Set(Object.values(PIPELINES).flat()).size,
  );
  assert.equal(memory.calls.length, 0);

  const json = await deploy(memory, root, "--only-validate", "-o", "json");
  assert.equal(json.code, 0, json.stderr);
  const summary = JSON.parse(json.stdout);
  assert.equal(summary.mode, "validate");
  assert.deepEqual(summary.pipelines.map((p: { pipeline: string }) => p.pipeline), [
    "dracon-golang",
    "dracon-iac",
    "dracon-python",
  ]);
  assert.ok(
    summary.pipelines[1].shared.some((s: { subject: string }) =>
      s.subject === "task.tekton.dev/base"
    ),
  );
  assert.equal(memory.applied.length, 0);
});

Deno.test("--context a,b deploys to each context, lines prefixed with it, a summary per context", async () => {
  const root = await pipelinesDir();
  const a = new MemoryApplier({ namespace: "dracon" }),
    b = new MemoryApplier({ namespace: "dracon" });
  const { fleet, calls, connected } = memoryFleet({ a, b });
  const result = await runCli(
    ["--context", "a,b", "pipelines", "deploy", "--base-dir", `${DRACON_ROOT}/components`, root],
    { fleet },
  );
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(calls.map((c) => c.contexts), [["a", "b"]]);
  assert.equal(calls[0]!.options.context, undefined, "the comma list is not a context name");
  assert.deepEqual(connected.sort(), ["a", "b"], "one connection per context");
  for (const memory of [a, b]) {
    assert.equal(memory.applied.filter((o) => o.kind === "Pipeline").length, 3);
  }
  const lines = result.stdout.trimEnd().split("\n");
  assert.ok(lines.every((l) => l.startsWith("a: ") || l.startsWith("b: ")), result.stdout);
  assert.ok(lines.includes(`b: ${root}/golang: pipeline.tekton.dev/dracon-golang created`));
  assert.equal(lines.filter((l) => / 3 pipelines: 3 deployed, 0 failed; /.test(l)).length, 2);
});

Deno.test("--context: inputs checked once before any context; a failing context does not hold back the other", async (t) => {
  await t.step("bad input: no context resolved", async () => {
    const bad = await pipelinesDir({ bad: ["producers/none-such"] });
    const { fleet, calls } = memoryFleet({ a: new MemoryApplier(), b: new MemoryApplier() });
    const result = await runCli(
      ["--context", "a,b", "pipelines", "deploy", "--base-dir", `${DRACON_ROOT}/components`, bad],
      { fleet },
    );
    assert.equal(result.code, 4, result.stderr);
    assert.equal(calls.length, 0);
  });
  await t.step("an unknown context: nothing connected", async () => {
    const root = await pipelinesDir();
    const { fleet, connected } = memoryFleet({ a: new MemoryApplier() });
    const result = await runCli(
      ["--context", "a,zz", "pipelines", "deploy", "--base-dir", `${DRACON_ROOT}/components`, root],
      { fleet },
    );
    assert.equal(result.code, 5, result.stderr);
    assert.match(result.stderr, /^error: Context "zz" not found/);
    assert.deepEqual(connected, []);
  });
  await t.step("one context fails: the other is deployed, exit 5, a line per context", async () => {
    const root = await pipelinesDir();
    const a = new MemoryApplier({ namespace: "dracon" }),
      b = new MemoryApplier({ namespace: "dracon" });
    b.checkError = new ClusterError("the server does not serve tekton.dev/v1beta1 Task");
    const { fleet } = memoryFleet({ a, b });
    const result = await runCli(
      ["pipelines", "deploy", "--all-contexts", "--base-dir", `${DRACON_ROOT}/components`, root],
      { fleet },
    );
    assert.equal(result.code, 5, result.stderr);
    assert.equal(a.applied.filter((o) => o.kind === "Pipeline").length, 3);
    assert.equal(b.applied.length, 0);
    assert.match(result.stdout, /^a: 3 pipelines: 3 deployed, 0 failed; /m);
    assert.match(
      result.stdout,
      /^b: failed: the server does not serve tekton.dev\/v1beta1 Task\n/m,
    );
    assert.match(result.stderr, /^error: 1 of 2 context\(s\) failed: "b"\n/);
  });
});

Deno.test("--context and --all-contexts: usage errors", async () => {
  const root = await pipelinesDir({ one: ["base"] });
  const cases: [string[], RegExp][] = [
    [
      ["--context", "a", "pipelines", "deploy", "--all-contexts", root],
      /--all-contexts and --context cannot be combined/,
    ],
    [
      ["--context", "a,,b", "pipelines", "deploy", root],
      /--context "a,,b": empty or repeated context name/,
    ],
    [["--context", "a,a", "pipelines", "deploy", root], /empty or repeated context name/],
    [
      ["--context", "a,b", "pipelines", "deploy", root, "--dry-run"],
      /--dry-run \(client\) contacts no cluster: it takes one context, not several/,
    ],
  ];
  for (const [args, message] of cases) {
    const { fleet, calls } = memoryFleet({ a: new MemoryApplier(), b: new MemoryApplier() });
    const result = await runCli(args, { fleet });
    assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
    assert.match(result.stderr, message);
    assert.equal(calls.length, 0);
  }
});

Deno.test("a shared Task is applied as the first kustomization given writes it, whatever the timing", async () => {
  const root = await pipelinesDir({ short: ["base", "sources/git"] }, async (dir) => {
    await Deno.mkdir(`${dir}/long`);
    await Deno.writeTextFile(
      `${dir}/long/kustomization.yaml`,
      `nameSuffix: -long\ncomponents:\n  - ${DRACON_ROOT}/components/base\n`,
    );
  });
  const source = "draconctl.dracon.ocurity.com/source";
  for (
    const [order, expected] of [[["short", "long"], "base"], [
      ["long", "short"],
      `${DRACON_ROOT}/components/base`,
    ]] as const
  ) {
    const memory = new MemoryApplier({ namespace: "dracon", delayMs: 5 });
    const result = await runCli(
      [
        "pipelines",
        "deploy",
        "--load-restrictor",
        "none",
        "--base-dir",
        `${DRACON_ROOT}/components`,
      ]
        .concat(order.map((k) => `${root}/${k}`)),
      { cluster: memoryCluster(memory) },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(taskApplies(memory).filter((n) => n === "base").length, 1);
    assert.equal(memory.get("Task", "base")?.metadata.annotations?.[source], expected);
    assert.match(
      result.stdout,
      new RegExp(
        `^${root}/${order[1]}: task\\.tekton\\.dev/base created \\(shared with ${root}/${
          order[0]
        }\\)$`,
        "m",
      ),
    );
  }
});

Deno.test("--locked with several kustomizations: each is checked against its own lock before any write", async (t) => {
  const root = await pipelinesDir({ golang: PIPELINES.golang!, python: PIPELINES.python! });
  const memory = new MemoryApplier({ namespace: "dracon" });
  for (const name of ["golang", "python"]) {
    const locked = await runCli(
      ["pipelines", "lock", "--base-dir", `${DRACON_ROOT}/components`, `${root}/${name}`],
      { cluster: memoryCluster(memory) },
    );
    assert.equal(locked.code, 0, locked.stderr);
  }
  await t.step("both locks match: deployed", async () => {
    const result = await deploy(memory, root, "--locked");
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /2 pipelines: 2 deployed, 0 failed/);
  });
  await t.step("one kustomization changed since its lock: exit 9, nothing written", async () => {
    await Deno.writeTextFile(
      `${root}/python/kustomization.yaml`,
      "  - enrichers/deduplication\n",
      { append: true },
    );
    const fresh = new MemoryApplier({ namespace: "dracon" });
    const result = await deploy(fresh, root, "--locked");
    assert.equal(result.code, 9, result.stderr);
    assert.equal(fresh.calls.length, 0, "nothing applied, not even a dry run");
    assert.match(result.stderr, /enrichers\/deduplication": not in the lock/);
    assert.doesNotMatch(result.stderr, /golang/);
  });
  await t.step("--lock-file names one lock: refused with several", async () => {
    const result = await deploy(memory, root, "--locked", "--lock-file", `${root}/x.lock`);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /--lock-file names one lock/);
  });
});

Deno.test("kustomizations under the base directory share one read Worker; one outside gets its own", async () => {
  const root = await Deno.makeTempDir({ prefix: "draconctl-multi-scope-" });
  const components = ["base", "sources/git", "producers/golang-gosec"];
  for (const c of components) {
    await Deno.mkdir(`${root}/components/${c}`, { recursive: true });
    for await (const entry of Deno.readDir(`${DRACON_ROOT}/components/${c}`)) {
      if (entry.isFile) {
        await Deno.copyFile(
          `${DRACON_ROOT}/components/${c}/${entry.name}`,
          `${root}/components/${c}/${entry.name}`,
        );
      }
    }
  }
  const kustomization = (name: string) =>
    [`nameSuffix: -${name}`, "components:", ...components.map((c) => `  - components/${c}`), ""]
      .join("\n");
  const outside = await Deno.makeTempDir({ prefix: "draconctl-multi-outside-" });
  for (const name of ["a", "b", "c"]) {
    await Deno.mkdir(`${root}/pipelines/${name}`, { recursive: true });
    await Deno.writeTextFile(`${root}/pipelines/${name}/kustomization.yaml`, kustomization(name));
  }
  await Deno.writeTextFile(`${outside}/kustomization.yaml`, kustomization("outside"));
  class CountingFs extends DenoFileSystem {
    scopes: ReadScope[] = [];
    override confine(scope: ReadScope) {
      this.scopes.push(scope);
      return super.confine(scope);
    }
  }
  const fs = new CountingFs();
  const memory = new MemoryApplier({ namespace: "dracon" });
  const result = await runCli(
    ["pipelines", "deploy", "--base-dir", root, `${root}/pipelines`, outside],
    { fs, cluster: memoryCluster(memory) },
  );
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^4 pipelines: 4 deployed, 0 failed; /m);
  const real = await Deno.realPath(root);
  const realOutside = await Deno.realPath(outside);
  const opened = fs.scopes.map((s) => [...s.paths].sort());
  const paths = (...p: string[]) => [...new Set(p)].sort();
  // The old code opened four, one per kustomization; each scope is still one kustomization's own.
  assert.deepEqual(opened.sort((x, y) => x.length - y.length), [
    paths(root, real),
    paths(outside, realOutside, root, real),
  ]);
});

Deno.test("a Task several kustomizations share is rendered once per run", async () => {
  const golang = PIPELINES.golang!;
  const root = await pipelinesDir({ one: golang, two: golang, three: golang });
  const fs = new DenoFileSystem();
  const helm = new FakeHelm(fs);
  const result = await runCli(
    ["pipelines", "deploy", "--base-dir", `${DRACON_ROOT}/components`, "--dry-run"]
      .concat(["--set", "image.registry=registry.internal", root]),
    { fs, helm },
  );
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /registry\.internal\/components\/producers\/golang-gosec:latest/);
  // --set renders through helm: one `helm template` for the three kustomizations, not three.
  assert.deepEqual(helm.calls.map((c) => c.method), ["template"]);
});

Deno.test("text output is printed object by object as each is applied, in kustomization order, the same text as at the end", async () => {
  const root = await pipelinesDir();
  const chunks: string[] = [];
  const streamed = await runCli(
    ["pipelines", "deploy", "--base-dir", `${DRACON_ROOT}/components`, root],
    {
      cluster: memoryCluster(new MemoryApplier({ namespace: "dracon" })),
      stdout: { write: (text) => Promise.resolve(void chunks.push(text)) },
    },
  );
  assert.equal(streamed.code, 0, streamed.stderr);
  const out = await Deno.makeTempDir();
  const whole = await runCli(
    ["pipelines", "deploy", "--base-dir", `${DRACON_ROOT}/components`]
      .concat(["--output-file", `${out}/out.txt`, root]),
    { cluster: memoryCluster(new MemoryApplier({ namespace: "dracon" })) },
  );
  assert.equal(whole.code, 0, whole.stderr);
  // The same lines; within a kustomization in the order the applies end (as one deploy prints
  // them), the kustomizations one after the other in the order given.
  const lines = (text: string) => text.trimEnd().split("\n");
  const text = chunks.join("");
  assert.deepEqual(lines(text).sort(), lines(await Deno.readTextFile(`${out}/out.txt`)).sort());
  const order = lines(text).slice(0, -1).map((l) => /^\S+\/(\w+): /.exec(l)![1]);
  assert.deepEqual([...new Set(order)], ["golang", "iac", "python"]);
  assert.deepEqual(order, [...order].sort(), "each kustomization's lines together, in order");
  // The first kustomization's objects go out one write each, before the summary's write.
  const golang = chunks.filter((c) => /^\S+\/golang: \S+ created\n$/.test(c));
  assert.equal(golang.length, 7, chunks.join("|"));
  assert.match(chunks.at(-1)!, /^3 pipelines: 3 deployed, 0 failed; /m);
  assert.ok(chunks.length > 8, "not one write at the end");
});
