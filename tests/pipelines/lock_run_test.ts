/**
 * `--locked` on `pipelines check` and `pipelines run` (issue 17,
 * docs/lock.md), through the whole CLI against the in-memory cluster: a
 * check refuses what deploy refuses; a run is refused, nothing created,
 * unless the kustomization resolves as the lock says and the live Pipeline
 * was deployed from that very lock.
 */
import assert from "node:assert/strict";
import { runCli } from "../cli/_cli.ts";
import { FakeFetcher } from "../_fakes/fake_fetcher.ts";
import { memoryCluster } from "../_fakes/memory_cluster.ts";
import { MemoryApplier } from "../../src/tekton/memory_applier.ts";
import { parseYamlDocuments } from "../../src/yaml/yaml.ts";
import { toTask } from "../../src/tekton/task.ts";
import { processTask } from "../../src/dracon/component_task.ts";
import { lockFileDigest } from "../../src/pipelines/lock_file.ts";
import type { Pipeline, Task } from "../../src/tekton/types.ts";

const C = new URL("../../../shared/dracon/components", import.meta.url).pathname;
const URL_TASK = "https://tasks.example.com/wget/task.yaml";
const RUN_FLAGS = [
  "-p",
  "git-clone-url=https://example.com/r.git",
  "-p",
  "wget-url=https://example.com/a.tgz",
  "-w",
  "source-code-ws=emptyDir",
  "-w",
  "output=emptyDir",
];

/** A kustomization of a Helm release's base Task, the corpus's git source and a URL Task. */
async function setUp() {
  const memory = new MemoryApplier({ namespace: "dracon" });
  const text = await Deno.readTextFile(`${C}/base/task.yaml`);
  const base = processTask(toTask((await parseYamlDocuments(text, "base"))[0]!.value, "base"));
  base.metadata.labels = { ...base.metadata.labels, "helm.sh/chart": "ci-tasks-0.3.0" };
  memory.addHelmTask("ci", base);
  const fetcher = new FakeFetcher({
    [URL_TASK]: await Deno.readTextFile(`${C}/sources/wget/task.yaml`),
  });
  const dir = await Deno.makeTempDir({ prefix: "draconctl-lock-run-" });
  await Deno.writeTextFile(
    `${dir}/kustomization.yaml`,
    `nameSuffix: -lock\ncomponents:\n  - helm://ci/base\n  - ${C}/sources/git\n  - ${URL_TASK}\n`,
  );
  const cli = (...args: string[]) =>
    runCli(["-n", "dracon", ...args, "--load-restrictor", "none"], {
      cluster: memoryCluster(memory),
      fetcher,
    });
  const runs = () => memory.objects().filter((o) => o.kind === "PipelineRun").length;
  return { memory, fetcher, dir, cli, runs };
}

function errors(stderr: string): string[] {
  return stderr.split("\n").filter((l) => l.startsWith("error: "));
}

Deno.test("check --locked refuses what deploy --locked refuses, and passes what it passes", async () => {
  const { memory, fetcher, dir, cli } = await setUp();
  let r = await cli("pipelines", "check", dir, "--locked");
  assert.equal(r.code, 4, r.stderr);
  assert.match(r.stderr, /draconctl\.lock": no such lock file/);
  assert.equal((await cli("pipelines", "lock", dir)).code, 0);
  r = await cli("pipelines", "check", dir, "--locked");
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /pipeline\.tekton\.dev\/dracon-lock would run/);

  fetcher.bodies.set(URL_TASK, fetcher.bodies.get(URL_TASK)! + "# edited\n");
  for (const args of [["--locked"], ["--locked", "--lock-file", `${dir}/draconctl.lock`]]) {
    r = await cli("pipelines", "check", dir, ...args, "-o", "json");
    assert.equal(r.code, 9, r.stderr);
    assert.equal(r.stdout, "", "no summary of a refused check");
    assert.deepEqual(
      errors(r.stderr).map((l) => l.replace(/sha256:[0-9a-f]{64}/g, "sha256:…")),
      [
        // A comment: the Task applied, and so the Pipeline, are the same; the text is not.
        `error: ${dir}/draconctl.lock: component "${URL_TASK}": digest sha256:… in the lock, now sha256:…`,
      ],
    );
  }
  // Without --locked the same check passes: the refusal is the lock's.
  assert.equal((await cli("pipelines", "check", dir)).code, 0);
  assert.equal(memory.applied.length, 0, "check writes nothing");
});

