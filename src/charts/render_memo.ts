/**
 * One run's renders, in memory: a Task rendered once with the same content
 * and the same options is not rendered again in that run (`pipelines deploy`
 * of many kustomizations that share Tasks). The key is the Task's JSON and
 * every option that reaches the renderer (values files' text, `--set`, the
 * app version, the namespace, the engine), so an entry is reused only for
 * an identical render; nothing is kept between runs, so nothing goes stale.
 * A failed render is not kept: each caller renders it again and gets the
 * error with its own origin.
 *
 * @module
 */
import type { Task } from "../tekton/types.ts";

/** A run's rendered Tasks by render key; see the module documentation. */
export class RenderMemo {
  readonly #renders = new Map<string, Promise<Task>>();
  /** How many Tasks were rendered (not taken from the memo): tests read it. */
  rendered = 0;

  /**
   * The renders of `tasks` (by their `keys`), rendering only those not
   * rendered yet (or whose render failed) with one call of `render`. Each
   * caller gets its own copy.
   */
  async renderAll(
    keys: readonly string[],
    render: (indexes: number[]) => Promise<Task[]>,
  ): Promise<Task[]> {
    const out: (Task | undefined)[] = keys.map(() => undefined);
    const waiting = keys.map((key) => this.#renders.get(key));
    const missing = keys.flatMap((_, i) => waiting[i] === undefined ? [i] : []);
    const fresh = missing.length === 0 ? undefined : render(missing);
    missing.forEach((i, j) => {
      const one = fresh!.then((tasks) => tasks[j]!);
      one.catch(() => this.#renders.delete(keys[i]!));
      this.#renders.set(keys[i]!, one);
    });
    if (fresh !== undefined) {
      const tasks = await fresh;
      this.rendered += missing.length;
      missing.forEach((i, j) => out[i] = tasks[j]);
    }
    const again: number[] = [];
    await Promise.all(keys.map(async (_, i) => {
      if (out[i] !== undefined) return;
      try {
        out[i] = await waiting[i]!;
      } catch {
        again.push(i); // another caller's render failed: ours names our origin
      }
    }));
    if (again.length > 0) {
      again.sort((a, b) => a - b);
      const tasks = await render(again);
      this.rendered += again.length;
      again.forEach((i, j) => out[i] = tasks[j]);
    }
    return out.map((task) => structuredClone(task!));
  }
}
