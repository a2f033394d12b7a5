import assert from "node:assert/strict";
import { CHART_LABELS, NAME_LABEL, planChart } from "../../src/charts/chart_plan.ts";
import { writeChart } from "../../src/charts/package.ts";
import { ValidationError } from "../../src/errors.ts";
import { parseYamlDocuments } from "../../src/yaml/yaml.ts";
import { processTask } from "../../src/dracon/component_task.ts";
import type { Task } from "../../src/tekton/types.ts";
import { FakeHelm } from "../_fakes/fake_helm.ts";
import { MemoryFileSystem } from "../_fakes/memory_fs.ts";
import { assertGoldenDir, chartTasks, DRACON_ROOT, fixture } from "./_charts.ts";

const OPTIONS = { name: "dracon-components", chartVersion: "0.1.0", appVersion: "0.1.0" };

Deno.test("planChart() plans the golden chart of the 48 corpus Tasks", async () => {
  const tasks = await chartTasks(`${DRACON_ROOT}/components`);
  assert.equal(tasks.length, 48);
  const files = planChart(tasks, OPTIONS);
  assert.equal(files.length, 48 + 3);
  await assertGoldenDir(files, fixture("charts/dracon-components/expected"));
});

Deno.test("planChart() plans the golden chart of Tasks with text to escape", async () => {
  const tasks = await chartTasks(fixture("charts/escaping/tasks"));
  const files = planChart(tasks, { ...OPTIONS, name: "escaping", appVersion: "1.0" });
  await assertGoldenDir(files, fixture("charts/escaping/expected"));
});

Deno.test("planChart() output depends only on the Tasks, not their order", async () => {
  const tasks = await chartTasks(`${DRACON_ROOT}/components`);
  assert.deepEqual(planChart([...tasks].reverse(), OPTIONS), planChart(tasks, OPTIONS));
});

Deno.test("planChart() refuses bad chart identities, all at once", async (t) => {
  const tasks = await chartTasks(fixture("charts/escaping/tasks"));
  const cases: [Partial<typeof OPTIONS>, string[]][] = [
    [{ name: "Dracon_Components" }, ['Invalid chart name "Dracon_Components"']],
    [{ name: "-x" }, ['Invalid chart name "-x"']],
    [{ chartVersion: "1.0" }, ['Invalid chart version "1.0"', "SemVer"]],
    [{ chartVersion: "v1.0.0" }, ['Invalid chart version "v1.0.0"']],
    [{ appVersion: "1.0 beta" }, ['Invalid app version "1.0 beta"']],
    [{ name: "x".repeat(60) }, ['"helm.sh/chart"', "63"]],
    [{ name: "A", chartVersion: "1" }, ["chart name", "chart version"]],
  ];
  for (const [override, parts] of cases) {
    await t.step(JSON.stringify(override), () => {
      assert.throws(() => planChart(tasks, { ...OPTIONS, ...override }), (error) => {
        assert.ok(error instanceof ValidationError);
        for (const part of parts) assert.ok(error.message.includes(part), error.message);
        return true;
      });
    });
  }
});

Deno.test("planChart() refuses duplicate Task names and invalid Tasks, naming the files", async () => {
  const [first] = await chartTasks(fixture("charts/escaping/tasks"));
  const broken = structuredClone(first!.task);
  broken.metadata.labels = {};
  assert.throws(
    () =>
      planChart([first!, { origin: "b/task.yaml", task: first!.task }, {
        origin: "c/task.yaml",
        task: broken,
      }], OPTIONS),
    (error) => {
      assert.ok(error instanceof ValidationError);
      assert.match(
        error.message,
        /b\/task\.yaml: Task "consumer-report" is also defined in consumers\/report\/task\.yaml/,
      );
      assert.match(error.message, /c\/task\.yaml: Task "consumer-report": missing label/);
      return true;
    },
  );
});

Deno.test("planChart() labels every Task for the seed's selector, or not at all for rendering", async () => {
  const tasks = await chartTasks(`${DRACON_ROOT}/components`);
  for (const file of planChart(tasks, OPTIONS).filter((f) => f.path.endsWith(".yaml"))) {
    if (!file.path.startsWith("templates/")) continue;
    for (const [label, value] of Object.entries(CHART_LABELS)) {
      assert.ok(file.content.includes(`${label}: '${value}'`), `${file.path}: ${label}`);
    }
    assert.ok(file.content.includes(`${NAME_LABEL}: `), file.path);
  }
  const bare = planChart(tasks.slice(0, 1), { ...OPTIONS, helmLabels: false });
  assert.ok(!bare.some((f) => f.content.includes("app.kubernetes.io/managed-by")));
});

Deno.test("planChart() escapes text so rendering gives back every string of the processed Task", async () => {
  const tasks = await chartTasks(fixture("charts/escaping/tasks"));
  const fs = new MemoryFileSystem();
  await writeChart(planChart(tasks, { ...OPTIONS, helmLabels: false }), "/chart", fs);
  const rendered = await new FakeHelm(fs).template("/chart", {
    releaseName: "r",
    namespace: "ns",
    set: ["image.registry=registry.internal", "report.title=Weekly"],
  });
  const objects = (await parseYamlDocuments(rendered, "rendered")).map((d) => d.value as Task);
  const producer = objects.find((o) => o.metadata.name === "producer-templated")!;
  const original = processTask(
    tasks.find((t) => t.task.metadata.name === "producer-templated")!.task,
  );
  assert.equal(
    producer.spec.steps![0]!.script,
    original.spec.steps![0]!.script!.replace(
      "{{ .Release.Name }} in {{ .Release.Namespace }}",
      "r in ns",
    ),
    "every text {{ verbatim, the .Release expressions rendered",
  );
  assert.deepEqual(
    producer.spec.params![0],
    original.spec.params![0],
    "Go template default verbatim",
  );
  assert.equal(
    producer.spec.steps![0]!.image,
    "registry.internal/components/producers/templated:0.1.0",
  );
  const consumer = objects.find((o) => o.metadata.name === "consumer-report")!;
  assert.deepEqual(consumer.spec.steps![0]!.env, [
    { name: "DSN", value: "postgresql://@/db" },
    { name: "VERSION", value: "0.1.0" },
    { name: "{{ weird key }}", value: "yes" },
  ]);
  assert.equal(consumer.spec.steps![0]!.script, 'echo ""Weekly""');
});

Deno.test("planChart() documents anchor.image when a Task has an anchor step, and only then", async () => {
  const tasks = await chartTasks(`${DRACON_ROOT}/components`);
  const valuesOf = async (chosen: typeof tasks) => {
    const text = planChart(chosen, OPTIONS).find((f) => f.path === "values.yaml")!.content;
    const [doc] = await parseYamlDocuments(text, "values.yaml");
    return doc!.value as { anchor?: { image?: unknown } };
  };
  const labelled = (type: string) =>
    tasks.filter((t) => t.task.metadata.labels?.["v1.dracon.ocurity.com/component"] === type);
  assert.equal((await valuesOf(tasks)).anchor?.image, "docker.io/busybox");
  assert.equal((await valuesOf(labelled("producer"))).anchor?.image, "docker.io/busybox");
  const withoutAnchor = [...labelled("base"), ...labelled("consumer")];
  assert.ok(withoutAnchor.length > 0);
  assert.equal((await valuesOf(withoutAnchor)).anchor, undefined);
});
