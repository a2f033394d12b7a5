/**
 * `pipelines run --wait` interrupted, as the shipped product, against the
 * Tekton controller (`scripts/testenv up --tekton`): the pod completer holds
 * every step for a minute (`run-for`), the product is signalled once it
 * follows the run. SIGINT: it stops following, says where the run stands,
 * exits 130, and the PipelineRun keeps running; SIGTERM with
 * `--cancel-on-interrupt`: exit 143 and Tekton cancels the run.
 */
import assert from "node:assert/strict";
import { DRACON_ROOT } from "../cli/_cli.ts";
import { productCommand, runProduct } from "../e2e/_product.ts";
import { type ClusterEnv, clusterTest } from "./_testenv.ts";

const PIPELINE = "dracon-interrupt";

function requireTekton(): void {
  if (!Deno.env.get("DRACONCTL_TESTENV_TEKTON")) {
    throw new Error(
      "the test environment runs without the Tekton controller: start it with " +
        '`scripts/testenv up --tekton` and `eval "$(scripts/testenv env)"` (scripts/test does)',
    );
  }
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
}

async function runsOf(env: ClusterEnv) {
  return (await env.kubectl.list("pipelineruns.v1.tekton.dev", env.namespace)) as unknown as {
    metadata: { name: string };
    spec: { status?: string; pipelineRef?: { name: string } };
    status?: { conditions?: Condition[] };
  }[];
}

/** Runs `pipelines run --wait` and sends `signal` once it prints that it follows the run. */
async function interruptedRun(env: ClusterEnv, signal: Deno.Signal, extra: string[]) {
  const child = productCommand([
    "-n",
    env.namespace,
    "pipelines",
    "run",
    PIPELINE,
    "-p",
    "git-clone-url=https://example.com/r.git",
    "-w",
    "output=emptyDir",
    "--annotation",
    "testenv.draconctl.dev/run-for=60s",
    "--wait",
    ...extra,
  ], { env: { KUBECONFIG: env.kubeconfigPath }, stdout: "piped", stderr: "piped" }).spawn();
  const decoder = new TextDecoder();
  let stdout = "";
  const reader = child.stdout.getReader();
  const started = performance.now();
  while (!/task \S+ running/.test(stdout)) {
    const { value, done } = await reader.read();
    if (done) break;
    stdout += decoder.decode(value);
    assert.ok(performance.now() - started < 60_000, "no TaskRun started within a minute");
  }
  child.kill(signal);
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    stdout += decoder.decode(value);
  }
  const stderrText = new Response(child.stderr).text();
  const status = await child.status;
  return { code: status.code, stdout, stderr: await stderrText };
}

clusterTest("pipelines run --wait interrupted: keeps or cancels the run", async (env, t) => {
  requireTekton();
  await env.kubectl.run(["-n", env.namespace, "create", "serviceaccount", "default"]);
  const dir = await Deno.makeTempDir({ prefix: "draconctl-run-interrupt-" });
  await Deno.writeTextFile(
    `${dir}/kustomization.yaml`,
    "nameSuffix: -interrupt\ncomponents: [components/base, components/sources/git]\n",
  );
  const deployed = await runProduct(
    ["-n", env.namespace, "pipelines", "deploy", dir, "--base-dir", DRACON_ROOT],
    { KUBECONFIG: env.kubeconfigPath },
  );
  assert.equal(deployed.code, 0, deployed.stderr);

  await t.step("SIGINT: exit 130, where the run stands, it keeps running", async () => {
    const r = await interruptedRun(env, "SIGINT", []);
    assert.equal(r.code, 130, r.stdout + r.stderr);
    assert.match(
      r.stderr,
      /^error: interrupted \(SIGINT\): pipelinerun\.tekton\.dev\/dracon-interrupt-run-\w+: .*running \(TaskRuns\); it keeps running on the cluster$/m,
    );
    const [run] = await runsOf(env);
    assert.equal(run?.spec.status, undefined);
    const succeeded = run?.status?.conditions?.find((c) => c.type === "Succeeded");
    assert.equal(succeeded?.status, "Unknown", "still running");
  });

  await t.step("SIGTERM with --cancel-on-interrupt: exit 143, Tekton cancels it", async () => {
    const before = new Set((await runsOf(env)).map((r) => r.metadata.name));
    const r = await interruptedRun(env, "SIGTERM", ["--cancel-on-interrupt"]);
    assert.equal(r.code, 143, r.stdout + r.stderr);
    assert.match(r.stderr, /; cancelled it \(spec\.status: Cancelled\)$/m);
    const run = (await runsOf(env)).find((x) => !before.has(x.metadata.name));
    assert.equal(run?.spec.status, "Cancelled");
    assert.deepEqual(run?.spec.pipelineRef, { name: PIPELINE }, "the rest of the spec is intact");
    let reason: string | undefined;
    for (let i = 0; i < 60 && reason !== "Cancelled"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const current = (await runsOf(env)).find((x) => x.metadata.name === run?.metadata.name);
      reason = current?.status?.conditions?.find((c) => c.type === "Succeeded")?.reason;
    }
    assert.equal(reason, "Cancelled", "Tekton cancelled the run");
  });
});
