/**
 * What a deploy prints: each object as soon as it is applied, then one
 * summary line timed by the injected clock; `-v` says what each phase does.
 */
import { memoryCluster } from "../_fakes/memory_cluster.ts";
import assert from "node:assert/strict";
import { MemoryApplier } from "../../src/tekton/memory_applier.ts";
import { MemoryLogger } from "../_fakes/memory_logger.ts";
import { runCli } from "./_cli.ts";

/** A clock that has moved 800 ms by its second reading. */
function clockOf(...ms: number[]) {
  const start = Date.parse("2026-01-01T00:00:00Z");
  let i = 0;
  return { now: () => new Date(start + (ms[Math.min(i++, ms.length - 1)] ?? 0)) };
}

const EXAMPLES = new URL("../../examples", import.meta.url).pathname;

Deno.test("deploy prints each object as it is applied, then a summary line", async () => {
  const memory = new MemoryApplier({ namespace: "dracon" });
  memory.delayMs = 2;
  const appliedAtWrite: number[] = [];
  let stdout = "";
  const args = ["-n", "dracon", "pipelines", "deploy", EXAMPLES];
  const result = await runCli(args, {
    cluster: memoryCluster(memory),
    clock: clockOf(0, 800),
    stdout: {
      write: (text) => {
        appliedAtWrite.push(memory.applied.length);
        stdout += text;
        return Promise.resolve();
      },
    },
  });
  assert.equal(result.code, 0, result.stderr);
  const lines = stdout.trimEnd().split("\n");
  assert.equal(lines.length, 8, stdout);
  assert.match(lines[0]!, /^task\.tekton\.dev\/\S+ created$/);
  assert.equal(lines[6], "pipeline.tekton.dev/dracon-example created");
  assert.equal(
    lines[7],
    "7 objects: 7 created, 0 configured, 0 unchanged, 0 failed in 0.8 s",
  );
  assert.ok(appliedAtWrite[0]! < 7, "the first line is out before the Pipeline is applied");

  const again = await runCli(args, { cluster: memoryCluster(memory), clock: clockOf(0, 1250) });
  assert.match(
    again.stdout,
    /\n7 objects: 0 created, 0 configured, 7 unchanged, 0 failed in 1\.3 s\n$/,
  );
});

Deno.test("a failed deploy prints what was done and the summary, once", async () => {
  const memory = new MemoryApplier({ namespace: "dracon" });
  memory.applyErrors.set("git-clone", new Error("boom"));
  const result = await runCli(["-n", "dracon", "pipelines", "deploy", EXAMPLES], {
    cluster: memoryCluster(memory),
  });
  assert.equal(result.code, 5, result.stderr);
  assert.equal(result.stdout.match(/git-clone failed/g)?.length, 1, result.stdout);
  assert.match(result.stdout, /pipeline\.tekton\.dev\/dracon-example skipped\n/);
  assert.match(
    result.stdout,
    /7 objects: 5 created, 0 configured, 0 unchanged, 1 failed, 1 skipped in 0\.0 s\n$/,
  );
});

Deno.test("-o json stays one document; a server dry run says so on every line", async () => {
  const memory = new MemoryApplier({ namespace: "dracon" });
  const json = await runCli(["-n", "dracon", "pipelines", "deploy", EXAMPLES, "-o", "json"], {
    cluster: memoryCluster(memory),
  });
  assert.equal(json.code, 0, json.stderr);
  assert.equal(JSON.parse(json.stdout).changes.length, 7);
  const dry = await runCli(["-n", "dracon", "pipelines", "deploy", EXAMPLES, "--dry-run=server"], {
    cluster: memoryCluster(memory),
  });
  const lines = dry.stdout.trimEnd().split("\n");
  assert.ok(lines.every((l) => l.endsWith("(server dry run)")), dry.stdout);
});

Deno.test("-v prints what each phase of a deploy does", async () => {
  const memory = new MemoryApplier({ namespace: "dracon" });
  const logger = new MemoryLogger();
  const ok = await runCli(["-v", "-n", "dracon", "pipelines", "deploy", EXAMPLES], {
    cluster: memoryCluster(memory),
    logger,
  });
  assert.equal(ok.code, 0, ok.stderr);
  const text = logger.debugs.join("\n");
  for (
    const phase of [
      /reading .*examples/,
      /6 local or URL component/,
      /connected to memory/,
      /applying 6 Task\(s\), then pipeline\.tekton\.dev\/dracon-example/,
    ]
  ) {
    assert.match(text, phase);
  }
});
