import assert from "node:assert/strict";
import { renderTask, renderTasks } from "../../src/charts/render.ts";
import { helmExpressionsIn } from "../../src/tekton/task.ts";
import type { Task } from "../../src/tekton/types.ts";
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

const VALUES = { namespace: "dracon", set: ["image.registry=registry.internal"] };

Deno.test("renderTasks() with values: one helm template for all the Tasks, each as renderTask() alone gives it", async () => {
  const tasks = (await chartTasks(`${DRACON_ROOT}/components`))
    .filter((t) => helmExpressionsIn(t.task).length > 0);
  assert.ok(tasks.length >= 20, `${tasks.length} corpus Tasks hold Helm expressions`);
  const fs = new MemoryFileSystem();
  const helm = new FakeHelm(fs);
  const rendered = await renderTasks(tasks, { fs, helm }, VALUES);
  assert.deepEqual(helm.calls.map((c) => c.method), ["template"]);
  assert.deepEqual([...fs.files.keys()], [], "the temporary chart is removed");
  for (const [i, { origin, task }] of tasks.entries()) {
    const alone = await renderTask(task, origin, { fs, helm: new FakeHelm(fs) }, VALUES);
    assert.deepEqual(rendered[i], alone, origin);
    assert.equal(helmExpressionsIn(rendered[i]!).length, 0, origin);
  }
});

Deno.test("renderTasks() puts Tasks one chart cannot hold as each alone into separate charts", async (t) => {
  const withStep = (name: string, image: string): { origin: string; task: Task } => ({
    origin: `${name}.yaml`,
    task: {
      apiVersion: "tekton.dev/v1beta1",
      kind: "Task",
      metadata: { name, labels: { "v1.dracon.ocurity.com/component": "producer" } },
      spec: { steps: [{ name: "run", image, script: "true" }] },
    },
  });
  const cases = [
    {
      name: "a value read as a string by one and as a map by another",
      tasks: [
        withStep("producer-a", "{{ .Values.x }}"),
        withStep("producer-b", "{{ .Values.x.y }}"),
      ],
      calls: 2,
    },
    {
      name: "the same name twice",
      tasks: [withStep("producer-a", "{{ .Values.x }}"), withStep("producer-a", "{{ .Values.z }}")],
      calls: 2,
    },
    {
      name: "no conflict: one chart",
      tasks: [
        withStep("producer-a", "{{ .Values.x.z }}"),
        withStep("producer-b", "{{ .Values.x.y }}"),
      ],
      calls: 1,
    },
  ];
  for (const c of cases) {
    await t.step(c.name, async () => {
      const fs = new MemoryFileSystem();
      const helm = new FakeHelm(fs);
      const rendered = await renderTasks(c.tasks, { fs, helm }, VALUES);
      assert.equal(helm.calls.length, c.calls);
      for (const [i, { origin, task }] of c.tasks.entries()) {
        const alone = await renderTask(task, origin, { fs, helm: new FakeHelm(fs) }, VALUES);
        assert.deepEqual(rendered[i], alone, origin);
      }
    });
  }
});

Deno.test("the chart's anchor step renders anchor.image: busybox by default, the value when set", async () => {
  const tasks = await chartTasks(`${DRACON_ROOT}/components`);
  const gosec = tasks.find((t) => t.task.metadata.name === "producer-golang-gosec")!;
  const anchorImage = (task: Task) => task.spec.steps?.find((s) => s.name === "anchor")?.image;
  const fs = new MemoryFileSystem();
  const helm = new FakeHelm(fs);
  const byDefault = await renderTask(gosec.task, gosec.origin, { fs, helm }, { namespace: "x" });
  assert.equal(anchorImage(byDefault), "docker.io/busybox");
  assert.deepEqual(helm.calls, [], "in-process");
  const pinned = `registry.internal.example/busybox@sha256:${"b".repeat(64)}`;
  for (const set of [[`anchor.image=${pinned}`], ["anchor.image="]]) {
    const rendered = await renderTask(gosec.task, gosec.origin, { fs, helm }, {
      namespace: "x",
      set,
    });
    assert.equal(anchorImage(rendered), set[0] === "anchor.image=" ? "docker.io/busybox" : pinned);
  }
});
