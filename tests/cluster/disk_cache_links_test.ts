/**
 * The disk cache (src/io/disk_cache.ts) against symlinks: planted entries
 * and cache directories that are links, beside group-writable and huge
 * entries. Here rather than in tests/io/disk_cache_test.ts because
 * `Deno.symlink` needs unscoped `--allow-read` and `--allow-write`, which
 * only the cluster set has (scripts/test); no cluster is used.
 *
 * @module
 */
import assert from "node:assert/strict";
import { sha256Hex } from "../../src/base/sha256.ts";
import { cacheKey } from "../../src/io/cache.ts";
import { DiskCache, MAX_ENTRY_BYTES } from "../../src/io/disk_cache.ts";
import { MemoryLogger } from "../_fakes/memory_logger.ts";

const KEY = cacheKey(["test", 1]);
const OTHER = cacheKey(["test", 2]);

async function tempDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "draconctl-cache-test-" });
}

Deno.test("a symlinked, group-writable or oversized entry is ignored; a write replaces a symlink, not its target", async () => {
  const root = await tempDir();
  const cache = new DiskCache(`${root}/cache`);
  await cache.put(OTHER, "x"); // creates the directory
  const target = `${root}/elsewhere`;
  await Deno.writeTextFile(target, `draconctl-cache-v1 ${KEY} ${sha256Hex("planted")}\nplanted`);
  await Deno.symlink(target, `${root}/cache/${KEY}`);
  assert.equal(await cache.get(KEY), undefined, "symlink");
  await cache.put(KEY, "own");
  assert.equal(await cache.get(KEY), "own");
  assert.match(await Deno.readTextFile(target), /planted$/, "the symlink's target is untouched");

  await Deno.chmod(`${root}/cache/${KEY}`, 0o620);
  assert.equal(await cache.get(KEY), undefined, "group-writable");

  const huge = "y".repeat(MAX_ENTRY_BYTES + 1);
  await cache.put(KEY, huge);
  assert.equal(await cache.get(KEY), undefined, "larger than MAX_ENTRY_BYTES");
  await Deno.remove(root, { recursive: true });
});

Deno.test("an unusable directory turns the cache off for the run: every get misses, every put is a no-op", async (t) => {
  const root = await tempDir();
  const file = `${root}/a-file`;
  await Deno.writeTextFile(file, "");
  const cases: Record<string, string> = {
    "a file in the way": `${file}/cache`,
    "the directory is a file": file,
    "group-writable": `${root}/open`,
    "a symlink": `${root}/link`,
  };
  await Deno.mkdir(`${root}/open`, { mode: 0o777 });
  await Deno.chmod(`${root}/open`, 0o777);
  await Deno.mkdir(`${root}/real`, { mode: 0o700 });
  await Deno.symlink(`${root}/real`, `${root}/link`);
  for (const [what, dir] of Object.entries(cases)) {
    await t.step(what, async () => {
      const logger = new MemoryLogger();
      const cache = new DiskCache(dir, logger);
      await cache.put(KEY, "v");
      assert.equal(await cache.get(KEY), undefined);
      assert.equal(
        logger.debugs.filter((m) => m.startsWith("cache: off for this run")).length,
        1,
        logger.debugs.join("\n"),
      );
    });
  }
  const real = [];
  for await (const entry of Deno.readDir(`${root}/real`)) real.push(entry.name);
  assert.deepEqual(real, [], "nothing written through the symlink");
  await Deno.remove(root, { recursive: true });
});
