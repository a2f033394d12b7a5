/**
 * `draconctl pipelines deploy` end to end against the real API server: the
 * CLI runs in-process with the real cluster connection, Tasks come from the
 * Dracon corpus, from a real `helm install`, and from broken files.
 */
import assert from "node:assert/strict";
import { realCluster } from "./_kube.ts";
import { DRACON_ROOT, runCli } from "../cli/_cli.ts";
import { type ClusterEnv, clusterTest, CONNECTS_CLUSTER, makeHelm } from "./_testenv.ts";
import { assertMatchesSchema } from "../_schemas.ts";

/** Writes a kustomization (and extra files) into a fresh directory. */
async function workdir(kustomization: string, files: Record<string, string> = {}): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "draconctl-deploy-" });
  await Deno.writeTextFile(`${dir}/kustomization.yaml`, kustomization);
  for (const [name, text] of Object.entries(files)) {
    await Deno.writeTextFile(`${dir}/${name}`, text);
  }
  return dir;
}

/** Every request draconctl sent in the last {@link deploy}, as `METHOD /path?query`. */
let requests: string[] = [];

function deploy(env: ClusterEnv, dir: string, ...extra: string[]) {
  requests = [];
  const record = (method: string, url: string) => {
    const { pathname, search } = new URL(url);
    requests.push(`${method} ${pathname}${search}`);
  };
  return runCli(
    ["--kubeconfig", env.kubeconfigPath, "-n", env.namespace, "pipelines", "deploy", dir, ...extra],
    { cluster: realCluster({ onRequest: record }) },
  );
}

async function listNames(
  env: ClusterEnv,
  plural: "tasks" | "pipelines",
): Promise<Map<string, string>> {
  const items = await env.kubectl.list(`${plural}.v1beta1.tekton.dev`, env.namespace);
  return new Map(items.map((i) => [i.metadata.name, String(i.metadata.resourceVersion)]));
}

const MINI = `nameSuffix: -mini
components:
  - ${DRACON_ROOT}/components/base
  - ${DRACON_ROOT}/components/sources/git
  - ${DRACON_ROOT}/components/sources/wget
`;

clusterTest("pipelines deploy creates, then reports unchanged without writing", async (env) => {
  const dir = await workdir(MINI);
  const first = await deploy(env, dir, "--base-dir", DRACON_ROOT);
  assert.equal(first.code, 0, first.stderr);
  // Each Task as it is applied (in any order), the Pipeline after them, then the summary.
  const lines = first.stdout.trimEnd().split("\n");
  assert.deepEqual(lines.slice(0, 3).sort(), [
    "task.tekton.dev/base created",
    "task.tekton.dev/git-clone created",
    "task.tekton.dev/wget created",
  ]);
  assert.deepEqual(lines.slice(3), [
    "pipeline.tekton.dev/dracon-mini created",
    "4 objects: 4 created, 0 configured, 0 unchanged, 0 failed in 0.0 s",
  ]);
  const tasks = await listNames(env, "tasks");
  const pipelines = await listNames(env, "pipelines");
  assert.deepEqual([...tasks.keys()].sort(), ["base", "git-clone", "wget"]);

  const second = await deploy(env, dir, "--base-dir", DRACON_ROOT, "-o", "json");
  assert.equal(second.code, 0, second.stderr);
  const result = assertMatchesSchema("pipelines deploy", second.stdout) as {
    changes: { action: string }[];
  };
  assert.deepEqual(result.changes.map((c) => c.action), [
    "unchanged",
    "unchanged",
    "unchanged",
    "unchanged",
  ]);
  assert.deepEqual(await listNames(env, "tasks"), tasks, "no Task was written again");
  assert.deepEqual(
    await listNames(env, "pipelines"),
    pipelines,
    "the Pipeline was not written again",
  );
}, CONNECTS_CLUSTER);

clusterTest(
  "pipelines deploy --dry-run=server and --only-validate persist nothing",
  async (env) => {
    const dir = await workdir(MINI);
    for (const flag of ["--dry-run=server", "--only-validate"]) {
      const result = await deploy(env, dir, "--base-dir", DRACON_ROOT, flag);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /pipeline\.tekton\.dev\/dracon-mini created \(server dry run\)/);
    }
    assert.equal((await listNames(env, "tasks")).size, 0);
    assert.equal((await listNames(env, "pipelines")).size, 0);
  },
  CONNECTS_CLUSTER,
);

clusterTest(
  "pipelines deploy never applies the Pipeline when a Task is refused by the server",
  async (env) => {
    const broken = `apiVersion: tekton.dev/v1beta1
kind: Task
metadata:
  name: producer-broken
  labels: {v1.dracon.ocurity.com/component: producer}
spec:
  steps:
    - image: busybox
`; // a step without a name: the CRD schema refuses it (422)
    const dir = await workdir(
      `nameSuffix: -broken\ncomponents:\n  - ${DRACON_ROOT}/components/base\n  - ./broken.yaml\n`,
      { "broken.yaml": broken },
    );
    const result = await deploy(env, dir, "--load-restrictor", "none");
    assert.equal(result.code, 5, result.stderr);
    assert.match(result.stderr, /producer-broken/);
    assert.match(result.stderr, /the Pipeline was not applied/);
    assert.match(result.stdout, /pipeline\.tekton\.dev\/dracon-broken skipped/);
    assert.equal((await listNames(env, "pipelines")).size, 0);
  },
  CONNECTS_CLUSTER,
);

