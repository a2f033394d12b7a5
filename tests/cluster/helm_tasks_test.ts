/**
 * ClusterHelmTaskLookup against the real API server, with Tasks installed by
 * the real `helm` and one Task that only Helm's annotation ties to a release.
 */
import assert from "node:assert/strict";
import { ClusterHelmTaskLookup } from "../../src/tekton/helm_tasks.ts";
import { KubeApiError } from "../../src/k8s/api_errors.ts";
import { SsaApplier } from "../../src/k8s/ssa_applier.ts";
import { editedKubeConfig, productClient } from "./_kube.ts";
import { clusterTest, makeHelm } from "./_testenv.ts";

/** A chart with two Tasks that set the instance label, as most charts do. */
async function writeChart(dir: string): Promise<void> {
  await Deno.mkdir(`${dir}/templates`, { recursive: true });
  await Deno.writeTextFile(
    `${dir}/Chart.yaml`,
    "apiVersion: v2\nname: ci-tasks\nversion: 0.1.0\n",
  );
  for (const name of ["git-clone", "semgrep"]) {
    await Deno.writeTextFile(
      `${dir}/templates/${name}.yaml`,
      `apiVersion: tekton.dev/v1beta1
kind: Task
metadata:
  name: ${name}
  labels:
    app.kubernetes.io/managed-by: {{ .Release.Service }}
    app.kubernetes.io/instance: {{ .Release.Name }}
    v1.dracon.ocurity.com/component: producer
spec:
  steps:
    - name: run
      image: alpine:3.20
      script: echo ${name}
`,
    );
  }
}

clusterTest(
  "ClusterHelmTaskLookup.listHelmTasks() finds releases by label and by annotation, with one LIST",
  async (env, t) => {
    const { namespace } = env;
    const chart = await Deno.makeTempDir({ prefix: "draconctl-chart-" });
    await writeChart(chart);
    const helm = await makeHelm(env, 3);
    await helm(["install", "ci", chart, "-n", namespace, "--wait=false"]);
    // A chart that does not set the instance label: only Helm's annotation names the release.
    const adminClient = await productClient(env.kubeconfigPath);
    const admin = new SsaApplier(adminClient, { namespace, fieldManager: "helm" });
    await admin.apply({
      apiVersion: "tekton.dev/v1beta1",
      kind: "Task",
      metadata: {
        name: "old-scan",
        labels: { "app.kubernetes.io/managed-by": "Helm" },
        annotations: {
          "meta.helm.sh/release-name": "legacy",
          "meta.helm.sh/release-namespace": namespace,
        },
      },
      spec: { steps: [{ name: "run", image: "alpine:3.20" }] },
    });
    // Not Helm's: must not show up.
    await admin.apply({
      apiVersion: "tekton.dev/v1beta1",
      kind: "Task",
      metadata: { name: "local", labels: { "app.kubernetes.io/instance": "ci" } },
      spec: { steps: [{ name: "run", image: "alpine:3.20" }] },
    });
    adminClient.close();

    const requests: string[] = [];
    const client = await productClient(env.kubeconfigPath, "admin", {
      onRequest: (method, url) =>
        requests.push(`${method} ${new URL(url).pathname}${new URL(url).search}`),
    });
    const lookup = new ClusterHelmTaskLookup(client, { namespace });
    const releases = await lookup.listHelmTasks().finally(() => client.close());

    await t.step("both releases are found", () => {
      assert.deepEqual([...releases.keys()].sort(), ["ci", "legacy"]);
      assert.deepEqual([...releases.get("ci")!.keys()].sort(), ["git-clone", "semgrep"]);
      assert.deepEqual([...releases.get("legacy")!.keys()], ["old-scan"]);
    });
    await t.step("the Tasks are whole, as on the cluster", () => {
      const task = releases.get("ci")!.get("git-clone")!;
      assert.equal(task.kind, "Task");
      assert.equal(task.apiVersion, "tekton.dev/v1beta1");
      assert.equal(task.spec.steps?.[0]?.script, "echo git-clone");
      assert.equal(task.metadata.annotations?.["meta.helm.sh/release-name"], "ci");
    });
    await t.step("exactly one LIST, selected by the managed-by label", () => {
      const lists = requests.filter((r) => r.includes("/tasks"));
      assert.equal(lists.length, 1, requests.join("\n"));
      assert.ok(
        lists[0]!.includes("labelSelector=app.kubernetes.io%2Fmanaged-by%3DHelm"),
        lists[0]!,
      );
      // Plus the client's discovery of the API version (one GET, cached per client).
      assert.deepEqual(requests.filter((r) => !r.includes("/tasks")), [
        "GET /apis/tekton.dev/v1beta1",
      ]);
    });
  },
);

clusterTest(
  "ClusterHelmTaskLookup.listHelmTasks() in an empty namespace finds nothing",
  async ({ kubeconfigPath, namespace }) => {
    const client = await productClient(kubeconfigPath);
    const lookup = new ClusterHelmTaskLookup(client, { namespace });
    assert.equal((await lookup.listHelmTasks().finally(() => client.close())).size, 0);
  },
);

clusterTest("ClusterHelmTaskLookup works with the read-only identity", async (env) => {
  const client = await productClient(env.kubeconfigPath, "restricted");
  const lookup = new ClusterHelmTaskLookup(client, { namespace: env.namespace });
  assert.equal((await lookup.listHelmTasks().finally(() => client.close())).size, 0);
});

clusterTest("ClusterHelmTaskLookup reports a LIST the identity may not make", async (env) => {
  // The restricted identity has a token; make a kubeconfig whose user has no credentials at all.
  const anonymous = await editedKubeConfig(env.kubeconfigPath, (config) => {
    for (const user of config.users) if (user.name === "restricted") user.user = {};
  });
  const client = await productClient(anonymous, "restricted");
  const lookup = new ClusterHelmTaskLookup(client, { namespace: env.namespace });
  const error = await lookup.listHelmTasks().then(() => assert.fail("expected an error"), (e) => e)
    .finally(() => client.close());
  assert.ok(error instanceof KubeApiError, String(error));
  assert.ok([401, 403].includes(error.status), String(error.status));
  assert.equal(error.subject, `tasks.tekton.dev in namespace "${env.namespace}"`);
});
