/**
 * The components chart's `anchor.image` value on a real server: installed
 * with helm's defaults the anchor steps pull the Go tool's busybox, set at
 * `helm install`/`upgrade` they pull the operator's image, and the deploy's
 * policy gate (which reads the live helm:// Tasks) no longer refuses them.
 */
import assert from "node:assert/strict";
import { packageComponents } from "../../src/charts/package.ts";
import { DenoFileSystem } from "../../src/io/filesystem.ts";
import type { Task } from "../../src/tekton/types.ts";
import { runCli } from "../cli/_cli.ts";
import { realCluster } from "./_kube.ts";
import { clusterTest, CONNECTS_CLUSTER, makeHelm, makeHelmCli } from "./_testenv.ts";

const COMPONENTS = new URL("../../../shared/dracon/components", import.meta.url).pathname;
const PRIVATE = "registry.internal.example";
const PINNED = `${PRIVATE}/busybox@sha256:${"e".repeat(64)}`;

clusterTest(
  "helm install --set anchor.image: the live Tasks' anchor steps pull it, and the policy gate sees it",
  async (cluster) => {
    const helm = await makeHelmCli(cluster);
    const fs = new DenoFileSystem();
    const { archive } = await packageComponents(COMPONENTS, { fs, helm }, {
      name: "dracon-components",
      outputDir: await Deno.makeTempDir(),
    });
    const helmRun = await makeHelm(cluster, 3);
    const anchors = async () => {
      const tasks = await cluster.kubectl.list<Task>("tasks.v1beta1.tekton.dev", cluster.namespace);
      assert.equal(tasks.length, 48);
      return new Set(
        tasks.flatMap((t) => t.spec.steps ?? []).filter((s) => s.name === "anchor").map((s) =>
          s.image
        ),
      );
    };
    const release = ["dracon-oss-components", archive, "-n", cluster.namespace];
    await helmRun(["install", ...release]);
    assert.deepEqual([...await anchors()], ["docker.io/busybox"], "the default: the Go tool's");
    await helmRun([
      "upgrade",
      ...release,
      "--set",
      `anchor.image=${PINNED}`,
      "--set",
      `image.registry=${PRIVATE}`,
    ]);
    assert.deepEqual([...await anchors()], [PINNED]);

    const dir = await Deno.makeTempDir();
    await Deno.writeTextFile(
      `${dir}/policy.yaml`,
      [
        "apiVersion: draconctl.dracon.ocurity.com/v1",
        "kind: Policy",
        "images:",
        `  registries: [${PRIVATE}]`,
        "  requireDigest: true",
        "",
      ].join("\n"),
    );
    await Deno.writeTextFile(
      `${dir}/kustomization.yaml`,
      ["nameSuffix: -anchor", "components:"].concat(
        ["base", "producer-ossf-scorecard", "enricher-codeowners"].map((t) =>
          `  - helm://dracon-oss-components/${t}`
        ),
      ).join("\n") + "\n",
    );
    const deployed = await runCli(
      [
        "--kubeconfig",
        cluster.kubeconfigPath,
        "-n",
        cluster.namespace,
        "pipelines",
        "deploy",
        dir,
        "--policy",
        `${dir}/policy.yaml`,
      ],
      { cluster: realCluster(), helm },
    );
    // The chart's own images are tagged and base's busybox is Docker Hub's; no anchor step is refused.
    assert.equal(deployed.code, 10, deployed.stderr);
    const refused = [...deployed.stderr.matchAll(/^error: policy: Task "([^"]+)" step "([^"]+)"/gm)]
      .map((m) => `${m[1]}/${m[2]}`);
    assert.ok(refused.length > 0, deployed.stderr);
    assert.ok(refused.every((r) => !r.endsWith("/anchor")), refused.join(", "));
    assert.ok(refused.some((r) => r.startsWith("producer-ossf-scorecard/")), refused.join(", "));
  },
  CONNECTS_CLUSTER,
);
