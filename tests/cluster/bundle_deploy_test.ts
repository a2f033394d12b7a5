/**
 * The bundled distribution (scripts/bundle.ts) against the test API server:
 * built into a temporary directory, it deploys golang-project, a rerun
 * changes nothing, and main.ts run from sources then finds nothing to change
 * either (the bundle applied exactly what the sources apply).
 */
import assert from "node:assert/strict";
import { buildArgs, bundleRunArgs } from "../../scripts/bundle.ts";
import { PERMISSION_FLAGS } from "../../scripts/permissions.ts";
import type { KubeObject } from "../../src/k8s/objects.ts";
import { DRACON_ROOT } from "../cli/_cli.ts";
import { run } from "./_run.ts";
import { clusterTest } from "./_testenv.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

clusterTest(
  "the bundle deploys golang-project; a rerun and main.ts change nothing",
  async (env) => {
    const dir = `${await Deno.makeTempDir({ prefix: "bundle-" })}/dist`;
    await run("deno", buildArgs(dir));
    const args = [
      "pipelines",
      "deploy",
      "fixtures/pipelines/golang-project",
      "--base-dir",
      DRACON_ROOT,
      "-n",
      env.namespace,
    ];
    const deploy = (argv: string[]) =>
      run("deno", argv, {
        cwd: ROOT,
        env: { KUBECONFIG: env.kubeconfigPath, PATH: `${env.bin}:${Deno.env.get("PATH")}` },
      });
    const summary = (verb: string) => new RegExp(`^10 objects: ${verb}, 0 failed in `, "m");

    const cold = await deploy(bundleRunArgs(dir, args));
    assert.match(cold.stdout, summary("10 created, 0 configured, 0 unchanged"), cold.stderr);
    const tasks = await env.kubectl.list<KubeObject>("tasks.v1beta1.tekton.dev", env.namespace);
    assert.equal(tasks.length, 9);
    const pipelines = await env.kubectl.list<KubeObject>("pipelines.v1.tekton.dev", env.namespace);
    assert.deepEqual(pipelines.map((p) => p.metadata.name), ["dracon-golang-project"]);

    const again = await deploy(bundleRunArgs(dir, args));
    assert.match(again.stdout, summary("0 created, 0 configured, 10 unchanged"), again.stderr);
    const sources = await deploy(["run", "--quiet", ...PERMISSION_FLAGS, "main.ts", ...args]);
    assert.match(sources.stdout, summary("0 created, 0 configured, 10 unchanged"), sources.stderr);
  },
);
