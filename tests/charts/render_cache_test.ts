/**
 * Rendering through the cache across runs (src/charts/render_cache.ts):
 * a hit gives what the renderer gives and does not load it; the key
 * changes with every input and with the code; helm renders and failures
 * are not stored.
 *
 * @module
 */
import assert from "node:assert/strict";
import * as renderer from "../../src/charts/render.ts";
import { type Renderer, renderTasksCached } from "../../src/charts/render_cache.ts";
import type { ChartTask } from "../../src/charts/chart_plan.ts";
import type { RenderOptions } from "../../src/charts/render.ts";
import { RenderMemo } from "../../src/charts/render_memo.ts";
import { holdsHelmExpression } from "../../src/tekton/task.ts";
import { processTask } from "../../src/dracon/component_task.ts";
import { HelmError } from "../../src/errors.ts";
import { MemoryFileSystem } from "../_fakes/memory_fs.ts";
import { FakeHelm } from "../_fakes/fake_helm.ts";
import { MemoryCache } from "../_fakes/memory_cache.ts";
import { chartTasks, DRACON_ROOT } from "./_charts.ts";

const MODULES = ["file:///render.ts"];

/** Every corpus Task holding Helm expressions, processed as the deploy renders them. */
const CORPUS: ChartTask[] = (await chartTasks(`${DRACON_ROOT}/components`))
  .map(({ origin, task }) => ({ origin, task: processTask(task) }))
  .filter(({ task }) => holdsHelmExpression(task));

function setup(cache = new MemoryCache()) {
  const fs = new MemoryFileSystem();
  const helm = new FakeHelm(fs);
  let loads = 0;
  const load = () => {
    loads++;
    return Promise.resolve(renderer as Renderer);
  };
  return { cache, deps: { fs, helm, cache }, load, loads: () => loads, helm };
}

Deno.test("cold, then warm: the same Tasks as renderTasks, and a warm run loads no renderer", async () => {
  assert.ok(CORPUS.length >= 30, `${CORPUS.length} corpus Tasks with expressions`);
  const options: RenderOptions = { namespace: "dracon" };
  const fs = new MemoryFileSystem();
  const expected = await renderer.renderTasks(CORPUS, { fs, helm: new FakeHelm(fs) }, options);
  const { cache, deps, load, loads } = setup();
  const cold = await renderTasksCached(CORPUS, deps, options, load, MODULES);
  assert.deepEqual(cold, expected);
  assert.equal(loads(), 1);
  assert.equal(cache.puts.length, CORPUS.length, "each in-process render is stored");
  const warm = await renderTasksCached(CORPUS, deps, options, load, MODULES);
  assert.equal(JSON.stringify(warm), JSON.stringify(expected));
  assert.equal(loads(), 1, "no renderer loaded on a warm run");
  assert.deepEqual(cache.counts(), { hits: CORPUS.length, misses: CORPUS.length });
});

Deno.test("the key changes with the Task, its origin, the app version, the namespace and the code", async () => {
  const [one, two] = CORPUS;
  const keyOf = async (task: ChartTask, options: RenderOptions, code = "code-1") => {
    const { cache, deps, load } = setup();
    cache.code = code;
    await renderTasksCached([task], deps, options, load, MODULES);
    return cache.puts[0]!;
  };
  const base = await keyOf(one!, { namespace: "dracon" });
  assert.equal(await keyOf(one!, { namespace: "dracon" }), base, "stable");
  const variants = {
    "another Task": await keyOf(two!, { namespace: "dracon" }),
    "the Task changed": await keyOf({
      ...one!,
      task: { ...one!.task, metadata: { ...one!.task.metadata, name: "renamed" } },
    }, { namespace: "dracon" }),
    "another origin": await keyOf({ ...one!, origin: "elsewhere/task.yaml" }, {
      namespace: "dracon",
    }),
    "an app version": await keyOf(one!, { namespace: "dracon", appVersion: "1.2.3" }),
    "other code": await keyOf(one!, { namespace: "dracon" }, "code-2"),
  };
  for (const [what, key] of Object.entries(variants)) assert.notEqual(key, base, what);
  assert.equal(new Set(Object.values(variants)).size, Object.keys(variants).length);
  // No corpus template reads .Release: their renders do not depend on the namespace.
  assert.equal(await keyOf(one!, { namespace: "other" }), base, "another namespace");
});

Deno.test("a Task that reads .Release.Namespace is stored per namespace", async () => {
  const [one] = CORPUS;
  const task = structuredClone(one!.task);
  task.spec.steps![0]!.env = [{ name: "NS", value: "{{ .Release.Namespace }}" }];
  const chartTask = { origin: one!.origin, task };
  const { cache, deps, load, loads } = setup();
  const render = async (namespace: string) => {
    const [rendered] = await renderTasksCached([chartTask], deps, { namespace }, load, MODULES);
    return rendered!.spec.steps![0]!.env!.find((e) => e.name === "NS")!.value;
  };
  assert.equal(await render("first"), "first");
  assert.equal(cache.puts.length, 2, "the note, and the render under the namespace");
  assert.equal(await render("second"), "second", "not the first namespace's render");
  assert.equal(loads(), 2);
  assert.equal(await render("first"), "first");
  assert.equal(await render("second"), "second");
  assert.equal(loads(), 2, "both namespaces' renders are stored");
});

