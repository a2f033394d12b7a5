/**
 * `pipelines run` against the in-memory cluster (issue 16): one connection
 * for check, create and wait; SIGINT/SIGTERM during `--wait` (a fake signal
 * source) stops following at once, says where the run stands and exits
 * 130/143, leaving the run on the cluster or, with `--cancel-on-interrupt`,
 * cancelling it.
 */
import assert from "node:assert/strict";
import type { StopSignal } from "../../src/io/signals.ts";
import type { KubeObject } from "../../src/k8s/objects.ts";
import type { ServerSideApplyOptions } from "../../src/k8s/object_client.ts";
import type { Cluster, ClusterFactory } from "../../src/tekton/cluster.ts";
import { MemoryApplier } from "../../src/tekton/memory_applier.ts";
import { FakeSignals } from "../_fakes/fake_signals.ts";
import { memoryCluster } from "../_fakes/memory_cluster.ts";
import { assertMatchesSchema } from "../_schemas.ts";
import { runCli } from "./_cli.ts";

const EXAMPLES = new URL("../../examples", import.meta.url).pathname;
const RUN_FLAGS = ["-p", "git-clone-url=https://example.com/r.git", "-w", "output=emptyDir"];

const taskRun = (task: string, status?: "True" | "False"): KubeObject => ({
  apiVersion: "tekton.dev/v1",
  kind: "TaskRun",
  metadata: { name: `run-${task}`, labels: { "tekton.dev/pipelineTask": task } },
  ...(status === undefined ? {} : { status: { conditions: [{ type: "Succeeded", status }] } }),
} as KubeObject);

/**
 * The example deployed; the cluster factory counts connections; listing
 * TaskRuns returns `taskRuns` and, on the `interruptAt`-th poll, sends `signal`.
 */
async function setUp(signal: StopSignal = "SIGINT", interruptAt = 2) {
  const memory = new MemoryApplier({ namespace: "dracon" });
  const deployed = await runCli(["-n", "dracon", "pipelines", "deploy", EXAMPLES], {
    cluster: memoryCluster(memory),
  });
  assert.equal(deployed.code, 0, deployed.stderr);
  const signals = new FakeSignals();
  const base = await memoryCluster(memory)({} as never);
  let polls = 0;
  const applies: { object: KubeObject; options: ServerSideApplyOptions }[] = [];
  const client = {
    ...base.client,
    apply: (object: KubeObject, options: ServerSideApplyOptions) => {
      applies.push({ object, options });
      return base.client.apply(object, options);
    },
    list: async (apiVersion: string, kind: string, namespace: string, options?: object) => {
      if (kind !== "TaskRun") return await base.client.list(apiVersion, kind, namespace, options);
      if (++polls === interruptAt) assert.ok(signals.send(signal), "a listener was registered");
      return [taskRun("base", "True"), taskRun("git-clone")];
    },
  };
  const env = {
    memory,
    signals,
    applies,
    connections: 0,
    polls: () => polls,
    run: (...args: string[]) =>
      runCli(["-n", "dracon", "pipelines", "run", ...args], { cluster, signals }),
  };
  const cluster: ClusterFactory = () => {
    env.connections++;
    return Promise.resolve({ ...base, client } as Cluster);
  };
  return env;
}

function pipelineRuns(memory: MemoryApplier): KubeObject[] {
  return memory.objects().filter((o) => o.kind === "PipelineRun");
}

Deno.test("pipelines run <kustomization> connects once for check, create and wait", async () => {
  const env = await setUp("SIGINT", Infinity);
  const r = await env.run(EXAMPLES, ...RUN_FLAGS);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(env.connections, 1);
  assert.equal(pipelineRuns(env.memory).length, 1);
});

