/**
 * Output as the shipped product writes it: a reader that closes the pipe
 * early (`| head -1`) ends the run quietly with 141 (128 + SIGPIPE, what a
 * shell reports for kubectl or git there), and `--output-file` is written
 * whole or not at all.
 */
import assert from "node:assert/strict";
import { DRACON_ROOT, fixture } from "../cli/_cli.ts";
import { productCommand, runProduct } from "./_product.ts";

/** The kustomization as typed in the repository root (the Pipeline records it so; see the goldens). */
const DRY_RUN = [
  "pipelines",
  "deploy",
  "fixtures/pipelines/golang-project",
  "--base-dir",
  DRACON_ROOT,
  "--dry-run",
];

Deno.test("a closed standard output ends the run quietly with exit 141", async (t) => {
  for (const args of [DRY_RUN, [...DRY_RUN, "-o", "json"], ["completion", "bash"]]) {
    await t.step(args.slice(-2).join(" "), async () => {
      const child = productCommand(args, { stdout: "piped", stderr: "piped" }).spawn();
      await child.stdout.cancel(); // the reader is gone before the first write
      const [status, stderr] = await Promise.all([
        child.status,
        new Response(child.stderr).text(),
      ]);
      const errors = stderr.split("\n").filter((l) => !l.startsWith("warning: "));
      assert.equal(status.code, 141, stderr);
      assert.deepEqual(errors.filter((l) => l !== ""), [], "nothing but warnings on stderr");
    });
  }
});

Deno.test("--output-file creates missing directories, saying so, and leaves no temporary file", async () => {
  const tmp = await Deno.makeTempDir();
  const out = `${tmp}/new/dir/out.yaml`;
  const result = await runProduct([...DRY_RUN, "--output-file", out]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, new RegExp(`created directory "${tmp}/new/dir" for --output-file`));
  assert.equal(
    await Deno.readTextFile(out),
    await Deno.readTextFile(fixture("pipelines/golang-project/expected.yaml")),
  );
  assert.deepEqual([...Deno.readDirSync(`${tmp}/new/dir`)].map((e) => e.name), ["out.yaml"]);
});

Deno.test("a failed run leaves an existing --output-file as it was", async () => {
  const tmp = await Deno.makeTempDir();
  const out = `${tmp}/out.yaml`;
  await Deno.writeTextFile(out, "previous\n");
  const result = await runProduct([
    "pipelines",
    "deploy",
    fixture("bad/missing-file"),
    "--dry-run",
    "--load-restrictor",
    "none",
    "--output-file",
    out,
  ]);
  assert.equal(result.code, 4, result.stderr);
  assert.equal(await Deno.readTextFile(out), "previous\n");
  assert.deepEqual([...Deno.readDirSync(tmp)].map((e) => e.name), ["out.yaml"]);
});