Deno.test("run <kustomization> --locked creates nothing unless deployed from this lock", async () => {
  const { memory, fetcher, dir, cli, runs } = await setUp();
  assert.equal((await cli("pipelines", "lock", dir)).code, 0);
  const lockText = await Deno.readTextFile(`${dir}/draconctl.lock`);

  // Deployed without --locked: the Pipeline resolves as locked but was not deployed from it.
  assert.equal((await cli("pipelines", "deploy", dir)).code, 0);
  for (const extra of [[], ["--dry-run"]]) {
    const r = await cli("pipelines", "run", dir, ...RUN_FLAGS, "--locked", ...extra);
    assert.equal(r.code, 9, r.stderr);
    const digest = lockFileDigest(lockText);
    assert.deepEqual(
      errors(r.stderr),
      ["pipeline.tekton.dev/dracon-lock", "task.tekton.dev/git-clone", "task.tekton.dev/wget"].map(
        (subject) =>
          `error: ${dir}/draconctl.lock: ${subject} in namespace "dracon" was not deployed from this lock (deployed without --locked, the lock file is ${digest})`,
      ),
      "every object the Pipeline runs, Helm's Task aside",
    );
    assert.match(r.stderr, /hint: .*pipelines deploy <kustomization> --locked/);
    assert.equal(r.stdout, "");
  }
  assert.equal(runs(), 0);
  // Without --locked the run is created: the refusal above is the lock's.
  let r = await cli("pipelines", "run", dir, ...RUN_FLAGS, "--dry-run");
  assert.equal(r.code, 0, r.stderr);

  assert.equal((await cli("pipelines", "deploy", dir, "--locked")).code, 0);
  r = await cli("pipelines", "run", dir, ...RUN_FLAGS, "--locked", "-o", "name");
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^pipelinerun\.tekton\.dev\/dracon-lock-run-/);
  assert.equal(runs(), 1);

  // A live Task edited after the locked deploy (kubectl edit): its content no longer matches its digest.
  const live = memory.get("Task", "wget") as Task;
  const edited = structuredClone(live);
  edited.spec.steps![0]!.image = "registry.example.com/wget:evil";
  memory.seed(edited);
  r = await cli("pipelines", "run", dir, ...RUN_FLAGS, "--locked");
  assert.equal(r.code, 9, r.stderr);
  assert.deepEqual(errors(r.stderr), [
    `error: ${dir}/draconctl.lock: task.tekton.dev/wget was edited since it was deployed (its content no longer matches its digest)`,
  ]);
  // Replaced by one draconctl did not apply.
  const { labels: _, ...metadata } = live.metadata;
  memory.seed({ ...live, metadata });
  r = await cli("pipelines", "run", dir, ...RUN_FLAGS, "--locked");
  assert.equal(r.code, 9, r.stderr);
  assert.deepEqual(errors(r.stderr), [
    `error: ${dir}/draconctl.lock: task.tekton.dev/wget was not applied by draconctl, so not from this lock`,
  ]);
  memory.seed(live);
  // The live Pipeline edited, its annotations kept: its spec is not the one the lock resolves to.
  const pipeline = memory.get("Pipeline", "dracon-lock") as Pipeline;
  const changed = structuredClone(pipeline);
  changed.spec = { ...changed.spec, description: "edited by hand" };
  memory.seed(changed);
  r = await cli("pipelines", "run", dir, ...RUN_FLAGS, "--locked");
  assert.equal(r.code, 9, r.stderr);
  assert.deepEqual(errors(r.stderr), [
    `error: ${dir}/draconctl.lock: pipeline.tekton.dev/dracon-lock was edited since it was deployed (its spec is not the one the lock resolves to)`,
  ]);
  memory.seed(pipeline);
  assert.equal((await cli("pipelines", "run", dir, ...RUN_FLAGS, "--locked")).code, 0);
  assert.equal(runs(), 2);

  // The kustomization no longer resolves as reviewed: refused before the live Pipeline is read.
  const body = fetcher.bodies.get(URL_TASK)!;
  fetcher.bodies.set(URL_TASK, body + "# edited\n");
  r = await cli("pipelines", "run", dir, ...RUN_FLAGS, "--locked");
  assert.equal(r.code, 9, r.stderr);
  assert.ok(
    errors(r.stderr).some((l) => l.includes(`component "${URL_TASK}": digest sha256:`)),
    r.stderr,
  );
  // Locked again (reviewed) but not deployed: the live Pipeline carries the old lock's digest.
  assert.equal((await cli("pipelines", "lock", dir)).code, 0);
  r = await cli("pipelines", "run", dir, ...RUN_FLAGS, "--locked");
  assert.equal(r.code, 9, r.stderr);
  assert.match(
    r.stderr,
    new RegExp(
      `was not deployed from this lock \\(deployed with lock ${
        lockFileDigest(lockText)
      }, the lock file is sha256:[0-9a-f]{64}\\)`,
    ),
  );
  assert.equal(runs(), 2, "nothing created when refused");
});

