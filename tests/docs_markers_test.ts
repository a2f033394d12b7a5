/**
 * Every shell block of README.md and docs/*.md carries a marker saying how
 * tests/cluster/docs_test.ts treats it, and the runnable ones need nothing
 * beside the checkout. Pure: no cluster, no subprocess.
 */
import assert from "node:assert/strict";
import { docFiles, DocsMarkerError, missingOutput, shellBlocks } from "./_docs.ts";

const REPO = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

Deno.test("every shell block of the README and docs/ is marked, and runnable ones stay in the checkout", async () => {
  const counts = { cluster: 0, offline: 0, "first-screen": 0, "no-run": 0 };
  for (const file of await docFiles(REPO)) {
    for (const block of shellBlocks(await Deno.readTextFile(`${REPO}/${file}`), file)) {
      counts[block.mode]++;
      if (block.mode !== "no-run") {
        assert.doesNotMatch(
          block.code,
          /\.\.\/shared/,
          `${block.where}: a bare clone has no ../shared`,
        );
      }
    }
  }
  assert.equal(counts["first-screen"], 1, "the README opens with one first-screen block");
  assert.ok(counts.cluster > 0 && counts.offline > 0, JSON.stringify(counts));
});

Deno.test("the README's first block is its first lines after the title", async () => {
  const readme = await Deno.readTextFile(`${REPO}/README.md`);
  const [first] = shellBlocks(readme, "README.md");
  assert.equal(first?.mode, "first-screen");
  assert.equal(first?.where, "README.md:3", "title, blank line, then the two commands");
});

Deno.test("shellBlocks: modes, reasons, output blocks, and a block without a marker is refused", () => {
  const text = [
    "# t",
    "```sh runnable",
    "kubectl get ns",
    "```",
    "",
    "```text output",
    "default",
    "```",
    "```sh no-run: needs denort",
    "deno task compile",
    "```",
    "```ts",
    "const x = 1;",
    "```",
  ].join("\n");
  const blocks = shellBlocks(text, "t.md");
  assert.deepEqual(blocks.map((b) => [b.where, b.mode, b.expected ?? b.reason]), [
    ["t.md:2", "cluster", "default"],
    ["t.md:9", "no-run", "needs denort"],
  ]);
  assert.throws(() => shellBlocks("```sh\nls\n```\n", "u.md"), DocsMarkerError);
  assert.throws(
    () => shellBlocks("```sh run\nls\n```\n", "u.md"),
    /u\.md:1: shell block marked "run"/,
  );
  assert.throws(() => shellBlocks("```bash\nls\n```\n", "u.md"), /write shell blocks as "sh"/);
  assert.throws(() => shellBlocks("text\n```text output\nx\n```\n", "u.md"), /must follow a run/);
});

Deno.test("missingOutput: whole lines in order, … stands for any text", () => {
  const output = "Task/base created\n\x1b[32mPipeline/dracon-x\x1b[0m created\nsha256:abc 7\n";
  assert.deepEqual(missingOutput("Task/base created\nPipeline/… created\n…:abc …", output), []);
  assert.deepEqual(missingOutput("Pipeline/dracon-x created\nTask/base created", output), [
    "Task/base created",
  ]);
  assert.deepEqual(missingOutput("7\nsha256:… unchanged\nbase", output), [
    "7",
    "sha256:… unchanged",
    "base",
  ]);
  assert.deepEqual(missingOutput("…abc…7", output), []);
  assert.deepEqual(missingOutput("…7…abc", output), ["…7…abc"]);
});
