/**
 * readRegularFile() and friends against the real disk: special files are
 * refused before they are opened, and the cap counts bytes actually read.
 */
import assert from "node:assert/strict";
import {
  DenoFileSystem,
  FileTooLargeError,
  NotRegularFileError,
  readAtMost,
  readRegularFile,
} from "../../src/io/filesystem.ts";

const FIFTY_MIB = 50 * 1024 * 1024;

function fixture(name: string): string {
  return new URL(`../../fixtures/io/${name}`, import.meta.url).pathname;
}

async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "draconctl-fs-test-" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("readRegularFile() refuses what is not a regular file, naming it and its type", async (t) => {
  const cases: [string, string][] = [
    ["/dev/zero", "a character device"],
    ["/dev/null", "a character device"],
    ["/dev/urandom", "a character device"],
    [new URL(".", import.meta.url).pathname, "a directory"],
  ];
  for (const [path, type] of cases) {
    await t.step(path, async () => {
      const error = await readRegularFile(path).catch((e) => e);
      assert.ok(error instanceof NotRegularFileError, String(error));
      assert.equal(error.message, `${path}: not a regular file (${type})`);
    });
  }
  await t.step("a symlink to a device", async () => {
    const error = await readRegularFile(fixture("dev-zero.yaml")).catch((e) => e);
    assert.ok(error instanceof NotRegularFileError, String(error));
    assert.equal(error.type, "character device");
  });
  // Sockets and FIFOs need permissions unit tests lack: tests/cluster/bad_input_cluster_test.ts.
});

Deno.test("readRegularFile() refuses a 50 MiB file from its size, without reading it", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/task.yaml`;
    using file = await Deno.open(path, { write: true, create: true });
    await file.truncate(FIFTY_MIB); // sparse: costs no disk
    const started = performance.now();
    const error = await readRegularFile(path).catch((e) => e);
    assert.ok(error instanceof FileTooLargeError, String(error));
    assert.equal(error.size, FIFTY_MIB);
    assert.match(error.message, /file is 52428800 bytes, larger than the limit of 1048576 bytes/);
    assert.ok(performance.now() - started < 500, "refused without reading 50 MiB");
  });
});

Deno.test("readRegularFile() reads a regular file, symlinks followed, up to the cap", async () => {
  for (const path of [fixture("regular.yaml"), fixture("link.yaml")]) {
    assert.equal(new TextDecoder().decode(await readRegularFile(path)), "kind: Task\n");
    assert.equal(await new DenoFileSystem().readTextFile(path), "kind: Task\n");
  }
  assert.equal((await readRegularFile(fixture("link.yaml"), { maxBytes: 11 })).length, 11);
  await assert.rejects(readRegularFile(fixture("link.yaml"), { maxBytes: 10 }), FileTooLargeError);
});

Deno.test("readAtMost() stops an endless source one byte past the cap", async () => {
  let requested = 0;
  const endless = {
    read(into: Uint8Array): Promise<number> {
      requested += into.length;
      into.fill(0x61);
      return Promise.resolve(into.length);
    },
  };
  const maxBytes = 300 * 1024;
  const error = await readAtMost(endless, "/dev/endless", maxBytes).catch((e) => e);
  assert.ok(error instanceof FileTooLargeError, String(error));
  assert.equal(error.message, `/dev/endless: file is larger than the limit of ${maxBytes} bytes`);
  assert.equal(requested, maxBytes + 1, "never asks for more than one byte past the cap");
  const short = { read: (into: Uint8Array) => Promise.resolve(into.length > 0 ? null : 0) };
  assert.deepEqual(await readAtMost(short, "/x", 10), new Uint8Array(0));
});
