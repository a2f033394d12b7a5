/**
 * A redeploy that changes nothing makes only the first round of reads: the
 * check that the Pipeline's Tasks are still there (`keepTasks` in deploy.ts:
 * a GET of each Task, or one more LIST when they do not fit one round) runs
 * only after a run that wrote the Pipeline.
 */
import assert from "node:assert/strict";
import type { ClusterFactory } from "../../src/tekton/cluster.ts";
import { MemoryApplier } from "../../src/tekton/memory_applier.ts";
import { runCli } from "./_cli.ts";

/** The in-memory cluster, counting the reads made through its client (not the applier's). */
function countingCluster(memory: MemoryApplier): { factory: ClusterFactory; lists: string[] } {
  const lists: string[] = [];
  const client = {
    ...memory.client,
    list: (...args: Parameters<typeof memory.client.list>) => {
      lists.push(`list ${args[1]}`);
      return memory.client.list(...args);
    },
    get: (...args: Parameters<typeof memory.client.get>) => {
      lists.push(`get ${args[1]}/${args[3]}`);
      return memory.client.get(...args);
    },
  };
  const factory: ClusterFactory = () =>
    Promise.resolve({
      namespace: "dracon",
      server: "memory",
      applier: memory,
      helmTasks: memory,
      client,
    });
  return { factory, lists };
}

/** The Tasks of fixtures/pipelines/golang-project, sorted. */
const GOLANG_TASKS = [
  "base",
  "consumer-elasticsearch",
  "consumer-mongodb",
  "enricher-aggregator",
  "enricher-codeowners",
  "git-clone",
  "producer-aggregator",
  "producer-golang-gosec",
  "producer-golang-nancy",
];

Deno.test("a no-op redeploy does not list the Tasks again after the applies", async (t) => {
  const base = new URL("../../../shared/dracon", import.meta.url).pathname;
  const kustomization =
    new URL("../../fixtures/pipelines/golang-project", import.meta.url).pathname;
  const args = ["-n", "dracon", "pipelines", "deploy", kustomization, "--base-dir", base];
  const memory = new MemoryApplier({ namespace: "dracon" });
  const { factory, lists } = countingCluster(memory);
  await t.step("the first deploy writes the Pipeline, then checks its Tasks", async () => {
    const first = await runCli(args, { cluster: factory });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /pipeline\.tekton\.dev\/dracon-golang-project created/);
    assert.deepEqual(lists.sort(), GOLANG_TASKS.map((name) => `get Task/${name}`));
  });
  await t.step("the redeploy changes nothing and lists nothing more", async () => {
    lists.length = 0;
    const again = await runCli(args, { cluster: factory });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /pipeline\.tekton\.dev\/dracon-golang-project unchanged/);
    assert.deepEqual(lists, []);
  });
  await t.step("changed Tasks under an unchanged Pipeline: nothing to check", async () => {
    lists.length = 0;
    const tasks = await runCli([...args, "--app-version", "v2"], { cluster: factory });
    assert.equal(tasks.code, 0, tasks.stderr);
    assert.match(tasks.stdout, /task\.tekton\.dev\/\S+ configured/);
    assert.match(tasks.stdout, /pipeline\.tekton\.dev\/dracon-golang-project unchanged/);
    assert.deepEqual(lists, []);
  });
  await t.step("a changed Pipeline is checked again", async () => {
    lists.length = 0;
    const changed = await runCli(
      [...args, "--app-version", "v2", "--pipeline-api-version", "tekton.dev/v1beta1"],
      { cluster: factory },
    );
    assert.equal(changed.code, 0, changed.stderr);
    assert.match(changed.stdout, /pipeline\.tekton\.dev\/dracon-golang-project configured/);
    assert.deepEqual(lists.sort(), GOLANG_TASKS.map((name) => `get Task/${name}`));
  });
  await t.step("more Tasks than one round of GETs: one LIST instead", async () => {
    lists.length = 0;
    const changed = await runCli([...args, "--app-version", "v3", "--concurrency", "4"], {
      cluster: factory,
    });
    assert.equal(changed.code, 0, changed.stderr);
    assert.match(changed.stdout, /pipeline\.tekton\.dev\/dracon-golang-project configured/);
    assert.deepEqual(lists, ["list Task"]);
  });
});
