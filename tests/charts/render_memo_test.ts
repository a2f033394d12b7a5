import assert from "node:assert/strict";
import { renderTasks } from "../../src/charts/render.ts";
import { RenderMemo } from "../../src/charts/render_memo.ts";
import { helmExpressionsIn } from "../../src/tekton/task.ts";
import { FakeHelm } from "../_fakes/fake_helm.ts";
import { MemoryFileSystem } from "../_fakes/memory_fs.ts";
import { chartTasks, DRACON_ROOT } from "./_charts.ts";

async function templated() {
  const tasks = (await chartTasks(`${DRACON_ROOT}/components`))
    .filter((t) => helmExpressionsIn(t.task).length > 0);
  assert.ok(tasks.length >= 2);
  return tasks;
}

function deps() {
  const fs = new MemoryFileSystem();
  return { fs, helm: new FakeHelm(fs) };
}

Deno.test("RenderMemo: an identical render is taken from the run's memo, as a copy", async () => {
  const [a, b] = await templated();
  const memo = new RenderMemo();
  const options = { namespace: "dracon", memo };
  const first = await renderTasks([a!, b!], deps(), options);
  const again = await renderTasks([b!, { ...a!, origin: "elsewhere/task.yaml" }], deps(), options);
  assert.equal(memo.rendered, 2, "the second call renders nothing");
  assert.deepEqual(again, [first[1], first[0]]);
  assert.notEqual(again[1], first[0], "each caller gets its own object");
  const plain = await renderTasks([a!, b!], deps(), { namespace: "dracon" });
  assert.deepEqual(first, plain, "the memo changes no render");
});

Deno.test("RenderMemo: any other content or option is a render of its own", async () => {
  const [a] = await templated();
  const memo = new RenderMemo();
  const rendered = async (task: typeof a, options: Record<string, unknown>) =>
    (await renderTasks([task!], deps(), { namespace: "dracon", memo, ...options }))[0]!;
  const base = await rendered(a, {});
  const changed = structuredClone(a!);
  changed.task.spec.description = `${changed.task.spec.description ?? ""} (changed)`;
  const cases = [
    await rendered(changed, {}),
    await rendered(a, { namespace: "other" }),
    await rendered(a, { appVersion: "9.9.9" }),
    await rendered(a, { set: ["image.registry=r.example"] }),
    await rendered(a, { values: [{ file: "v.yaml", text: "image:\n  registry: v.example\n" }] }),
    await rendered(a, { engine: "helm" }),
  ];
  assert.equal(memo.rendered, 7);
  assert.equal(cases[0]!.spec.description, changed.task.spec.description);
  assert.ok(JSON.stringify(cases).includes("9.9.9") && JSON.stringify(cases).includes("r.example"));
  assert.ok(JSON.stringify(cases).includes("v.example"));
  assert.notDeepEqual(cases[0], base);
});

Deno.test("RenderMemo: a failed render is not kept; each caller's error names its origin", async () => {
  const [a] = await templated();
  const memo = new RenderMemo();
  const helmLess = () => {
    const d = deps();
    return { ...d, helm: Object.assign(d.helm, { installed: false }) };
  };
  const options = { namespace: "x", set: ["image.registry=r"], memo };
  await assert.rejects(renderTasks([a!], helmLess(), options));
  const second = await renderTasks([a!], deps(), options);
  assert.equal(memo.rendered, 1, "rendered again after the failure");
  assert.match(JSON.stringify(second), /"r\/components\//);
});
