import assert from "node:assert/strict";
import { renderTask } from "../../src/charts/render.ts";
import { HelmNotInstalledError } from "../../src/helm/helm.ts";
import { DenoFileSystem } from "../../src/io/filesystem.ts";
import { FakeHelm } from "../_fakes/fake_helm.ts";
import { MemoryFileSystem } from "../_fakes/memory_fs.ts";
import { chartTasks, DRACON_ROOT } from "./_charts.ts";

Deno.test("renderTask() renders a corpus Task with the given values and no Helm labels", async () => {
  const tasks = await chartTasks(`${DRACON_ROOT}/components`);
  const gosec = tasks.find((t) => t.task.metadata.name === "producer-golang-gosec")!;
  const fs = new MemoryFileSystem();
  const helm = new FakeHelm(fs);
  const task = await renderTask(gosec.task, gosec.origin, { fs, helm }, {
    namespace: "dracon",
    set: ["image.registry=registry.internal"],
    appVersion: "1.2.3",
  });
  assert.equal(
    task.spec.steps![1]!.image,
    "registry.internal/components/producers/golang-gosec:1.2.3",
  );
  assert.ok(!("app.kubernetes.io/managed-by" in (task.metadata.labels ?? {})));
  assert.deepEqual(helm.calls.map((c) => c.method), ["template"]);
  assert.deepEqual([...fs.files.keys()], [], "the temporary chart is removed");
});

Deno.test("renderTask() defaults: the Task's own registry default and app version latest", async () => {
  const [first] = (await chartTasks(`${DRACON_ROOT}/components`)).filter((t) =>
    t.task.metadata.name === "producer-golang-gosec"
  );
  const fs = new DenoFileSystem();
  const task = await renderTask(first!.task, first!.origin, { fs, helm: new FakeHelm(fs) }, {
    namespace: "default",
  });
  assert.equal(
    task.spec.steps![1]!.image,
    "ghcr.io/ocurity/dracon/components/producers/golang-gosec:latest",
  );
});

Deno.test("renderTask() with values needs helm, and passes HelmNotInstalledError through", async () => {
  const [first] = await chartTasks(`${DRACON_ROOT}/components`);
  const fs = new MemoryFileSystem();
  const helm = Object.assign(new FakeHelm(fs), { installed: false });
  await assert.rejects(
    renderTask(first!.task, first!.origin, { fs, helm }, {
      namespace: "x",
      set: ["image.registry=r"],
    }),
    HelmNotInstalledError,
  );
});

Deno.test("renderTask() with the chart defaults renders in-process: no helm needed", async () => {
  const [first] = await chartTasks(`${DRACON_ROOT}/components`);
  const fs = new MemoryFileSystem();
  const helm = Object.assign(new FakeHelm(fs), { installed: false });
  const task = await renderTask(first!.task, first!.origin, { fs, helm }, { namespace: "x" });
  assert.deepEqual(helm.calls, []);
  assert.ok(!JSON.stringify(task).includes("{{ default"), "rendered");
});
