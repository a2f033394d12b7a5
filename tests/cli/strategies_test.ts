/**
 * One deploy action, four strategies: every case of the bad-input table
 * (tests/cli/_bad_cases.ts) that is a plain `pipelines deploy <fixture>` run
 * with each of `--dry-run` (client), `--dry-run=server`, `--only-validate`
 * and no flag (apply), against an in-memory cluster. Each must end with the
 * same exit code and the same error text as the client dry run, and none may
 * apply anything — so the strategies cannot diverge again.
 */
import { memoryCluster } from "../_fakes/memory_cluster.ts";
import assert from "node:assert/strict";
import { MemoryApplier } from "../../src/tekton/memory_applier.ts";
import { BAD_INPUT_CASES, badInputArgs } from "./_bad_cases.ts";
import { fixture, runCli } from "./_cli.ts";

const STRATEGIES: [string, string[]][] = [
  ["client", ["--dry-run"]],
  ["server", ["--dry-run=server"]],
  ["validate", ["--only-validate"]],
  ["apply", []],
];

/** `pipelines deploy <fixture> <flags>` with the client `--dry-run` replaced by `strategy`. */
function argsWith(args: string[], strategy: string[]): string[] {
  const i = args.indexOf("--dry-run");
  return [...args.slice(0, i), ...strategy, ...args.slice(i + 1)];
}

Deno.test("every bad input gets the same exit code and error in all four strategies, nothing applied", async (t) => {
  // Cases with their own command line test flags of one strategy; the rest are plain deploys.
  const cases = BAD_INPUT_CASES.filter((c) => c.args === undefined);
  assert.ok(cases.length >= 90, `${cases.length} cases`);
  for (const c of cases) {
    await t.step(c.name, async () => {
      const args = badInputArgs(c);
      const outcomes: string[] = [];
      for (const [name, flags] of STRATEGIES) {
        const memory = new MemoryApplier({ namespace: "dracon" });
        const result = await runCli(argsWith(args, flags), {
          ...(c.fetcher ? { fetcher: c.fetcher } : {}),
          ...(c.fs ? { fs: c.fs } : {}),
          cluster: memoryCluster(memory),
        });
        assert.equal(result.code, c.exit, `${name}: exit code; stderr:\n${result.stderr}`);
        assert.equal(memory.calls.length, 0, `${name}: nothing is applied`);
        outcomes.push(result.stderr);
      }
      for (const [i, [name]] of STRATEGIES.entries()) {
        assert.equal(outcomes[i], outcomes[0], `${name} says what the client dry run says`);
      }
    });
  }
});

Deno.test("-n differing from the kustomization's namespace is the same usage error in every strategy", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(
    `${dir}/kustomization.yaml`,
    "nameSuffix: -ns\nnamespace: dracon\ncomponents: [task.yaml]\n",
  );
  await Deno.writeTextFile(
    `${dir}/task.yaml`,
    "apiVersion: tekton.dev/v1beta1\nkind: Task\nmetadata:\n  name: base\n" +
      "  labels: {v1.dracon.ocurity.com/component: base}\n" +
      "spec:\n  steps: [{name: run, image: busybox, script: 'true'}]\n",
  );
  for (const [name, flags] of STRATEGIES) {
    const memory = new MemoryApplier({ namespace: "other" });
    const result = await runCli(["-n", "other", "pipelines", "deploy", dir, ...flags], {
      cluster: memoryCluster(memory),
    });
    assert.equal(result.code, 2, `${name}: ${result.stderr}`);
    assert.match(
      result.stderr,
      /^error: namespace "other" from --namespace does not match "dracon" in .*kustomization\.yaml\n/,
      name,
    );
    assert.equal(memory.calls.length, 0);
  }
});

Deno.test("a client dry run prints exactly the objects apply sends", async () => {
  const args = ["pipelines", "deploy", fixture("pipelines/golang-project"), "--base-dir"];
  const base = new URL("../../../shared/dracon", import.meta.url).pathname;
  const dry = await runCli([...args, base, "--dry-run", "-o", "json", "-n", "dracon"]);
  assert.equal(dry.code, 0, dry.stderr);
  const memory = new MemoryApplier({ namespace: "dracon" });
  const applied = await runCli([...args, base, "-n", "dracon"], { cluster: memoryCluster(memory) });
  assert.equal(applied.code, 0, applied.stderr);
  assert.deepEqual(memory.calls.map((c) => c.object), JSON.parse(dry.stdout));
});