clusterTest(
  "pipelines deploy with a read-only identity fails with 403 and writes nothing",
  async (env) => {
    const dir = await workdir(MINI);
    const result = await deploy(env, dir, "--base-dir", DRACON_ROOT, "--context", "restricted");
    assert.equal(result.code, 5, result.stderr);
    assert.match(result.stderr, /forbidden: user "restricted" cannot patch resource "tasks"/);
    assert.ok(
      !/token/i.test(result.stderr.replace(/identity/g, "")),
      "no credential in the message",
    );
    assert.equal((await listNames(env, "tasks")).size, 0);
  },
  CONNECTS_CLUSTER,
);

clusterTest(
  "pipelines deploy resolves helm:// Tasks installed by a real helm release",
  async (env, t) => {
    const chart = await Deno.makeTempDir({ prefix: "draconctl-chart-" });
    await Deno.mkdir(`${chart}/templates`);
    await Deno.writeTextFile(
      `${chart}/Chart.yaml`,
      "apiVersion: v2\nname: dracon-tasks\nversion: 0.1.0\n",
    );
    for (const component of ["base", "sources/git"]) {
      const text = await Deno.readTextFile(`${DRACON_ROOT}/components/${component}/task.yaml`);
      const labelled = text.replace(
        "\n  labels:\n",
        "\n  labels:\n    app.kubernetes.io/managed-by: {{ .Release.Service }}\n    app.kubernetes.io/instance: {{ .Release.Name }}\n",
      );
      await Deno.writeTextFile(`${chart}/templates/${component.replace("/", "-")}.yaml`, labelled);
    }
    const helm = await makeHelm(env, 3);
    await helm(["install", "dracon-oss-components", chart, "-n", env.namespace]);
    const before = await listNames(env, "tasks");
    assert.deepEqual([...before.keys()].sort(), ["base", "git-clone"]);

    await t.step(
      "helm:// and pkg:helm/ references resolve; Helm Tasks are not re-applied",
      async () => {
        const dir = await workdir(
          `nameSuffix: -helm
components:
  - helm://dracon-oss-components/base
  - pkg:helm/dracon-oss-components/git-clone
  - ${DRACON_ROOT}/components/sources/wget
`,
        );
        const result = await deploy(env, dir, "--base-dir", DRACON_ROOT);
        assert.equal(result.code, 0, result.stderr);
        assert.equal(
          result.stdout,
          "task.tekton.dev/wget created\npipeline.tekton.dev/dracon-helm created\n" +
            "2 objects: 2 created, 0 configured, 0 unchanged, 0 failed in 0.0 s\n",
        );
        const pipelineWrite = requests.findIndex((r) =>
          r.startsWith("PATCH ") && /pipelines/.test(r)
        );
        const taskReads = requests.map((r, i) => [r, i] as const).flatMap(([r, i]) => {
          const read = /^GET \/apis\/tekton\.dev\/v1beta1\/namespaces\/[^/]+\/tasks(\?|\/[^/?]+$)/
            .exec(r);
          return read
            ? [
              `${i < pipelineWrite ? "before" : "after"}: ${
                read[1] === "?" ? "LIST" : r.split("/").at(-1)
              }`,
            ]
            : [];
        });
        assert.deepEqual(
          taskReads,
          ["before: LIST", "after: wget"],
          "one Task LIST for the lookup and the apply, then a GET of the applied Task after the " +
            `Pipeline (a concurrent prune cannot have taken a Task it needs):\n${
              requests.join("\n")
            }`,
        );
        const after = await listNames(env, "tasks");
        assert.equal(after.get("base"), before.get("base"), "the Helm Task was not written");
        assert.equal(after.get("git-clone"), before.get("git-clone"));
      },
    );

    await t.step("a local Task that a Helm release owns is refused before any write", async () => {
      const dir = await workdir(MINI.replace("-mini", "-takeover"));
      const result = await deploy(env, dir, "--base-dir", DRACON_ROOT);
      assert.equal(result.code, 3, result.stderr);
      assert.match(result.stderr, /owned by Helm release "dracon-oss-components"/);
      assert.match(result.stderr, /hint: reference it as "helm:\/\/dracon-oss-components\//);
      assert.equal((await listNames(env, "pipelines")).has("dracon-takeover"), false);
    });

    await t.step("a missing Task names the Tasks the release has", async () => {
      const dir = await workdir(
        `nameSuffix: -x\ncomponents:\n  - helm://dracon-oss-components/base\n  - helm://dracon-oss-components/semgrep\n`,
      );
      const result = await deploy(env, dir);
      assert.equal(result.code, 3, result.stderr);
      assert.match(
        result.stderr,
        /release "dracon-oss-components" has no Task "semgrep" .*\(it has: base, git-clone\)/,
      );
    });
  },
  CONNECTS_CLUSTER,
);
