/**
 * Proof tests: the test environment is a real API server that kubectl,
 * draconctl's fetch client and helm v3/v4 can use, with both identities of
 * its kubeconfig.
 */
import { Kubectl, productClient, readKubeConfig } from "./_kube.ts";
import { clusterTest, makeHelm } from "./_testenv.ts";
import type { KubeObject } from "../../src/k8s/objects.ts";

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

function assertEquals<T>(actual: T, expected: T, what: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

function task(namespace: string, name: string, image = "alpine:3.20"): KubeObject {
  return {
    apiVersion: "tekton.dev/v1",
    kind: "Task",
    metadata: { name, namespace },
    spec: { steps: [{ name: "echo", image, script: "echo hello" }] },
  };
}

type TaskObject = KubeObject & {
  spec?: { steps?: { name: string; image: string }[] };
};

/** Tekton Tasks at v1, as kubectl names the resource. */
const TASKS_V1 = "tasks.v1.tekton.dev";

/** The user of `context` in the environment's kubeconfig, as written. */
async function kubeconfigUser(kubeconfigPath: string, context: string) {
  const config = await readKubeConfig(kubeconfigPath);
  const userName = config.contexts.find((c) => c.name === context)?.context.user;
  return config.users.find((u) => u.name === userName)?.user;
}

clusterTest(
  "kubectl and the fetch client talk to the API server with the client-certificate context",
  async ({ kubectl, kubeconfigPath, namespace }) => {
    const config = await readKubeConfig(kubeconfigPath);
    assertEquals(config["current-context"], "admin", "current context");
    const user = await kubeconfigUser(kubeconfigPath, "admin");
    assert(
      user?.["client-certificate-data"] && user["client-key-data"],
      "admin user has client-certificate data",
    );
    const version = JSON.parse((await kubectl.run(["version", "-o", "json"])).stdout) as {
      serverVersion: { gitVersion: string };
    };
    const gitVersion = version.serverVersion.gitVersion;
    assert(gitVersion.startsWith("v1."), `server version ${gitVersion}`);
    const ns = await kubectl.get("namespace", namespace);
    assertEquals(ns?.metadata.name, namespace, "namespace read back");
    // The identity really is admin (system:masters), not anonymous.
    const whoami = await kubectl.whoami();
    assertEquals(whoami.username, "admin", "username");
    assert(whoami.groups.includes("system:masters"), "in system:masters");
    // draconctl's own client reads with the same context.
    await kubectl.create([task(namespace, "seen")]);
    const client = await productClient(kubeconfigPath, "admin");
    try {
      const tasks = await client.list("tekton.dev/v1", "Task", namespace);
      assertEquals(tasks.map((t) => t.metadata.name), ["seen"], "Tasks listed by the fetch client");
    } finally {
      client.close();
    }
  },
);

clusterTest(
  "kubectl and the fetch client talk to the API server with the token context",
  async (env) => {
    const { kubeconfigPath, namespace } = env;
    const user = await kubeconfigUser(kubeconfigPath, "restricted");
    assert(user?.token, "restricted user has a token");
    const kubectl = new Kubectl(env, "restricted");
    assertEquals((await kubectl.whoami()).username, "restricted", "username");
    const ns = await kubectl.get("namespace", namespace);
    assertEquals(ns?.metadata.name, namespace, "namespace read with the token");
    await env.kubectl.create([task(namespace, "seen")]);
    const client = await productClient(kubeconfigPath, "restricted");
    try {
      const tasks = await client.list("tekton.dev/v1", "Task", namespace);
      assertEquals(tasks.map((t) => t.metadata.name), ["seen"], "Tasks listed with the token");
    } finally {
      client.close();
    }
  },
);

clusterTest("server-side apply of a Tekton Task, read back", async ({ kubectl, namespace }) => {
  await kubectl.applyServerSide([task(namespace, "echo")], {
    fieldManager: "draconctl-test",
    force: true,
  });
  const read = await kubectl.get<TaskObject>(TASKS_V1, "echo", namespace);
  assertEquals(read?.metadata.name, "echo", "applied name");
  assertEquals(read?.spec?.steps?.[0]?.image, "alpine:3.20", "read-back image");
  const managedFields = (read?.metadata.managedFields ?? []) as {
    manager: string;
    operation: string;
  }[];
  const managers = managedFields.map((f) => `${f.manager}/${f.operation}`);
  assert(managers.includes("draconctl-test/Apply"), `field managers: ${managers.join(", ")}`);

  // Re-apply with a change: same manager, updated field.
  await kubectl.applyServerSide([task(namespace, "echo", "alpine:3.21")], {
    fieldManager: "draconctl-test",
    force: true,
  });
  const reread = await kubectl.get<TaskObject>(TASKS_V1, "echo", namespace);
  assertEquals(reread?.spec?.steps?.[0]?.image, "alpine:3.21", "re-applied image");
});

/** The reason of a refused kubectl request, from its `Error from server (Reason)` line. */
function refusal(result: { code: number; stderr: string }): string | undefined {
  if (result.code === 0) return undefined;
  const reason = /^Error from server \((\w+)\)/m.exec(result.stderr)?.[1];
  if (reason === undefined) {
    throw new Error(`kubectl failed without a server error:\n${result.stderr}`);
  }
  return reason;
}

clusterTest(
  "the restricted identity can read Tasks but gets 403 on create",
  async (env) => {
    const { namespace } = env;
    await env.kubectl.create([task(namespace, "seen")]);
    const restricted = new Kubectl(env, "restricted");
    const list = await restricted.list(TASKS_V1, namespace);
    assertEquals(list.map((t) => t.metadata.name), ["seen"], "listed Tasks");

    // kubectl names the 403 of the API server "Forbidden".
    const created = await restricted.attempt(
      ["create", "-f", "-"],
      JSON.stringify(task(namespace, "forbidden")),
    );
    assertEquals(refusal(created), "Forbidden", `create as restricted: ${created.stderr}`);
    // Server-side apply is refused too.
    const applied = await restricted.attempt(
      ["apply", "--server-side", "--field-manager=draconctl-test", "-f", "-"],
      JSON.stringify(task(namespace, "forbidden")),
    );
    assertEquals(refusal(applied), "Forbidden", `apply as restricted: ${applied.stderr}`);
    assertEquals(await env.kubectl.get(TASKS_V1, "forbidden", namespace), undefined, "not written");
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
  kubectl: Kubectl,
  namespace: string,
  release: string,
): Promise<void> {
  for (const name of ["clone", "scan"]) {
    const obj = await kubectl.get(TASKS_V1, name, namespace);
    assert(obj, `Task ${name} exists`);
    assertEquals(obj.metadata.labels?.["app.kubernetes.io/managed-by"], "Helm", `${name} label`);
    assertEquals(
      obj.metadata.annotations?.["meta.helm.sh/release-name"],
      release,
      `${name} release-name`,
    );
    assertEquals(
      obj.metadata.annotations?.["meta.helm.sh/release-namespace"],
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
      await assertHelmOwned(env.kubectl, env.namespace, "demo");
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
    await assertHelmOwned(env.kubectl, env.namespace, "from-oci");
  });
}
