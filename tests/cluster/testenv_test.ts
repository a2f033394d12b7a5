/**
 * Proof tests: the test environment is a real API server that client-node (in
 * Deno) and helm v3/v4 can use, with both identities of its kubeconfig.
 */
import * as k8s from "@kubernetes/client-node";
import { clusterTest, loadKubeConfig, makeHelm } from "./_testenv.ts";

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

function assertEquals<T>(actual: T, expected: T, what: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

function task(namespace: string, name: string, image = "alpine:3.20"): k8s.KubernetesObject {
  return {
    apiVersion: "tekton.dev/v1",
    kind: "Task",
    metadata: { name, namespace },
    spec: { steps: [{ name: "echo", image, script: "echo hello" }] },
  } as k8s.KubernetesObject;
}

type TaskObject = k8s.KubernetesObject & {
  spec?: { steps?: { name: string; image: string }[] };
};

/** The HTTP status of a client-node ApiException, or undefined. */
function statusOf(err: unknown): number | undefined {
  return err instanceof k8s.ApiException ? err.code : undefined;
}

clusterTest(
  "client-node talks to the API server with the client-certificate context",
  async ({ kc, namespace }) => {
    assertEquals(kc.getCurrentContext(), "admin", "context");
    const user = kc.getCurrentUser();
    assert(user?.certData && user.keyData, "admin user has client-certificate data");
    const version = await kc.makeApiClient(k8s.VersionApi).getCode();
    assert(version.gitVersion.startsWith("v1."), `server version ${version.gitVersion}`);
    const ns = await kc.makeApiClient(k8s.CoreV1Api).readNamespace({ name: namespace });
    assertEquals(ns.metadata?.name, namespace, "namespace read back");
    // The identity really is admin (system:masters), not anonymous.
    const review = await kc.makeApiClient(k8s.AuthenticationV1Api).createSelfSubjectReview({
      body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
    });
    assertEquals(review.status?.userInfo?.username, "admin", "username");
    assert(review.status?.userInfo?.groups?.includes("system:masters"), "in system:masters");
  },
);

clusterTest(
  "client-node talks to the API server with the token context",
  async ({ kubeconfigPath, namespace }) => {
    const kc = loadKubeConfig(kubeconfigPath, "restricted");
    assert(kc.getCurrentUser()?.token, "restricted user has a token");
    const review = await kc.makeApiClient(k8s.AuthenticationV1Api).createSelfSubjectReview({
      body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
    });
    assertEquals(review.status?.userInfo?.username, "restricted", "username");
    const ns = await kc.makeApiClient(k8s.CoreV1Api).readNamespace({ name: namespace });
    assertEquals(ns.metadata?.name, namespace, "namespace read with the token");
  },
);

clusterTest("server-side apply of a Tekton Task, read back", async ({ kc, namespace }) => {
  const client = k8s.KubernetesObjectApi.makeApiClient(kc);
  const applied = await client.patch(
    task(namespace, "echo"),
    undefined,
    undefined,
    "draconctl-test",
    true,
    k8s.PatchStrategy.ServerSideApply,
  );
  assertEquals(applied.metadata?.name, "echo", "applied name");
  const read = await client.read<TaskObject>({
    apiVersion: "tekton.dev/v1",
    kind: "Task",
    metadata: { name: "echo", namespace },
  });
  assertEquals(read.spec?.steps?.[0]?.image, "alpine:3.20", "read-back image");
  const managers = (read.metadata?.managedFields ?? []).map((f) => `${f.manager}/${f.operation}`);
  assert(managers.includes("draconctl-test/Apply"), `field managers: ${managers.join(", ")}`);

  // Re-apply with a change: same manager, updated field.
  await client.patch(
    task(namespace, "echo", "alpine:3.21"),
    undefined,
    undefined,
    "draconctl-test",
    true,
    k8s.PatchStrategy.ServerSideApply,
  );
  const reread = await client.read<TaskObject>({
    apiVersion: "tekton.dev/v1",
    kind: "Task",
    metadata: { name: "echo", namespace },
  });
  assertEquals(reread.spec?.steps?.[0]?.image, "alpine:3.21", "re-applied image");
});

clusterTest(
  "the restricted identity can read Tasks but gets 403 on create",
  async ({ kc, kubeconfigPath, namespace }) => {
    await k8s.KubernetesObjectApi.makeApiClient(kc).create(task(namespace, "seen"));
    const restricted = k8s.KubernetesObjectApi.makeApiClient(
      loadKubeConfig(kubeconfigPath, "restricted"),
    );
    const list = await restricted.list("tekton.dev/v1", "Task", namespace);
    assertEquals(list.items.map((t) => t.metadata?.name), ["seen"], "listed Tasks");

    let status: number | undefined;
    try {
      await restricted.create(task(namespace, "forbidden"));
    } catch (err) {
      status = statusOf(err);
      if (status === undefined) throw err;
    }
    assertEquals(status, 403, "status of create as restricted");
    // Server-side apply is refused too.
    status = undefined;
    try {
      await restricted.patch(
        task(namespace, "forbidden"),
        undefined,
        undefined,
        "draconctl-test",
        true,
        k8s.PatchStrategy.ServerSideApply,
      );
    } catch (err) {
      status = statusOf(err);
      if (status === undefined) throw err;
    }
    assertEquals(status, 403, "status of apply as restricted");
  },
);

/** Writes a small chart of two Tasks into a new temp dir; returns the chart dir. */
async function writeTaskChart(name: string): Promise<string> {
  const dir = `${await Deno.makeTempDir({ prefix: "draconctl-chart-" })}/${name}`;
  await Deno.mkdir(`${dir}/templates`, { recursive: true });
  await Deno.writeTextFile(
    `${dir}/Chart.yaml`,
    `apiVersion: v2\nname: ${name}\nversion: 0.1.0\ndescription: Tekton Tasks for a draconctl test\n`,
  );
  await Deno.writeTextFile(`${dir}/values.yaml`, `image: alpine:3.20\n`);
  for (const step of ["clone", "scan"]) {
    await Deno.writeTextFile(
      `${dir}/templates/${step}.yaml`,
      [
        "apiVersion: tekton.dev/v1",
        "kind: Task",
        "metadata:",
        `  name: ${step}`,
        "spec:",
        "  steps:",
        `    - name: ${step}`,
        "      image: {{ .Values.image }}",
        `      script: echo ${step}`,
        "",
      ].join("\n"),
    );
  }
  return dir;
}

async function assertHelmOwned(
  kc: k8s.KubeConfig,
  namespace: string,
  release: string,
): Promise<void> {
  const client = k8s.KubernetesObjectApi.makeApiClient(kc);
  for (const name of ["clone", "scan"]) {
    const obj = await client.read({
      apiVersion: "tekton.dev/v1",
      kind: "Task",
      metadata: { name, namespace },
    });
    assertEquals(obj.metadata?.labels?.["app.kubernetes.io/managed-by"], "Helm", `${name} label`);
    assertEquals(
      obj.metadata?.annotations?.["meta.helm.sh/release-name"],
      release,
      `${name} release-name`,
    );
    assertEquals(
      obj.metadata?.annotations?.["meta.helm.sh/release-namespace"],
      namespace,
      `${name} release-namespace`,
    );
  }
}

for (const major of [3, 4] as const) {
  clusterTest(
    `helm v${major} installs a chart of Tasks with Helm ownership metadata`,
    async (env) => {
      const helm = await makeHelm(env, major);
      const version = await helm(["version", "--short"]);
      assert(version.stdout.startsWith(`v${major}.`), `helm${major} version: ${version.stdout}`);
      const chart = await writeTaskChart(`tasks-v${major}`);
      await helm([
        "install",
        "demo",
        chart,
        "--namespace",
        env.namespace,
        "--kube-context",
        "admin",
      ]);
      await assertHelmOwned(env.kc, env.namespace, "demo");
    },
  );

  clusterTest(`helm v${major} push to the local OCI registry and install from it`, async (env) => {
    const helm = await makeHelm(env, major);
    const name = `tasks-oci-v${major}-${env.namespace.slice(-8)}`;
    const chart = await writeTaskChart(name);
    const out = await Deno.makeTempDir({ prefix: "draconctl-pkg-" });
    await helm(["package", chart, "--destination", out]);
    const repo = `oci://${env.registry}/charts`;
    await helm(["push", `${out}/${name}-0.1.0.tgz`, repo, "--plain-http"]);
    await helm([
      "install",
      "from-oci",
      `${repo}/${name}`,
      "--version",
      "0.1.0",
      "--plain-http",
      "--namespace",
      env.namespace,
    ]);
    await assertHelmOwned(env.kc, env.namespace, "from-oci");
  });
}
