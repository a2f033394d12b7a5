/**
 * TokenFileCredentials on an in-memory filesystem and a fake clock: read
 * again after 60 s (not before) and after a 401, the last good token kept
 * when a later read fails, and first-read errors naming the file.
 * StaticCredentials never refresh.
 */
import assert from "node:assert/strict";
import { ClusterError } from "../../src/errors.ts";
import {
  StaticCredentials,
  TOKEN_FILE_REREAD_MS,
  TokenFileCredentials,
} from "../../src/k8s/credentials.ts";
import { FakeClock } from "../_fakes/fake_clock.ts";
import { MemoryFileSystem } from "../_fakes/memory_fs.ts";

const FILE = "/sa/token";
const WHAT = 'tokenFile of user "u"';

/** A MemoryFileSystem that counts reads of FILE. */
class CountingFileSystem extends MemoryFileSystem {
  reads = 0;
  override readTextFile(path: string): Promise<string> {
    if (path === FILE) this.reads++;
    return super.readTextFile(path);
  }
}

function setup(token: string | null = "one\n") {
  const fs = new CountingFileSystem(token === null ? {} : { [FILE]: token });
  const clock = new FakeClock();
  const source = new TokenFileCredentials(FILE, { what: WHAT, fs, clock });
  return { fs, clock, source };
}

Deno.test("TokenFileCredentials reads the file again after 60 s, not before", async () => {
  assert.equal(TOKEN_FILE_REREAD_MS, 60_000);
  const { fs, clock, source } = setup();
  assert.deepEqual(await source.get(), { authorization: "Bearer one" });
  fs.files.set(FILE, "two");
  clock.advance(59_999);
  assert.deepEqual(await source.get(), { authorization: "Bearer one" });
  assert.equal(fs.reads, 1);
  clock.advance(1);
  assert.deepEqual(await source.get(), { authorization: "Bearer two" });
  assert.equal(fs.reads, 2);
  clock.advance(30_000);
  assert.deepEqual(await source.get(), { authorization: "Bearer two" });
  assert.equal(fs.reads, 2);
});

Deno.test("TokenFileCredentials: concurrent first get() calls read once", async () => {
  const { fs, source } = setup();
  const all = await Promise.all([source.get(), source.get(), source.get()]);
  assert.equal(fs.reads, 1);
  assert.ok(all.every((c) => c.authorization === "Bearer one"));
});

Deno.test("TokenFileCredentials: a 401 reads the file again and says whether it changed", async (t) => {
  await t.step("a rotated token: true, and get() gives it", async () => {
    const { fs, source } = setup();
    const refused = await source.get();
    fs.files.set(FILE, "rotated");
    assert.equal(await source.refresh(refused), true);
    assert.equal(fs.reads, 2);
    assert.deepEqual(await source.get(), { authorization: "Bearer rotated" });
    assert.equal(fs.reads, 2);
  });
  await t.step("the same token: false (retrying cannot help)", async () => {
    const { fs, source } = setup();
    const refused = await source.get();
    assert.equal(await source.refresh(refused), false);
    assert.equal(fs.reads, 2);
  });
  await t.step("credentials already replaced: true without reading", async () => {
    const { fs, source } = setup();
    const old = await source.get();
    fs.files.set(FILE, "rotated");
    await source.refresh(old);
    assert.equal(await source.refresh(old), true);
    assert.equal(fs.reads, 2);
  });
});

Deno.test("TokenFileCredentials keeps the last token when a later read fails", async (t) => {
  await t.step("the file gone", async () => {
    const { fs, clock, source } = setup();
    await source.get();
    fs.files.delete(FILE);
    clock.advance(TOKEN_FILE_REREAD_MS);
    assert.deepEqual(await source.get(), { authorization: "Bearer one" });
    assert.equal(fs.reads, 2);
  });
  await t.step("the file unreadable, then back", async () => {
    const { fs, clock, source } = setup();
    const first = await source.get();
    fs.readError = new Deno.errors.PermissionDenied("denied");
    assert.equal(await source.refresh(first), false);
    assert.deepEqual(await source.get(), { authorization: "Bearer one" });
    fs.readError = undefined;
    fs.files.set(FILE, "back");
    clock.advance(TOKEN_FILE_REREAD_MS);
    assert.deepEqual(await source.get(), { authorization: "Bearer back" });
  });
  await t.step("the file emptied (mid-rotation)", async () => {
    const { fs, clock, source } = setup();
    await source.get();
    fs.files.set(FILE, "\n");
    clock.advance(TOKEN_FILE_REREAD_MS);
    assert.deepEqual(await source.get(), { authorization: "Bearer one" });
  });
});

Deno.test("TokenFileCredentials: a first read that fails names the file", async (t) => {
  const cases: [string, (fs: MemoryFileSystem) => void, string][] = [
    ["missing", () => {}, "the file does not exist"],
    [
      "permission denied",
      (fs) => fs.readError = new Deno.errors.PermissionDenied("x"),
      "permission denied",
    ],
    ["not capable", (fs) => fs.readError = new Deno.errors.NotCapable("x"), "permission denied"],
    ["another error", (fs) => fs.readError = new Error("EIO"), "it cannot be read"],
  ];
  for (const [name, breakIt, reason] of cases) {
    await t.step(name, async () => {
      const { fs, source } = setup(null);
      breakIt(fs);
      await assert.rejects(
        source.get(),
        (e: unknown) =>
          e instanceof ClusterError &&
          e.message === `Cannot read ${WHAT} "${FILE}": ${reason}`,
      );
    });
  }
  await t.step("an empty file", async () => {
    const { source } = setup("  \n");
    await assert.rejects(
      source.get(),
      (e: unknown) => e instanceof ClusterError && e.message === `The ${WHAT} "${FILE}" is empty`,
    );
  });
  await t.step("after a failed first read, a later get() reads again", async () => {
    const { fs, source } = setup(null);
    await assert.rejects(source.get(), ClusterError);
    fs.files.set(FILE, "late");
    assert.deepEqual(await source.get(), { authorization: "Bearer late" });
  });
});

Deno.test("TokenFileCredentials keeps its base credentials beside the token", async () => {
  const fs = new MemoryFileSystem({ [FILE]: "tok" });
  const source = new TokenFileCredentials(FILE, {
    what: WHAT,
    fs,
    clock: new FakeClock(),
    base: { clientCert: { cert: "C", key: "K" } },
  });
  assert.deepEqual(await source.get(), {
    clientCert: { cert: "C", key: "K" },
    authorization: "Bearer tok",
  });
});

Deno.test("StaticCredentials give the same credentials and never refresh", async () => {
  const credentials = { authorization: "Bearer fixed" };
  const source = new StaticCredentials(credentials);
  assert.equal(await source.get(), credentials);
  assert.equal(await source.refresh(), false);
  assert.equal(await source.get(), credentials);
});
