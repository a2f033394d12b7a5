/**
 * The bad-input table (tests/cli/_bad_cases.ts) run in-process: each case
 * must fail with its documented exit code and a message that names the input,
 * promptly, without ever connecting to a cluster.
 */
import assert from "node:assert/strict";
import { ClusterError } from "../../src/errors.ts";
import { BAD_INPUT_CASES, badInputArgs } from "./_bad_cases.ts";
import { runCli } from "./_cli.ts";

Deno.test("pipelines deploy --dry-run refuses bad input with a clear error and its exit code", async (t) => {
  for (const c of BAD_INPUT_CASES) {
    await t.step(c.name, async () => {
      let connected = 0;
      const started = performance.now();
      const result = await runCli(badInputArgs(c), {
        ...(c.fetcher ? { fetcher: c.fetcher } : {}),
        ...(c.fs ? { fs: c.fs } : {}),
        ...(c.env ? { env: (name: string) => c.env?.[name] } : {}),
        cluster: () => {
          connected++;
          return Promise.reject(new ClusterError("no cluster in this test"));
        },
      });
      const ms = performance.now() - started;
      assert.equal(result.code, c.exit, `exit code; stderr:\n${result.stderr}`);
      assert.equal(result.stdout, "", "nothing is printed on stdout when the input is bad");
      assert.ok(result.stderr.startsWith("error: "), result.stderr);
      const lines = result.stderr.trimEnd().split("\n");
      const errors = c.errorLines ?? 1;
      assert.ok(lines.slice(0, errors).every((line) => line.startsWith("error: ")), "error lines");
      assert.ok(
        lines.length <= errors + 1 && (lines[errors] ?? "hint: ").startsWith("hint: "),
        `${errors} error line(s), then at most a hint:\n${result.stderr}`,
      );
      for (const part of c.message) {
        assert.ok(result.stderr.includes(part), `expected "${part}" in:\n${result.stderr}`);
      }
      assert.ok(!result.stderr.includes("s3cret"), "credentials never appear in messages");
      assert.ok(
        !result.stderr.includes("    at "),
        `no stack trace for bad input:\n${result.stderr}`,
      );
      if (c.maxStderrChars !== undefined) {
        assert.ok(result.stderr.length <= c.maxStderrChars, `${result.stderr.length} characters`);
      }
      assert.equal(connected, 0, "bad input is refused before any cluster is contacted");
      assert.ok(ms < (c.withinMs ?? 5000), `took ${Math.round(ms)} ms`);
    });
  }
});
