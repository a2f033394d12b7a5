/**
 * IsolatedReader: local inputs are read in a Worker that may read only the
 * run's scope — proven with a hostile Worker module, and with draconctl's
 * own symlink check switched off, so that only Deno's permission stands
 * between a crafted symlink and the file it points at.
 */
import assert from "node:assert/strict";
import {
  type ConfinedReader,
  DenoFileSystem,
  FileRefusedError,
  FileTooLargeError,
  NotRegularFileError,
  OutsideScopeError,
  type ReadScope,
} from "../../src/io/filesystem.ts";
import { IsolatedReader, readPermissions } from "../../src/io/isolated_reader.ts";
import { fixture, runCli } from "../cli/_cli.ts";

const BAD = fixture("bad");
const ESCAPE = `${BAD}/symlink-escape`;

Deno.test("readPermissions() grants read of the scope and nothing else", () => {
  assert.deepEqual(readPermissions({ paths: ["/repo/p", "/repo/values.yaml"] }), {
    read: ["/repo/p", "/repo/values.yaml"],
    write: false,
    net: false,
    env: false,
    run: false,
    ffi: false,
    sys: false,
    import: false,
  });
  assert.equal(readPermissions({ paths: "anywhere" }).read, true);
  assert.equal(readPermissions({ paths: [] }).read, false);
});

Deno.test("IsolatedReader reads inside its scope and refuses everything else", async (t) => {
  const reader = new IsolatedReader({ paths: [ESCAPE] });
  try {
    await t.step("a file inside", async () => {
      assert.match(await reader.readTextFile(`${ESCAPE}/kustomization.yaml`), /nameSuffix/);
      assert.equal((await reader.stat(ESCAPE))?.type, "directory");
      assert.deepEqual((await reader.readDir(ESCAPE)).map((e) => e.name), [
        "kustomization.yaml",
        "task.yaml",
      ]);
    });
    await t.step("a missing file", async () => {
      assert.equal(await reader.stat(`${ESCAPE}/nope`), undefined);
      await assert.rejects(reader.readTextFile(`${ESCAPE}/nope`), Deno.errors.NotFound);
    });
    await t.step("a file outside", async () => {
      const error = await reader.readTextFile(`${BAD}/long-name/task.yaml`).catch((e) => e);
      assert.ok(error instanceof OutsideScopeError, String(error));
      assert.equal(error.leadsTo, undefined);
    });
    await t.step("a symlink inside that leads outside: every operation", async () => {
      for (const op of ["readTextFile", "stat"] as const) {
        const error = await reader[op](`${ESCAPE}/task.yaml`).catch((e) => e);
        assert.ok(error instanceof OutsideScopeError, `${op}: ${error}`);
        assert.equal(error.leadsTo, `${BAD}/long-name/task.yaml`);
        assert.match(error.message, /leads to ".*long-name\/task\.yaml", outside the directories/);
      }
    });
  } finally {
    reader.close();
  }
  await t.step("a closed reader refuses", async () => {
    await assert.rejects(reader.stat(ESCAPE), /the reader was closed/);
  });
});

Deno.test("IsolatedReader refuses special files and caps by size", async () => {
  const reader = new IsolatedReader({ paths: "anywhere" });
  try {
    for (const path of ["/dev/zero", fixture("io/dev-zero.yaml"), BAD]) {
      const error = await reader.readTextFile(path).catch((e) => e);
      assert.ok(error instanceof NotRegularFileError, `${path}: ${error}`);
      assert.equal(error.path, path, "names the path as asked for");
    }
    const error = await reader.readTextFile(fixture("io/regular.yaml"), { maxBytes: 4 })
      .catch((e) => e);
    assert.ok(error instanceof FileTooLargeError, String(error));
    assert.match(error.message, /file is 11 bytes, larger than the limit of 4 bytes/);
  } finally {
    reader.close();
  }
});

Deno.test("IsolatedReader abandons a read that does not answer in time", async () => {
  const silent = new URL("data:text/javascript,self.onmessage = () => {};");
  const reader = new IsolatedReader({ paths: [ESCAPE], timeoutMs: 100 }, { workerUrl: silent });
  try {
    const started = performance.now();
    const error = await reader.readTextFile(`${ESCAPE}/kustomization.yaml`).catch((e) => e);
    assert.ok(error instanceof FileRefusedError, String(error));
    assert.match(error.message, /reading timed out after 100 ms/);
    assert.ok(performance.now() - started < 1000);
  } finally {
    reader.close();
  }
});

Deno.test("the read Worker cannot read outside its scope, write, reach the network, use env, run or ask the system", async () => {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response("secret from the network"),
  );
  const hostile = new URL("./_hostile_read_worker.ts", import.meta.url);
  const reader = new IsolatedReader({ paths: [ESCAPE] }, { workerUrl: hostile });
  try {
    const probes = [
      `${ESCAPE}/kustomization.yaml`,
      `${BAD}/long-name/task.yaml`,
      `${ESCAPE}/task.yaml`,
      `http://127.0.0.1:${server.addr.port}/`,
    ].join("|");
    assert.deepEqual(JSON.parse(await reader.readTextFile(probes)), {
      readInside: "ok",
      readOutside: "NotCapable",
      statOutside: "NotCapable",
      readDirOutside: "NotCapable",
      // Deno checks permissions on the path as written, so a link out is followed...
      followLinkOut: "ok",
      // ...which is why the real worker resolves every path first: then Deno refuses it.
      realPathThenRead: "NotCapable",
      write: "NotCapable",
      net: "NotCapable",
      env: "NotCapable",
      run: "NotCapable",
      sys: "NotCapable",
    });
  } finally {
    reader.close();
    await server.shutdown();
  }
});

/** The real disk and Worker, but the reader's `realPath` lies: draconctl's own symlink check sees nothing. */
class BlindFileSystem extends DenoFileSystem {
  readonly scopes: ReadScope[] = [];
  override confine(scope: ReadScope): ConfinedReader {
    this.scopes.push(scope);
    const real = super.confine(scope);
    return {
      readTextFile: (path, options) => real.readTextFile(path, options),
      stat: (path) => real.stat(path),
      readDir: (path) => real.readDir(path),
      realPath: (path) => Promise.resolve(path),
      close: () => real.close(),
    };
  }
}

Deno.test("a symlink out of the base directory is refused by Deno even when draconctl's check misses it", async () => {
  const fs = new BlindFileSystem();
  const result = await runCli(["pipelines", "deploy", ESCAPE, "--dry-run"], { fs });
  assert.equal(result.code, 4, result.stderr);
  assert.equal(result.stdout, "");
  assert.match(
    result.stderr,
    /^error: Cannot load ".*symlink-escape\/task\.yaml": leads to ".*long-name\/task\.yaml", outside the directories this run may read\n/,
  );
  assert.equal(fs.scopes.length, 1, "one reader (one Worker) for the whole run");
  assert.deepEqual(fs.scopes[0]!.paths, [ESCAPE]);
  // The same with the check in place: refused earlier, by draconctl, with exit 3.
  const checked = await runCli(["pipelines", "deploy", ESCAPE, "--dry-run"]);
  assert.equal(checked.code, 3, checked.stderr);
  assert.match(checked.stderr, /leads through a symlink/);
});
