/**
 * `bench/bench.ts --smoke` (N=3, one repetition, 0 ms) against the test
 * environment, so the benchmarks cannot rot: it must deploy with all three
 * tools and print the comparison tables with ratios. The numbers themselves
 * are not checked here (see bench/RESULTS.md).
 */
import assert from "node:assert/strict";
import { testEnvFromEnvironment } from "./_testenv.ts";

Deno.test({
  name: "bench/bench.ts --smoke prints the deploy tables with ratios",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    testEnvFromEnvironment(); // fails clearly without an environment
    const bench = new URL("../../bench/bench.ts", import.meta.url).pathname;
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-read",
        "--allow-write",
        "--allow-net",
        "--allow-env",
        "--allow-run",
        bench,
        "--smoke",
      ],
      stdin: "null",
    }).output();
    const stdout = new TextDecoder().decode(output.stdout);
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 0, stderr);
    for (
      const heading of ["### deploy (cold)", "### redeploy (no change)", "### helm:// resolution"]
    ) {
      assert.ok(stdout.includes(heading), `${heading} missing:\n${stdout}`);
    }
    for (const tool of ["kubectl", "helm"]) {
      assert.match(stdout, new RegExp(`\\| 3 \\| 0 ms \\| ${tool} \\| \\d+ ms \\|`));
    }
    // draconctl's rows carry its ratios to kubectl and helm.
    assert.match(
      stdout,
      /\| 3 \| 0 ms \| draconctl \| \d+ ms \| \d+ ms \| \d+ ms \| \d+\.\d\d× \| \d+\.\d\d× \|/,
    );
  },
});
