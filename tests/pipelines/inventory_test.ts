/**
 * The inventory: every object draconctl applies carries the managed-by
 * label and where it came from; Helm's Tasks are never stamped; a Task's
 * digest is its content's, whatever the namespace or the server adds.
 */
import { memoryCluster } from "../_fakes/memory_cluster.ts";
import assert from "node:assert/strict";
import {
  DIGEST_ANNOTATION,
  isManagedByDraconctl,
  KUSTOMIZATION_ANNOTATION,
  MANAGED_BY_LABEL,
  SOURCE_ANNOTATION,
  stampTask,
  taskDigest,
  VERSION_ANNOTATION,
} from "../../src/pipelines/inventory.ts";
import { MemoryApplier } from "../../src/tekton/memory_applier.ts";
import { parseYamlDocuments } from "../../src/yaml/yaml.ts";
import { toTask } from "../../src/tekton/task.ts";
import { processTask } from "../../src/dracon/component_task.ts";
import type { Task } from "../../src/tekton/types.ts";
import { VERSION } from "../../src/version.ts";
import { runCli } from "../cli/_cli.ts";

const TASK: Task = {
  apiVersion: "tekton.dev/v1beta1",
  kind: "Task",
  metadata: { name: "t", labels: { "v1.dracon.ocurity.com/component": "source" } },
  spec: { steps: [{ name: "s", image: "busybox" }] },
};

Deno.test("a Task's digest ignores the namespace, the inventory and what the server adds", () => {
  const stamped = stampTask(TASK, "./t.yaml");
  const live = {
    ...stamped,
    metadata: {
      ...stamped.metadata,
      namespace: "dracon",
      uid: "u",
      resourceVersion: "7",
      managedFields: [{ manager: "draconctl" }],
    },
    status: { x: 1 },
  };
  assert.equal(taskDigest(live), taskDigest(TASK));
  assert.equal(stamped.metadata.annotations?.[DIGEST_ANNOTATION], taskDigest(TASK));
  assert.match(taskDigest(TASK), /^sha256:[0-9a-f]{64}$/);
});

Deno.test("a Task's digest changes with its spec, name, labels and other annotations", () => {
  const base = taskDigest(TASK);
  const variants: Task[] = [
    { ...TASK, spec: { steps: [{ name: "s", image: "alpine" }] } },
    { ...TASK, metadata: { ...TASK.metadata, name: "u" } },
    { ...TASK, metadata: { ...TASK.metadata, labels: { a: "b" } } },
    { ...TASK, metadata: { ...TASK.metadata, annotations: { a: "b" } } },
  ];
  for (const v of variants) assert.notEqual(taskDigest(v), base, JSON.stringify(v.metadata));
});

Deno.test("deploy stamps every applied object and never a Helm-owned Task", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(
    `${dir}/kustomization.yaml`,
    "nameSuffix: -inv\ncomponents:\n  - helm://ci/base\n  - ./wget.yaml\n",
  );
  await Deno.copyFile(
    new URL("../../../shared/dracon/components/sources/wget/task.yaml", import.meta.url),
    `${dir}/wget.yaml`,
  );
  const memory = new MemoryApplier({ namespace: "dracon" });
  const base = new URL("../../../shared/dracon/components/base/task.yaml", import.meta.url);
  const baseTask = processTask(
    toTask((await parseYamlDocuments(await Deno.readTextFile(base), "base"))[0]!.value, "base"),
  );
  memory.addHelmTask("ci", baseTask);
  const helmBefore = structuredClone(memory.get("Task", "base"));
  const result = await runCli(["-n", "dracon", "pipelines", "deploy", dir], {
    cluster: memoryCluster(memory),
  });
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(memory.applied.map((o) => o.metadata.name), ["wget", "dracon-inv"]);
  for (const object of memory.applied) {
    assert.ok(isManagedByDraconctl(object), `${object.metadata.name} is labelled`);
  }
  const wget = memory.get("Task", "wget")!;
  assert.equal(wget.metadata.annotations?.[SOURCE_ANNOTATION], "./wget.yaml");
  assert.equal(wget.metadata.annotations?.[DIGEST_ANNOTATION], taskDigest(wget));
  const pipeline = memory.get("Pipeline", "dracon-inv")!;
  assert.equal(pipeline.metadata.annotations?.[KUSTOMIZATION_ANNOTATION], dir);
  assert.equal(pipeline.metadata.annotations?.[VERSION_ANNOTATION], VERSION);
  assert.deepEqual(memory.get("Task", "base"), helmBefore, "the Helm Task is untouched");
  assert.equal(memory.get("Task", "base")!.metadata.labels?.[MANAGED_BY_LABEL], "Helm");
});
