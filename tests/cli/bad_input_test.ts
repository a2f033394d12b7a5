/**
 * The bad-input table (tests/cli/_bad_cases.ts) run in-process: each case
 * must fail with its documented exit code and a message that names the input.
 */
import assert from "node:assert/strict";
import { BAD_INPUT_CASES, badInputArgs } from "./_bad_cases.ts";
import { runCli } from "./_cli.ts";

Deno.test("pipelines deploy --dry-run refuses bad input with a clear error and its exit code", async (t) => {
  for (const c of BAD_INPUT_CASES) {
    await t.step(c.name, async () => {
      const result = await runCli(badInputArgs(c), c.fetcher ? { fetcher: c.fetcher } : {});
      assert.equal(result.code, c.exit, `exit code; stderr:\n${result.stderr}`);
      assert.equal(result.stdout, "", "nothing is printed on stdout when the input is bad");
      assert.ok(result.stderr.startsWith("error: "), result.stderr);
      for (const part of c.message) {
        assert.ok(result.stderr.includes(part), `expected "${part}" in:\n${result.stderr}`);
      }
      assert.ok(!result.stderr.includes("s3cret"), "credentials never appear in messages");
      assert.ok(
        !result.stderr.includes("    at "),
        `no stack trace for bad input:\n${result.stderr}`,
      );
    });
  }
});