Deno.test("--set, values files, another engine, or no code digest: rendered as without a cache, nothing looked up", async (t) => {
  const cases: Record<string, [RenderOptions, string | undefined]> = {
    "--set": [{ namespace: "d", set: ["image.registry=r.internal"] }, "code-1"],
    "-f": [
      { namespace: "d", values: [{ file: "v.yaml", text: "image:\n  registry: r\n" }] },
      "code-1",
    ],
    "engine helm": [{ namespace: "d", engine: "helm" }, "code-1"],
    "no code digest": [{ namespace: "d" }, undefined],
  };
  for (const [what, [options, code]] of Object.entries(cases)) {
    await t.step(what, async () => {
      const { cache, deps, load } = setup();
      cache.code = code;
      const fs = new MemoryFileSystem();
      const expected = await renderer.renderTasks(CORPUS.slice(0, 3), {
        fs,
        helm: new FakeHelm(fs),
      }, options);
      assert.deepEqual(
        await renderTasksCached(CORPUS.slice(0, 3), deps, options, load, MODULES),
        expected,
      );
      assert.deepEqual(cache.gets, []);
      assert.deepEqual(cache.puts, []);
    });
  }
});

Deno.test("a template that needs helm is rendered by helm and not stored", async () => {
  const [one] = CORPUS;
  const task = structuredClone(one!.task);
  task.spec.steps![0]!.image = '{{ printf "%s" .Values.image.registry }}/x:1';
  const { cache, deps, load, helm } = setup();
  const fs = new MemoryFileSystem();
  const expected = await renderer.renderTasks([{ origin: one!.origin, task }], {
    fs,
    helm: new FakeHelm(fs),
  }, { namespace: "d" }).catch((error) => error);
  const got = await renderTasksCached(
    [{ origin: one!.origin, task }],
    deps,
    { namespace: "d" },
    load,
    MODULES,
  )
    .catch((error) => error);
  assert.deepEqual(got, expected);
  assert.ok(helm.calls.some((c) => c.method === "template"), "helm rendered it");
  assert.deepEqual(cache.puts, []);
});

Deno.test("a failing render fails as without a cache, and is not stored", async () => {
  const [one, two] = CORPUS;
  const bad = structuredClone(one!.task);
  bad.spec.steps![0]!.image = '{{ printf "%s" .Values.image.registry }}/x:1'; // needs helm
  const tasks = [{ origin: "bad.yaml", task: bad }, two!];
  const failing = () => {
    const fs = new MemoryFileSystem();
    const helm = new FakeHelm(fs);
    helm.templateError = new HelmError("bad.yaml: helm template failed");
    return { fs, helm };
  };
  const expected = await renderer.renderTasks(tasks, failing(), { namespace: "d" }).then(
    () => undefined,
    (error) => error,
  );
  assert.ok(expected instanceof HelmError, "the bad Task fails to render");
  const { cache, load } = setup();
  const got = await renderTasksCached(
    tasks,
    { ...failing(), cache },
    { namespace: "d" },
    load,
    MODULES,
  )
    .then(() => undefined, (error) => error);
  assert.equal(got?.constructor, expected.constructor);
  assert.equal(got?.message, expected.message);
  assert.equal(cache.puts.length, 1, "only the good Task is stored");
});

Deno.test("a stored entry that is not a Task is a miss, rendered and stored again", async () => {
  const [one] = CORPUS;
  const { cache, deps, load, loads } = setup();
  const first = await renderTasksCached([one!], deps, { namespace: "d" }, load, MODULES);
  const key = cache.puts[0]!;
  for (const poison of ["not json", "[]", '{"kind":"Pipeline","metadata":{}}', '{"kind":"Task"}']) {
    cache.entries.set(key, poison);
    assert.deepEqual(
      await renderTasksCached([one!], deps, { namespace: "d" }, load, MODULES),
      first,
    );
    assert.equal(JSON.parse(cache.entries.get(key)!).kind, "Task", "rewritten");
  }
  assert.equal(loads(), 5);
});

Deno.test("with the run's memo, Tasks shared by concurrent deploys are rendered once", async () => {
  const tasks = CORPUS.slice(0, 5);
  const { deps, load } = setup();
  const memo = new RenderMemo();
  const options: RenderOptions = { namespace: "d", memo };
  const [a, b] = await Promise.all([
    renderTasksCached(tasks, deps, options, load, MODULES),
    renderTasksCached([...tasks].reverse(), deps, options, load, MODULES),
  ]);
  assert.equal(memo.rendered, tasks.length);
  assert.deepEqual(b, [...a!].reverse());
  const fs = new MemoryFileSystem();
  assert.deepEqual(
    a,
    await renderer.renderTasks(tasks, { fs, helm: new FakeHelm(fs) }, { namespace: "d" }),
  );
});
