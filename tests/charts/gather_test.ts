import assert from "node:assert/strict";
import { gatherTasks } from "../../src/charts/gather.ts";
import { LoadError, ValidationError } from "../../src/errors.ts";
import { DenoFileSystem } from "../../src/io/filesystem.ts";
import { MemoryFileSystem } from "../_fakes/memory_fs.ts";
import { DRACON_ROOT } from "./_charts.ts";

const TASK = (name: string, type = "producer") =>
  `apiVersion: tekton.dev/v1beta1\nkind: Task\nmetadata:\n  name: ${name}\n  labels:\n    v1.dracon.ocurity.com/component: ${type}\nspec:\n  steps:\n    - name: run\n      image: busybox\n`;

Deno.test("gatherTasks() finds the 48 corpus Tasks and notes base/pipeline.yaml", async () => {
  const result = await gatherTasks(`${DRACON_ROOT}/components`, new DenoFileSystem());
  assert.equal(result.tasks.length, 48);
  assert.deepEqual(result.skipped, [{
    file: `${DRACON_ROOT}/components/base/pipeline.yaml`,
    reason: "holds no Task (found: Pipeline)",
  }]);
});

Deno.test("gatherTasks() skips the Go tool's decoy files in its testdata", async () => {
  const dir = `${DRACON_ROOT}/pkg/components/testdata`;
  const result = await gatherTasks(dir, new DenoFileSystem());
  assert.equal(result.tasks.length, 6);
  assert.deepEqual(result.skipped.map((s) => [s.file.slice(dir.length + 1), s.reason]), [
    ["producers/aggregator/random", "not a YAML file"],
    ["producers/aggregator/wrong_file_task.yaml", "empty file"],
  ]);
});

Deno.test("gatherTasks() reads any tree of Task YAML files", async () => {
  const fs = new MemoryFileSystem({
    "/c/ci/a.yaml": TASK("producer-a"),
    "/c/ci/more.yml": `${TASK("producer-b")}---\n${TASK("consumer-c", "consumer")}`,
    "/c/ci/values.yaml": "image: {}\n",
    "/c/ci/broken.yaml": "a: [\n",
    "/c/.git/x.yaml": TASK("producer-hidden"),
  });
  const result = await gatherTasks("/c", fs);
  assert.deepEqual(result.tasks.map((t) => t.task.metadata.name), [
    "producer-a",
    "producer-b",
    "consumer-c",
  ]);
  assert.deepEqual(result.skipped.map((s) => s.file), ["/c/ci/broken.yaml", "/c/ci/values.yaml"]);
});

Deno.test("gatherTasks() reports every problem at once, naming the files", async (t) => {
  const fs = new MemoryFileSystem({
    "/c/producers/a/task.yaml": TASK("producer-a"),
    "/c/other/copy.yaml": TASK("producer-a"),
    "/c/producers/bad/task.yaml": TASK("producer-bad", "scanner"),
    "/c/base/task.yaml":
      "apiVersion: tekton.dev/v1beta1\nkind: Pipeline\nmetadata:\n  name: p\nspec: {}\n",
  });
  const error = await gatherTasks("/c", fs).catch((e) => e);
  assert.ok(error instanceof ValidationError, String(error));
  await t.step("duplicate names name both files", () => {
    assert.match(
      error.message,
      /Task "producer-a" is defined more than once: \/c\/other\/copy\.yaml and \/c\/producers\/a\/task\.yaml/,
    );
  });
  await t.step(
    "invalid Task",
    () => assert.match(error.message, /\/c\/producers\/bad\/task\.yaml: .*"scanner"/),
  );
  await t.step(
    "task.yaml that is not a Task",
    () => assert.match(error.message, /\/c\/base\/task\.yaml: expected kind "Task"/),
  );
});

Deno.test("gatherTasks() refuses a missing directory with LoadError", async () => {
  await assert.rejects(gatherTasks("/nope", new MemoryFileSystem()), LoadError);
});

Deno.test("gatherTasks() refuses special YAML files and skips binary non-Task files", async (t) => {
  await t.step("a FIFO named *.yaml is refused, one elsewhere is skipped unread", async () => {
    const fs = new MemoryFileSystem({ "/c/a/task.yaml": TASK("producer-a") });
    fs.special.set("/c/b/task.yaml", "FIFO");
    fs.special.set("/c/b/notes", "socket");
    const error = await gatherTasks("/c", fs).catch((e) => e);
    assert.ok(error instanceof LoadError, String(error));
    assert.equal(error.message, 'Cannot load "/c/b/task.yaml": not a regular file (a FIFO)');
    fs.special.delete("/c/b/task.yaml");
    assert.deepEqual((await gatherTasks("/c", fs)).skipped, [
      { file: "/c/b/notes", reason: "not a regular file, not read" },
    ]);
  });
  await t.step("binary content: an error in task.yaml, a note elsewhere", async () => {
    const fs = new MemoryFileSystem({
      "/c/a/task.yaml": TASK("producer-a"),
      "/c/a/blob.yaml": "k: \0\u0001",
      "/c/a/latin1.yaml": "k: caf\uFFFD",
    });
    assert.deepEqual((await gatherTasks("/c", fs)).skipped.map((s) => s.reason), [
      "holds NUL bytes: binary content, not YAML",
      "is not valid UTF-8 text",
    ]);
    fs.files.set("/c/b/task.yaml", "kind: Task\n\0");
    const error = await gatherTasks("/c", fs).catch((e) => e);
    assert.ok(error instanceof ValidationError, String(error));
    assert.deepEqual(error.problems, ["/c/b/task.yaml: holds NUL bytes: binary content, not YAML"]);
  });
  await t.step("a tree without a Task is an error, not an empty chart", async () => {
    const fs = new MemoryFileSystem({ "/c/values.yaml": "image: {}\n" });
    const error = await gatherTasks("/c", fs).catch((e) => e);
    assert.ok(error instanceof ValidationError, String(error));
    assert.deepEqual(error.problems, ["/c: holds no Task (1 file(s) skipped, none a Task)"]);
  });
});
