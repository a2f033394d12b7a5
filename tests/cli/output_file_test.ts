import assert from "node:assert/strict";
import { checkOutputFile, OutputFileError, writeOutputFile } from "../../src/cli/output_file.ts";
import { MemoryLogger } from "../_fakes/memory_logger.ts";
import { MemoryFileSystem } from "../_fakes/memory_fs.ts";

Deno.test("writeOutputFile() writes through a temporary file renamed into place", async () => {
  const fs = new MemoryFileSystem({ "/w/out.yaml": "old\n" });
  const renames: string[][] = [];
  const rename = fs.rename.bind(fs);
  fs.rename = (from, to) => (renames.push([from, to]), rename(from, to));
  await writeOutputFile({ fs, logger: new MemoryLogger() }, "/w/out.yaml", "new\n", []);
  assert.equal(fs.files.get("/w/out.yaml"), "new\n");
  assert.equal(renames.length, 1);
  assert.match(renames[0]![0]!, /^\/w\/\.out\.yaml\.draconctl-[0-9a-f]{8}\.tmp$/);
  assert.deepEqual([...fs.files.keys()], ["/w/out.yaml"]);
});

Deno.test("writeOutputFile() that fails leaves the old file and no temporary file", async () => {
  const fs = new MemoryFileSystem({ "/w/out.yaml": "old\n" });
  fs.writeError = new Deno.errors.PermissionDenied("disk full");
  const error = await writeOutputFile({ fs, logger: new MemoryLogger() }, "/w/out.yaml", "x", [])
    .catch((e) => e);
  assert.ok(error instanceof OutputFileError);
  assert.equal(error.exitCode, 2);
  assert.match(error.message, /^--output-file "\/w\/out\.yaml": cannot be written: disk full$/);
  assert.deepEqual([...fs.files.entries()], [["/w/out.yaml", "old\n"]]);
});

Deno.test("writeOutputFile() creates a missing parent directory and says so", async () => {
  const fs = new MemoryFileSystem({});
  const logger = new MemoryLogger();
  await writeOutputFile({ fs, logger }, "/w/a/b/out.yaml", "new\n", []);
  assert.equal(fs.files.get("/w/a/b/out.yaml"), "new\n");
  assert.deepEqual(logger.warnings, ['created directory "/w/a/b" for --output-file']);
});

Deno.test("checkOutputFile() refuses what cannot be written, and the run's inputs", async (t) => {
  const fs = new MemoryFileSystem({ "/k/kustomization.yaml": "k", "/k/task.yaml": "t" });
  const refuses = async (path: string, inputs: string[], message: RegExp) => {
    const error = await checkOutputFile(fs, path, inputs).catch((e) => e);
    assert.ok(error instanceof OutputFileError, String(error));
    assert.match(error.message, message);
  };
  await t.step("empty", () => refuses("", [], /"": the path is empty/));
  await t.step("a directory", () => refuses("/k", [], /is a directory/));
  await t.step(
    "under a file",
    () => refuses("/k/task.yaml/x", [], /"\/k\/task\.yaml" is not a directory/),
  );
  await t.step(
    "an input, however spelled",
    () =>
      refuses(
        "/k/../k/task.yaml",
        ["/k/task.yaml"],
        /is an input of this run \(the same file as "\/k\/task\.yaml"\)/,
      ),
  );
  await t.step("a new file is fine", async () => {
    assert.deepEqual(await checkOutputFile(fs, "/k/out.yaml", ["/k/task.yaml"]), {
      path: "/k/out.yaml",
      special: false,
    });
  });
});
