import { runCli } from "../cli/_cli.ts";
import { memoryCluster } from "../_fakes/memory_cluster.ts";
import { MemoryApplier } from "../../src/tekton/memory_applier.ts";
const memory = new MemoryApplier({ namespace: "dracon" });
const args = Deno.args;
const r = await runCli(["pipelines","deploy","--load-restrictor","none", ...args], { cluster: memoryCluster(memory) });
console.log(r.code, r.stdout, r.stderr, r.warnings, memory.applied.length);
const r2 = await runCli(["pipelines","deploy","--load-restrictor","none", ...args], { cluster: memoryCluster(memory) });
console.log(r2.code, r2.stdout, r2.stderr, memory.applied.length);