Deno.test("run <pipeline> --locked needs --lock-file and the Pipeline deployed from it", async () => {
  const { dir, cli, runs } = await setUp();
  assert.equal((await cli("pipelines", "lock", dir)).code, 0);
  const lockFile = `${dir}/draconctl.lock`;
  assert.equal((await cli("pipelines", "deploy", dir, "--locked")).code, 0);

  let r = await cli("pipelines", "run", "dracon-lock", ...RUN_FLAGS, "--locked");
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^error: --locked with the Pipeline name "dracon-lock" needs --lock-file/);
  r = await cli("pipelines", "run", "dracon-lock", ...RUN_FLAGS, "--lock-file", lockFile);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^error: --lock-file only works with --locked/);
  assert.equal(runs(), 0);

  r = await cli(
    "pipelines",
    "run",
    "dracon-lock",
    ...RUN_FLAGS,
    "--locked",
    "--lock-file",
    lockFile,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(runs(), 1);

  // Another Pipeline than the lock's.
  const other = `${dir}/other`;
  await Deno.mkdir(other);
  await Deno.writeTextFile(
    `${other}/kustomization.yaml`,
    `nameSuffix: -other\ncomponents:\n  - helm://ci/base\n  - ${C}/sources/git\n`,
  );
  assert.equal((await cli("pipelines", "deploy", other)).code, 0);
  r = await cli(
    "pipelines",
    "run",
    "dracon-other",
    "-p",
    "git-clone-url=x",
    "-w",
    "source-code-ws=emptyDir",
    "--locked",
    "--lock-file",
    lockFile,
  );
  assert.equal(r.code, 9, r.stderr);
  assert.deepEqual(errors(r.stderr), [
    `error: ${lockFile}: pipeline "dracon-lock" in the lock, the run's is "dracon-other"`,
  ]);
  // The lock changes (a byte): the live Pipeline is no longer the lock's.
  await Deno.writeTextFile(lockFile, (await Deno.readTextFile(lockFile)) + "# reviewed again\n");
  r = await cli(
    "pipelines",
    "run",
    "dracon-lock",
    ...RUN_FLAGS,
    "--locked",
    "--lock-file",
    lockFile,
  );
  assert.equal(r.code, 9, r.stderr);
  assert.match(r.stderr, /was not deployed from this lock \(deployed with lock sha256:/);
  assert.equal(runs(), 1, "nothing created when refused");
});
