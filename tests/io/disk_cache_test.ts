/**
 * The disk cache (src/io/disk_cache.ts) on a real temporary directory:
 * round trips, modes, atomic writes, corrupt and foreign entries, a denied
 * permission, eviction, and the code digest's import walk. Symlinked, huge
 * and group-writable entries and unusable directories need `Deno.symlink`,
 * which unscoped write permission only allows: tests/cluster/disk_cache_links_test.ts.
 *
 * @module
 */
import assert from "node:assert/strict";
import { cacheKey, isJsonExact } from "../../src/io/cache.ts";
import { cacheDirOf, cacheDisabled, openDiskCache } from "../../src/io/cache_dir.ts";
import { DiskCache, importsOf, sourceDigest } from "../../src/io/disk_cache.ts";
import { CACHED_MODULES } from "../../src/pipelines/task_load.ts";
import { MemoryLogger } from "../_fakes/memory_logger.ts";

const KEY = cacheKey(["test", 1]);
const OTHER = cacheKey(["test", 2]);

async function tempDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "draconctl-cache-test-" });
}

Deno.test("cacheDirOf: DRACONCTL_CACHE_DIR, else an absolute XDG_CACHE_HOME, else HOME/.cache", () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  assert.equal(
    cacheDirOf(env({ DRACONCTL_CACHE_DIR: "/c", XDG_CACHE_HOME: "/x", HOME: "/h" })),
    "/c",
  );
  assert.equal(cacheDirOf(env({ XDG_CACHE_HOME: "/x/", HOME: "/h" })), "/x/draconctl");
  assert.equal(cacheDirOf(env({ XDG_CACHE_HOME: "relative", HOME: "/h" })), "/h/.cache/draconctl");
  assert.equal(cacheDirOf(env({ HOME: "/h" })), "/h/.cache/draconctl");
  assert.equal(cacheDirOf(env({})), undefined);
  assert.equal(cacheDisabled(env({ DRACONCTL_NO_CACHE: "1" })), true);
  assert.equal(cacheDisabled(env({ DRACONCTL_NO_CACHE: "true" })), true);
  for (const off of ["", "0", "false", "FALSE"]) {
    assert.equal(cacheDisabled(env({ DRACONCTL_NO_CACHE: off })), false, off);
  }
  assert.equal(cacheDisabled(env({})), false);
});

Deno.test("a stored value comes back; the directory is 0700, the entry 0600, no temporary file left", async () => {
  const root = await tempDir();
  const dir = `${root}/a/b`;
  const cache = new DiskCache(dir);
  assert.equal(await cache.get(KEY), undefined);
  await cache.put(KEY, '{"x":1}');
  assert.equal(await cache.get(KEY), '{"x":1}');
  assert.equal(await new DiskCache(dir).get(KEY), '{"x":1}', "another run reads it");
  assert.equal(await cache.get(OTHER), undefined);
  assert.equal((await Deno.stat(dir)).mode! & 0o777, 0o700);
  assert.equal((await Deno.stat(`${dir}/${KEY}`)).mode! & 0o777, 0o600);
  const names = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  assert.deepEqual(names, [KEY]);
  await cache.put(KEY, '{"x":2}');
  assert.equal(await cache.get(KEY), '{"x":2}', "a write replaces the entry");
  await Deno.remove(root, { recursive: true });
});

