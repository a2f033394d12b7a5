/**
 * Helpers for chart tests: gather a fixture directory, write planned files
 * into a {@link MemoryFileSystem}, compare against golden directories.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { ChartFile } from "../../src/charts/chart_plan.ts";
import { gatherTasks } from "../../src/charts/gather.ts";
import { DenoFileSystem } from "../../src/io/filesystem.ts";

/** The Dracon corpus checkout the tests read. */
export { DRACON_ROOT } from "../cli/_cli.ts";

/** A path under `fixtures/`. */
export function fixture(path: string): string {
  return new URL(`../../fixtures/${path}`, import.meta.url).pathname;
}

/** `{origin, task}` pairs of every Task under `dir`, origins relative to it. */
export async function chartTasks(dir: string) {
  const { tasks } = await gatherTasks(dir, new DenoFileSystem());
  return tasks.map((t) => ({ origin: t.relative, task: t.task }));
}

/**
 * Asserts that `files` equal the golden directory `dir` file by file (and that
 * no other file is there). `UPDATE_GOLDEN=1` rewrites the directory first.
 */
export async function assertGoldenDir(files: readonly ChartFile[], dir: string): Promise<void> {
  if (Deno.env.get("UPDATE_GOLDEN") === "1") {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    for (const file of files) {
      await Deno.mkdir(`${dir}/${file.path}`.replace(/\/[^/]+$/, ""), { recursive: true });
      await Deno.writeTextFile(`${dir}/${file.path}`, file.content);
    }
  }
  const present: string[] = [];
  const walk = async (sub: string): Promise<void> => {
    for await (const entry of Deno.readDir(sub ? `${dir}/${sub}` : dir)) {
      const path = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory) await walk(path);
      else present.push(path);
    }
  };
  await walk("");
  assert.deepEqual(present.sort(), files.map((f) => f.path), `files of ${dir}`);
  for (const file of files) {
    assert.equal(file.content, await Deno.readTextFile(`${dir}/${file.path}`), file.path);
  }
}
