/**
 * The in-memory cluster the inventory commands are tested against: Helm's
 * base Task (release `ci`) and two kustomizations, `a` and `b`, sharing
 * git-clone and wget.
 *
 * @module
 */
import assert from "node:assert/strict";
import { memoryCluster } from "../_fakes/memory_cluster.ts";
import { MemoryApplier } from "../../src/tekton/memory_applier.ts";
import { parseYamlDocuments } from "../../src/yaml/yaml.ts";
import { toTask } from "../../src/tekton/task.ts";
import { processTask } from "../../src/dracon/component_task.ts";
import { runCli } from "./_cli.ts";

/** The corpus's components directory. */
export const CORPUS = new URL("../../../shared/dracon/components/", import.meta.url).pathname;

/** What {@link setUp} made. */
export type InventoryEnv = Awaited<ReturnType<typeof setUp>>;

/** A namespace with Helm's base Task and two kustomizations sharing git-clone and wget. */
export async function setUp() {
  const dir = await Deno.makeTempDir();
  const files: [string, string][] = [
    ["git.yaml", "sources/git"],
    ["wget.yaml", "sources/wget"],
    ["gosec.yaml", "producers/golang-gosec"],
    ["agg.yaml", "producers/aggregator"],
  ];
  for (const k of ["a", "b"]) {
    await Deno.mkdir(`${dir}/${k}`);
    for (const [name, path] of k === "a" ? files : files.slice(0, 2)) {
      await Deno.copyFile(`${CORPUS}${path}/task.yaml`, `${dir}/${k}/${name}`);
    }
  }
  await Deno.writeTextFile(
    `${dir}/a/kustomization.yaml`,
    "nameSuffix: -a\ncomponents: [helm://ci/base, git.yaml, wget.yaml, gosec.yaml, agg.yaml]\n",
  );
  await Deno.writeTextFile(
    `${dir}/b/kustomization.yaml`,
    "nameSuffix: -b\ncomponents: [helm://ci/base, git.yaml, wget.yaml]\n",
  );
  const memory = new MemoryApplier({ namespace: "dracon" });
  const base = await Deno.readTextFile(`${CORPUS}base/task.yaml`);
  memory.addHelmTask(
    "ci",
    processTask(toTask((await parseYamlDocuments(base, "base"))[0]!.value, "base")),
  );
  const cluster = memoryCluster(memory);
  return { dir, memory, cluster };
}

/** `draconctl -n dracon <args>` against the in-memory cluster. */
export async function run(env: InventoryEnv, args: string[]) {
  return await runCli(["-n", "dracon", ...args], { cluster: env.cluster });
}

export async function deployBoth(env: InventoryEnv) {
  for (const k of ["a", "b"]) {
    const r = await run(env, ["pipelines", "deploy", `${env.dir}/${k}`]);
    assert.equal(r.code, 0, r.stderr);
  }
}