Deno.test("a truncated, altered or foreign entry is a miss, and the next write replaces it", async () => {
  const root = await tempDir();
  const logger = new MemoryLogger();
  const cache = new DiskCache(root, logger);
  const path = `${root}/${KEY}`;
  await cache.put(KEY, "a value of some length");
  const intact = await Deno.readTextFile(path);
  const bad = {
    truncated: intact.slice(0, -3),
    altered: intact.replace("some", "SOME"),
    "no header": "a value of some length",
    "another key's": intact.replace(KEY, OTHER),
    "another format": intact.replace("draconctl-cache-v1", "draconctl-cache-v0"),
    empty: "",
  };
  for (const [what, text] of Object.entries(bad)) {
    await Deno.writeTextFile(path, text, { mode: 0o600 });
    assert.equal(await cache.get(KEY), undefined, what);
  }
  assert.ok(logger.debugs.some((m) => m.includes("not an intact entry")), logger.debugs.join("\n"));
  await cache.put(KEY, "a value of some length");
  assert.equal(await cache.get(KEY), "a value of some length");
  // An entry stored under another key's name (a copied file) is not that key's.
  await Deno.copyFile(path, `${root}/${OTHER}`);
  assert.equal(await cache.get(OTHER), undefined);
  await Deno.remove(root, { recursive: true });
});

Deno.test({
  name: "without write permission (Deno.errors.NotCapable) the cache is off, with a debug line",
  permissions: { read: true, write: false, env: false },
  async fn() {
    const logger = new MemoryLogger();
    const cache = openDiskCache("/tmp/draconctl-cache-not-capable", logger);
    await cache.put(KEY, "v");
    assert.equal(await cache.get(KEY), undefined);
    assert.ok(
      logger.debugs.some((m) => m.startsWith("cache: off for this run")),
      logger.debugs.join("\n"),
    );
  },
});

Deno.test("after the run's first write, the oldest entries go when the cache is over its limits", async () => {
  const root = await tempDir();
  const keys = Array.from({ length: 8 }, (_, i) => cacheKey(["evict", i]));
  const seed = new DiskCache(root, undefined, { maxEntries: 100 });
  for (const [i, key] of keys.entries()) {
    await seed.put(key, `value ${i}`);
    const time = new Date(Date.UTC(2026, 0, 1, 0, i));
    await Deno.utime(`${root}/${key}`, time, time);
  }
  // A stale temporary file of a killed run.
  await Deno.writeTextFile(`${root}/${keys[0]}.dead.tmp`, "x");
  await Deno.utime(`${root}/${keys[0]}.dead.tmp`, new Date(0), new Date(0));
  const cache = new DiskCache(root, undefined, { maxEntries: 8 });
  const fresh = cacheKey(["evict", "new"]);
  await cache.put(fresh, "new");
  const left = new Set<string>();
  for await (const entry of Deno.readDir(root)) left.add(entry.name);
  // 9 entries over a limit of 8: down to 6 (three quarters), the oldest first.
  assert.deepEqual([...left].sort(), [...keys.slice(3), fresh].sort());
  assert.equal(await cache.get(fresh), "new");
  await Deno.remove(root, { recursive: true });
});

Deno.test("the size limit evicts too", async () => {
  const root = await tempDir();
  const cache = new DiskCache(root, undefined, { maxBytes: 1000 });
  const keys = Array.from({ length: 5 }, (_, i) => cacheKey(["size", i]));
  for (const [i, key] of keys.entries()) {
    await new DiskCache(root).put(key, "z".repeat(300));
    const time = new Date(Date.UTC(2026, 0, 1, 0, i));
    await Deno.utime(`${root}/${key}`, time, time);
  }
  await cache.put(cacheKey(["size", "new"]), "z");
  let bytes = 0;
  for await (const entry of Deno.readDir(root)) {
    bytes += (await Deno.stat(`${root}/${entry.name}`)).size;
  }
  assert.ok(bytes <= 750, `${bytes} bytes left`);
  assert.equal(await cache.get(keys[0]!), undefined, "the oldest went");
  await Deno.remove(root, { recursive: true });
});