Deno.test("pipelines run --wait: SIGINT stops following, the run keeps running, exit 130", async () => {
  const env = await setUp("SIGINT");
  const r = await env.run(EXAMPLES, ...RUN_FLAGS, "--wait");
  assert.equal(r.code, 130, r.stderr);
  assert.equal(env.polls(), 2, "no poll after the signal");
  assert.match(
    r.stderr,
    /^error: interrupted \(SIGINT\): pipelinerun\.tekton\.dev\/dracon-example-run-\w+: 1 succeeded, 1 running \(TaskRuns\); it keeps running on the cluster$/m,
  );
  assert.match(
    r.stderr,
    /^hint: follow it with "kubectl get pipelinerun dracon-example-run-\w+ -n dracon -w"/m,
  );
  assert.match(r.stdout, /task base succeeded\n.*task git-clone running\n/);
  const [run] = pipelineRuns(env.memory);
  assert.equal((run?.spec as { status?: string }).status, undefined, "not cancelled");
  assert.equal(env.signals.listening, 0, "the listener is gone");
  assert.equal(env.connections, 1);
});

Deno.test("pipelines run --wait --cancel-on-interrupt: SIGTERM cancels the run, exit 143", async () => {
  const env = await setUp("SIGTERM");
  const r = await env.run(EXAMPLES, ...RUN_FLAGS, "--wait", "--cancel-on-interrupt");
  assert.equal(r.code, 143, r.stderr);
  assert.match(
    r.stderr,
    /^error: interrupted \(SIGTERM\): pipelinerun\.tekton\.dev\/\S+: 1 succeeded, 1 running \(TaskRuns\); cancelled it \(spec\.status: Cancelled\)$/m,
  );
  const [run] = pipelineRuns(env.memory);
  assert.equal((run?.spec as { status?: string }).status, "Cancelled");
  // -o json: an interrupted run prints no document (the progress is debug output), only the error.
  const json = await (await setUp("SIGTERM")).run(
    EXAMPLES,
    ...RUN_FLAGS,
    "--wait",
    "--cancel-on-interrupt",
    "-o",
    "json",
  );
  assert.equal(json.code, 143, json.stderr);
  assert.equal(json.stdout, "");
  assert.match(json.stderr, /cancelled it \(spec\.status: Cancelled\)$/m);
});

Deno.test("pipelines run --wait -o json: a run that succeeded prints the PipelineRun as created", async () => {
  const memory = new MemoryApplier({ namespace: "dracon" });
  const cluster = memoryCluster(memory);
  const deployed = await runCli(["-n", "dracon", "pipelines", "deploy", EXAMPLES], { cluster });
  assert.equal(deployed.code, 0, deployed.stderr);
  const base = await cluster({} as never);
  const client = {
    ...base.client,
    // The controller's verdict, seen on the first poll.
    get: async (apiVersion: string, kind: string, namespace: string, name: string) => {
      const object = await base.client.get(apiVersion, kind, namespace, name);
      if (kind !== "PipelineRun" || object === undefined) return object;
      return { ...object, status: { conditions: [{ type: "Succeeded", status: "True" }] } };
    },
  };
  const r = await runCli(
    ["-n", "dracon", "pipelines", "run", EXAMPLES, ...RUN_FLAGS, "--wait", "-o", "json"],
    { cluster: () => Promise.resolve({ ...base, client } as Cluster), signals: new FakeSignals() },
  );
  assert.equal(r.code, 0, r.stderr);
  const run = assertMatchesSchema("pipelines run", r.stdout);
  assert.equal(run.metadata.name, pipelineRuns(memory)[0]?.metadata.name);
  assert.equal(run.spec.pipelineRef.name, "dracon-example");
});

Deno.test("pipelines run: --cancel-on-interrupt without --wait is a usage error", async () => {
  const env = await setUp();
  const r = await env.run(EXAMPLES, ...RUN_FLAGS, "--cancel-on-interrupt");
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--cancel-on-interrupt only works with --wait/);
  assert.equal(pipelineRuns(env.memory).length, 0);
});
