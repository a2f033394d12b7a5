import assert from "node:assert/strict";
import { narrowestScope, SharedReaders } from "../../src/pipelines/shared_readers.ts";
import { MemoryFileSystem } from "../_fakes/memory_fs.ts";

Deno.test("narrowestScope() drops only absolute paths inside another path of the scope", () => {
  assert.deepEqual(
    narrowestScope({
      paths: ["/repo/examples/a", "/repo/", "/repo", "/repo/values.yaml", "/repository/x", "/rep"],
      timeoutMs: 5,
    }),
    { paths: ["/rep", "/repo", "/repository/x"], timeoutMs: 5 },
  );
  // "/x/ab" is not inside "/x/a"; relative paths are kept as they are.
  assert.deepEqual(narrowestScope({ paths: ["/x/a", "/x/ab", "a/b", "a"] }).paths, [
    "/x/a",
    "/x/ab",
    "a",
    "a/b",
  ]);
  assert.deepEqual(narrowestScope({ paths: "anywhere" }), { paths: "anywhere" });
});

Deno.test("SharedReaders: one reader per narrowed scope in use, ended by its last user", async () => {
  const inner = new MemoryFileSystem();
  inner.files.set("/repo/examples/a/kustomization.yaml", "a");
  const readers = new SharedReaders(inner);
  const fs = readers.fileSystem();
  const a = fs.confine({ paths: ["/repo/examples/a", "/repo"] });
  const b = fs.confine({ paths: ["/repo/examples/b", "/repo"] });
  const c = fs.confine({ paths: ["/elsewhere/c", "/repo"] });
  fs.confine({ paths: ["/repo/examples/b", "/repo"], timeoutMs: 1 }); // d
  assert.equal(readers.opened, 3, "a and b share one; c's scope and d's timeout differ");
  assert.deepEqual(inner.scopes.map((s) => s.paths), [["/repo"], ["/elsewhere/c", "/repo"], [
    "/repo",
  ]]);
  a.close();
  a.close();
  assert.equal(inner.closed, 0, "b still uses it (a second close counts once)");
  assert.equal(await b.readTextFile("/repo/examples/a/kustomization.yaml"), "a");
  await assert.rejects(c.readTextFile("/elsewhere/d/x"), /outside|scope/i, "still confined");
  assert.ok(await fs.stat("/repo/examples/a/kustomization.yaml"));
  b.close();
  c.close();
  assert.equal(inner.closed, 2, "ended by its last user");
  fs.confine({ paths: ["/repo"] });
  assert.equal(readers.opened, 4, "a scope no longer in use gets a new reader");
  readers.closeAll();
  assert.equal(inner.closed, 4, "closeAll() ends d's and the new one");
});
