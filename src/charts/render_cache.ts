/**
 * Rendering through the {@link Cache} across runs (docs/cache.md): a Task
 * rendered in-process before — the same Task, origin and app version (and
 * namespace, when its template reads it), and the same code — is taken from
 * the cache, so a redeploy with no change renders nothing and does not load
 * the renderer (nor, with it, the `yaml` package). This module imports
 * neither.
 *
 * Only in-process renders with the chart's defaults are stored. Renders
 * with `--set` or values files, and templates outside the in-process
 * grammar, go through the `helm` binary, whose output depends on which helm
 * the `PATH` finds: they are rendered every time. Failures are never stored.
 *
 * @module
 */
import type { Deps } from "../deps.ts";
import { type Cache, cacheKey, isJsonExact } from "../io/cache.ts";
import { isMapping } from "../yaml/mapping.ts";
import type { Task } from "../tekton/types.ts";
import type { ChartTask } from "./chart_plan.ts";
import type { RenderOptions } from "./render.ts";

/** The renderer module, loaded only when something is to be rendered. */
export type Renderer = typeof import("./render.ts");

/**
 * Renders `tasks` as `renderer.renderTasks` does, taking each in-process
 * render from `cache` when it holds one for the same inputs and code
 * (`modules`' digest), and storing the new ones.
 *
 * A render is stored under the Task, its origin, the app version and the
 * code. The namespace (`.Release.Namespace`) changes a render only when the
 * Task's chart template mentions `Release`, which the renderer says when it
 * renders: such a render is stored under a second key that adds the
 * namespace, and the first key holds only that note. So a deploy to a new
 * namespace renders nothing either, unless a Task reads the namespace.
 *
 * @throws {HelmError} as `renderTasks`
 */
export async function renderTasksCached(
  tasks: readonly ChartTask[],
  deps: Pick<Deps, "fs" | "helm"> & { cache?: Cache | undefined },
  options: RenderOptions,
  load: () => Promise<Renderer>,
  modules: readonly string[],
): Promise<Task[]> {
  const { cache } = deps;
  const cacheable = cache !== undefined && (options.set ?? []).length === 0 &&
    (options.values ?? []).length === 0 && (options.engine ?? "auto") === "auto";
  const code = cacheable ? await cache.codeDigest(modules) : undefined;
  if (!cacheable || code === undefined) {
    return await (await load()).renderTasks(tasks, deps, options);
  }
  const keys = tasks.map(({ origin, task }) => {
    const key = cacheKey(["render", code, origin, task, options.appVersion ?? null]);
    return { key, namespaced: cacheKey([key, options.namespace]) };
  });
  const out = await Promise.all(keys.map(async ({ key, namespaced }) => {
    const stored = storedRender(await cache.get(key));
    return stored === NAMESPACED ? storedRender(await cache.get(namespaced)) : stored;
  }));
  const missing = [...tasks.keys()].filter((i) => !isTask(out[i]));
  if (missing.length === 0) return out as Task[];
  const { memo, ...rest } = options;
  const fresh = async (picked: readonly number[]) =>
    await renderAndStore(picked.map((i) => tasks[i]!), picked.map((i) => keys[i]!), {
      cache,
      deps,
      options: rest,
      renderer: await load(),
    });
  // The run's memo (several kustomizations sharing Tasks): each render once per run.
  const rendered = memo === undefined ? await fresh(missing) : await memo.renderAll(
    missing.map((i) => keys[i]!.namespaced),
    (indexes) => fresh(indexes.map((j) => missing[j]!)),
  );
  missing.forEach((i, j) => out[i] = rendered[j]);
  return out as Task[];
}

/**
 * Renders `tasks` as `renderTasks` does, each in-process where it can be
 * (stored under its keys), the others through `renderTasks` (helm, or the
 * failures, reported as without a cache).
 */
async function renderAndStore(
  tasks: readonly ChartTask[],
  keys: readonly { key: string; namespaced: string }[],
  { cache, deps, options, renderer }: {
    cache: Cache;
    deps: Pick<Deps, "fs" | "helm">;
    options: RenderOptions;
    renderer: Renderer;
  },
): Promise<Task[]> {
  const out: (Task | undefined)[] = tasks.map(() => undefined);
  const left: number[] = [];
  for (const [i, chartTask] of tasks.entries()) {
    let rendered: Awaited<ReturnType<Renderer["renderDefaultsInProcess"]>>;
    try {
      rendered = await renderer.renderDefaultsInProcess(chartTask, options);
    } catch {
      rendered = undefined; // rendered again below, which reports it as without a cache
    }
    if (rendered === undefined) {
      left.push(i);
      continue;
    }
    const { task, readsRelease } = rendered;
    out[i] = task;
    if (!isJsonExact(task)) continue;
    if (readsRelease) {
      await cache.put(keys[i]!.key, JSON.stringify({ namespaced: true }));
      await cache.put(keys[i]!.namespaced, JSON.stringify(task));
    } else await cache.put(keys[i]!.key, JSON.stringify(task));
  }
  if (left.length > 0) {
    const rendered = await renderer.renderTasks(left.map((i) => tasks[i]!), deps, options);
    left.forEach((i, j) => out[i] = rendered[j]);
  }
  return out as Task[];
}

/** A stored entry's note that the render depends on the namespace. */
const NAMESPACED = Symbol("namespaced");

/** A stored render that is a Task mapping, the namespace note, or `undefined`. */
function storedRender(text: string | undefined): Task | typeof NAMESPACED | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text);
    if (isMapping(value) && value.namespaced === true && Object.keys(value).length === 1) {
      return NAMESPACED;
    }
    return isTask(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function isTask(value: unknown): value is Task {
  return isMapping(value) && value.kind === "Task" && isMapping(value.metadata);
}