Deno.test("importsOf: static, re-exported and dynamic imports; type-only ones left out", () => {
  const source = [
    'import { a, type B } from "./a.ts";',
    'import type { C } from "./c.ts";',
    'import * as d from "./d.ts";',
    'import e, { f } from "./e.ts";',
    'export * from "./g.ts";',
    'export { h } from "./h.ts";',
    'export type { I } from "./i.ts";',
    'import "./side.ts";',
    'const j = await import("./j.ts");',
    "export interface K {",
    '  /** where it comes from "k" */',
    "}",
    'import {\n  l,\n  m,\n} from "./lm.ts";',
  ].join("\n");
  assert.deepEqual(importsOf(source), [
    "./a.ts",
    "./d.ts",
    "./e.ts",
    "./g.ts",
    "./h.ts",
    "./side.ts",
    "./j.ts",
    "./lm.ts",
  ]);
});

Deno.test("sourceDigest follows imports and changes with any module's source, not with a type-only import's", async () => {
  const root = await tempDir();
  const url = (name: string) => new URL(`file://${root}/${name}`).href;
  await Deno.writeTextFile(
    `${root}/a.ts`,
    'import { b } from "./b.ts";\nimport type { T } from "./t.ts";\n',
  );
  await Deno.writeTextFile(`${root}/b.ts`, 'export const b = await import("./c.ts");\n');
  await Deno.writeTextFile(`${root}/c.ts`, "export const c = 1;\n");
  await Deno.writeTextFile(`${root}/t.ts`, "export type T = 1;\n");
  const first = await sourceDigest([url("a.ts")]);
  assert.equal(await sourceDigest([url("a.ts")]), first, "stable");
  await Deno.writeTextFile(`${root}/t.ts`, "export type T = 2;\n");
  assert.equal(await sourceDigest([url("a.ts")]), first, "a type-only import does not count");
  await Deno.writeTextFile(`${root}/c.ts`, "export const c = 2;\n");
  const second = await sourceDigest([url("a.ts")]);
  assert.notEqual(second, first, "a module two imports away");
  await Deno.writeTextFile(`${root}/a.ts`, 'import { b } from "./b.ts"; // changed\n');
  assert.notEqual(await sourceDigest([url("a.ts")]), second, "the module itself");
  await Deno.remove(`${root}/c.ts`);
  await assert.rejects(sourceDigest([url("a.ts")]), Deno.errors.NotFound);
  await Deno.remove(root, { recursive: true });
});

Deno.test("the code digest of the cached modules can be made, and covers the renderer, the YAML reader and writer and npm versions", async () => {
  const digest = await sourceDigest(CACHED_MODULES);
  assert.match(digest, /^[0-9a-f]{64}$/);
  const seen: string[] = [];
  const walk = async (url: string) => {
    if (seen.includes(url) || !url.startsWith("file:")) return;
    seen.push(url);
    for (const s of importsOf(await Deno.readTextFile(new URL(url)))) {
      if (s.startsWith(".")) await walk(new URL(s, url).href);
      else seen.push(s);
    }
  };
  for (const m of CACHED_MODULES) await walk(m);
  const names = seen.map((s) => s.replace(/^.*\/src\//, "src/"));
  for (
    const expected of [
      "src/charts/render.ts",
      "src/charts/template_engine.ts",
      "src/charts/chart_plan.ts",
      "src/yaml/yaml.ts",
      "src/yaml/plain_strings.ts",
      "src/tekton/task_rules.ts",
      "src/dracon/component_task.ts",
      "src/pipelines/task_load.ts",
      "yaml",
      "js-yaml",
    ]
  ) assert.ok(names.includes(expected), `${expected} not covered: ${names.join(", ")}`);
});

Deno.test("isJsonExact: only what JSON gives back unchanged", () => {
  assert.ok(isJsonExact({ a: [1, "x", true, null, { b: 0.5 }] }));
  for (
    const value of [{ a: -0 }, { a: NaN }, { a: Infinity }, { a: undefined }, [1, , 2], new Date(0)]
  ) {
    assert.equal(isJsonExact(value), false, String(value));
  }
  assert.equal(isJsonExact(JSON.parse('{"__proto__": 1}')), false);
  assert.ok(isJsonExact(Object.assign(Object.create(null), { a: 1 })));
});
