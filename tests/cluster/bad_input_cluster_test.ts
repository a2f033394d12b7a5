/**
 * The cluster half of the bad-input corpus (the other half is
 * tests/cli/_bad_cases.ts): each case under fixtures/bad/cluster-<case>/ is
 * deployed for real through the in-process CLI against the test API server,
 * with a kubeconfig, context or namespace that is wrong in one way. Each must
 * fail with its documented exit code and a one-line message naming the input,
 * and write nothing to the cluster. Every output of the run is then searched
 * for the kubeconfig's credentials.
 */
import assert from "node:assert/strict";
import { parse, stringify } from "yaml";
import type { KubeObject } from "../../src/k8s/objects.ts";
import { DRACON_ROOT, fixture, runCli } from "../cli/_cli.ts";
import { connectEnv, type Kubectl, realCluster } from "./_kube.ts";
import { openFleet } from "../../src/tekton/kube_cluster.ts";
import {
  type ClusterEnv,
  clusterTest,
  CONNECTS_CLUSTER,
  makeHelm,
  uniqueNamespace,
} from "./_testenv.ts";

/** One wrong deploy and what it must answer. */
interface ClusterCase {
  /** The fixture, `fixtures/bad/<name>/`. */
  name: string;
  exit: number;
  /** Substrings of the error output. */
  message: string[];
  /** Extra command-line flags. */
  flags?: string[];
  /** The kubeconfig to pass; default: the environment's. */
  kubeconfig?: (env: ClusterEnv, tmp: string) => Promise<string>;
  /** `helm`: the namespace where a Helm release installed base and git-clone; `missing`: none. */
  namespace?: "fresh" | "helm" | "missing";
  /** The kustomization to deploy; default: the fixture directory. */
  dir?: (tmp: string, target: { env: ClusterEnv; namespace: string }) => Promise<string>;
  /** The run must end within this many milliseconds. @default 10000 */
  withinMs?: number;
  /** Applies may have happened (the failure came from the server); the Pipeline never. */
  tasksMayBeWritten?: boolean;
  /** Lines the change set on stdout must hold (what was applied before the failure). */
  stdout?: RegExp[];
}

/** The environment's kubeconfig with `edit` applied to its parsed YAML. */
function editedKubeconfig(edit: (config: Record<string, unknown>) => void) {
  return async (env: ClusterEnv, tmp: string): Promise<string> => {
    const config = parse(await Deno.readTextFile(env.kubeconfigPath));
    edit(config);
    const path = `${tmp}/kubeconfig-${crypto.randomUUID()}`;
    await Deno.writeTextFile(path, stringify(config));
    return path;
  };
}

function setCluster(config: Record<string, unknown>, fields: Record<string, string>): void {
  const clusters = config.clusters as { cluster: Record<string, string> }[];
  Object.assign(clusters[0]!.cluster, fields);
}

/** A loopback port nothing listens on. */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

const FIFTY_MIB = 50 * 1024 * 1024;

/** Sockets made by {@link withSpecialFile}, closed when the table is done. */
const LISTENERS: Deno.Listener[] = [];

/**
 * A kustomization directory `<tmp>/<name>` whose `special` path is a FIFO (or
 * socket). Unless the kustomization itself is the special file, it lists the
 * corpus base Task and `component`; `./ok` is a valid copy of git-clone.
 */
async function withSpecialFile(
  tmp: string,
  name: string,
  special: string,
  component?: string,
  kind: "fifo" | "socket" = "fifo",
): Promise<string> {
  const dir = `${tmp}/${name}`;
  await Deno.mkdir(`${dir}/x`, { recursive: true });
  await Deno.mkdir(`${dir}/ok`);
  await Deno.copyFile(`${DRACON_ROOT}/components/sources/git/task.yaml`, `${dir}/ok/task.yaml`);
  if (component !== undefined) {
    const base = `${DRACON_ROOT}/components/base`;
    await Deno.writeTextFile(
      `${dir}/kustomization.yaml`,
      `nameSuffix: -x\ncomponents:\n  - ${base}\n  - ${component}\n`,
    );
  }
  const path = `${dir}/${special}`;
  if (kind === "socket") LISTENERS.push(Deno.listen({ transport: "unix", path }));
  else {
    const made = await new Deno.Command("mkfifo", { args: [path] }).output();
    assert.equal(made.code, 0, new TextDecoder().decode(made.stderr));
  }
  return dir;
}
const OTHER_CA = await Deno.readTextFile(fixture("tls/ca.pem"));

const CASES: ClusterCase[] = [
  {
    name: "cluster-kubeconfig-missing",
    exit: 5,
    message: ["no-such-kubeconfig", "does not exist"],
    kubeconfig: (_env, tmp) => Promise.resolve(`${tmp}/no-such-kubeconfig`),
  },
  {
    name: "cluster-kubeconfig-corrupt",
    exit: 5,
    message: ["cluster-kubeconfig-corrupt/kubeconfig", "invalid YAML"],
    kubeconfig: () => Promise.resolve(fixture("bad/cluster-kubeconfig-corrupt/kubeconfig")),
  },
  {
    name: "cluster-context-unknown",
    exit: 5,
    message: ['Context "staging" not found', '"admin"', '"restricted"'],
    flags: ["--context", "staging"],
  },
  {
    name: "cluster-unreachable",
    exit: 5,
    message: ["Cannot reach the API server", "https://127.0.0.1:", "connection refused"],
    kubeconfig: editedKubeconfig((c) =>
      setCluster(c, { server: `https://127.0.0.1:${closedPort()}` })
    ),
  },
  {
    name: "cluster-http-server",
    exit: 5,
    message: [
      'The server "http://127.0.0.1:',
      "is plain http://: refused without TLS",
      "insecure-skip-tls-verify",
    ],
    kubeconfig: editedKubeconfig((c) =>
      setCluster(c, { server: `http://127.0.0.1:${closedPort()}` })
    ),
  },
  {
    name: "cluster-untrusted-cert",
    exit: 5,
    message: ["Cannot reach the API server", "TLS certificate is not trusted"],
    kubeconfig: editedKubeconfig((c) =>
      setCluster(c, { "certificate-authority-data": btoa(OTHER_CA) })
    ),
  },
  {
    name: "cluster-no-current-context",
    exit: 5,
    message: ["No current context", "--context"],
    kubeconfig: editedKubeconfig((c) => delete c["current-context"]),
  },
  {
    name: "cluster-unauthorized",
    exit: 5,
    message: ["unauthorized", "credentials"],
    flags: ["--context", "restricted"],
    kubeconfig: editedKubeconfig((c) => {
      const users = c.users as { name: string; user: Record<string, string> }[];
      users.find((u) => u.name === "restricted")!.user.token = "s3cret-wrong-token";
    }),
  },
  {
    name: "cluster-forbidden",
    exit: 5,
    message: ['forbidden: user "restricted"', '"tasks"'],
    flags: ["--context", "restricted"],
  },
  {
    name: "cluster-namespace-missing",
    exit: 5,
    message: ["namespace", "does not exist"],
    namespace: "missing",
  },
  {
    name: "cluster-helm-release-missing",
    exit: 3,
    message: ['"helm://no-such-release/git-clone"', 'no Helm release "no-such-release"'],
    namespace: "helm",
  },
  {
    name: "cluster-helm-task-missing",
    exit: 3,
    message: ['"helm://dracon-oss-components/producer-semgrep"', "(it has: base, git-clone)"],
    namespace: "helm",
  },
  {
    // The lock (docs/lock.md) reviewed another Helm Task "base" than the one installed now.
    name: "cluster-lock-helm-changed",
    exit: 9,
    message: [
      'component "helm://dracon-oss-components/base": digest sha256:' + "0".repeat(64),
      "in the lock, now sha256:",
    ],
    namespace: "helm",
    flags: ["--locked"],
    dir: async (tmp, { env, namespace }) => {
      const dir = `${tmp}/lock-helm-changed`;
      await Deno.mkdir(dir);
      await Deno.writeTextFile(
        `${dir}/kustomization.yaml`,
        "nameSuffix: -x\ncomponents:\n  - helm://dracon-oss-components/base\n" +
          "  - helm://dracon-oss-components/git-clone\n",
      );
      const args = ["--kubeconfig", env.kubeconfigPath, "-n", namespace, "pipelines", "lock", dir];
      const locked = await runCli(args, { cluster: realCluster() });
      assert.equal(locked.code, 0, locked.stderr);
      const text = await Deno.readTextFile(`${dir}/draconctl.lock`);
      const edited = text.replace(
        /(ref: helm:\/\/dracon-oss-components\/base\n(?:\s+\w+: .*\n)*?\s+digest: sha256:)[0-9a-f]{64}/,
        `$1${"0".repeat(64)}`,
      );
      assert.notEqual(edited, text);
      await Deno.writeTextFile(`${dir}/draconctl.lock`, edited);
      return dir;
    },
  },
  {
    name: "cluster-helm-owned",
    exit: 3,
    message: ['Task "git-clone" is owned by Helm release "dracon-oss-components"'],
    namespace: "helm",
  },
  {
    // The live helm:// Tasks are gated (docs/policy.md): exit 10 before any write.
    name: "cluster-policy-violation",
    exit: 10,
    message: [
      'policy: Task "git-clone": the name "git-clone" is not in tasks.allowed [task-name]',
      "helm://dracon-oss-components/git-clone",
    ],
    namespace: "helm",
    flags: ["--policy", fixture("policy/only-base.yaml")],
  },
  {
    name: "cluster-huge-file",
    exit: 4,
    message: ["task.yaml", `${FIFTY_MIB} bytes`],
    withinMs: 3000,
    dir: async (tmp) => {
      // A real 50 MiB file (sparse: cheap to make), refused from its size alone.
      const dir = `${tmp}/huge`;
      await Deno.mkdir(dir);
      await Deno.copyFile(
        fixture("bad/cluster-huge-file/kustomization.yaml"),
        `${dir}/kustomization.yaml`,
      );
      await Deno.writeTextFile(
        `${dir}/kustomization.yaml`,
        (await Deno.readTextFile(`${dir}/kustomization.yaml`)).replaceAll(
          "../../../../shared/dracon",
          DRACON_ROOT,
        ),
      );
      const file = await Deno.open(`${dir}/task.yaml`, { write: true, create: true });
      await file.truncate(FIFTY_MIB);
      file.close();
      return dir;
    },
  },
  // ---- issue 14, item 1: a FIFO or socket where a file is read must not block, and writes nothing.
  {
    name: "cluster-fifo-component",
    exit: 4,
    message: ["fifo/task.yaml", "not a regular file (a FIFO)"],
    withinMs: 5000,
    dir: (tmp) => withSpecialFile(tmp, "fifo", "task.yaml", "./task.yaml"),
  },
  {
    name: "cluster-fifo-task-yaml",
    exit: 4,
    message: ["fifo-dir/x/task.yaml", "not a regular file (a FIFO)"],
    withinMs: 5000,
    dir: (tmp) => withSpecialFile(tmp, "fifo-dir", "x/task.yaml", "./x"),
  },
  {
    name: "cluster-fifo-kustomization",
    exit: 4,
    message: ["fifo-kustomization/kustomization.yaml", "not a regular file (a FIFO)"],
    withinMs: 5000,
    dir: (tmp) => withSpecialFile(tmp, "fifo-kustomization", "kustomization.yaml"),
  },
  {
    name: "cluster-fifo-values",
    exit: 2,
    message: ["-f/--values", "values.yaml", "is not a regular file (a FIFO)"],
    withinMs: 5000,
    flags: ["-f", "VALUES"],
    dir: (tmp) => withSpecialFile(tmp, "fifo-values", "values.yaml", "./ok"),
  },
  {
    name: "cluster-socket-component",
    exit: 4,
    message: ["socket/task.yaml", "not a regular file (a socket)"],
    withinMs: 5000,
    dir: (tmp) => withSpecialFile(tmp, "socket", "task.yaml", "./task.yaml", "socket"),
  },
  {
    name: "cluster-invalid",
    exit: 5,
    message: ["producer-broken", "invalid", "the Pipeline was not applied"],
    tasksMayBeWritten: true,
  },
  {
    // Was a typed-patch 500 from the server after other Tasks were applied; now refused
    // before the first write (issue 14, item 3: Tekton's field types, task_rules.ts).
    name: "cluster-wrong-typed-field",
    exit: 3,
    message: ['Task "producer-typed"', "spec.steps[0].workingDir", "expected a string"],
  },
  {
    // The server refuses the Pipeline itself after the Tasks went in: the change set says so.
    name: "cluster-pipeline-invalid",
    exit: 5,
    message: [
      "pipeline.tekton.dev/dracon-x could not be applied after 1 Task(s) were applied",
      "displayName",
    ],
    tasksMayBeWritten: true,
    stdout: [/^task\.tekton\.dev\/base created$/m, /^pipeline\.tekton\.dev\/dracon-x failed: /m],
  },
  {
    // Issue 16: deploy makes the checks of "pipelines check" before the first write.
    name: "cluster-check-missing-task",
    exit: 3,
    message: [
      'pipeline task "notify" (spec.tasks[0]): taskRef.name: Task "slack-notify" is neither deployed',
      "pipelines check",
    ],
  },
  {
    // Several kustomizations (docs/multi.md): one fails on the cluster, none is written.
    name: "cluster-multi-helm-unresolved",
    exit: 3,
    message: ['Cannot resolve "helm://dracon-oss-components/producer-golang-gosec"'],
  },
  {
    name: "cluster-fleet-context-unknown",
    exit: 5,
    message: ['Context "staging" not found', '"admin"', '"restricted"'],
    flags: ["--context", "admin,staging"],
  },
  {
    name: "cluster-conflict",
    exit: 5,
    message: [
      "task.tekton.dev/base",
      "field manager conflict",
      '"other-manager"',
      "--force-conflicts",
    ],
    tasksMayBeWritten: true,
  },
];

/** Names and resource versions of the Tasks and Pipelines in `namespace`. */
async function snapshot(kubectl: Kubectl, namespace: string): Promise<string[]> {
  const { tasks, pipelines } = await kubectl.tekton(namespace);
  const entries = (plural: string, items: KubeObject[]) =>
    items.map((i) => `${plural}/${i.metadata.name}@${i.metadata.resourceVersion}`);
  return [...entries("tasks", tasks), ...entries("pipelines", pipelines)].sort();
}

/** Installs a Helm release "dracon-oss-components" with the Tasks base and git-clone. */
async function installHelmTasks(env: ClusterEnv, namespace: string): Promise<void> {
  const chart = await Deno.makeTempDir({ prefix: "draconctl-chart-" });
  await Deno.mkdir(`${chart}/templates`);
  await Deno.writeTextFile(`${chart}/Chart.yaml`, "apiVersion: v2\nname: tasks\nversion: 0.1.0\n");
  for (const component of ["base", "sources/git"]) {
    const text = await Deno.readTextFile(`${DRACON_ROOT}/components/${component}/task.yaml`);
    await Deno.writeTextFile(
      `${chart}/templates/${component.replace("/", "-")}.yaml`,
      text.replace(
        "\n  labels:\n",
        "\n  labels:\n    app.kubernetes.io/managed-by: {{ .Release.Service }}\n    app.kubernetes.io/instance: {{ .Release.Name }}\n",
      ),
    );
  }
  const helm = await makeHelm(env, 3);
  await helm(["install", "dracon-oss-components", chart, "-n", namespace]);
}

/** Applies Task "base" with other steps, owned by the field manager "other-manager". */
async function applyAsOtherManager(kubectl: Kubectl, namespace: string): Promise<void> {
  await kubectl.applyServerSide([{
    apiVersion: "tekton.dev/v1beta1",
    kind: "Task",
    metadata: { name: "base", namespace },
    spec: { steps: [{ name: "other", image: "alpine", script: "echo other" }] },
  }], { fieldManager: "other-manager" });
}

/** The kubeconfig's secrets: the token, the client key (base64 and PEM lines). */
async function credentialsOf(kubeconfigPath: string): Promise<string[]> {
  const config = parse(await Deno.readTextFile(kubeconfigPath)) as {
    users: { user: Record<string, string> }[];
  };
  const secrets = ["s3cret"];
  for (const { user } of config.users) {
    if (user.token) secrets.push(user.token);
    if (user["client-key-data"]) {
      secrets.push(user["client-key-data"].slice(0, 40));
      const pem = atob(user["client-key-data"]);
      secrets.push(...pem.split("\n").filter((l) => l.length > 20 && !l.startsWith("-----")));
    }
  }
  return secrets;
}

clusterTest("pipelines deploy refuses a wrong cluster setup, writing nothing", async (env, t) => {
  const tmp = await Deno.makeTempDir({ prefix: "draconctl-bad-cluster-" });
  const helmNamespace = uniqueNamespace("bad-input-helm");
  await env.kubectl.createNamespace(helmNamespace);
  await installHelmTasks(env, helmNamespace);
  const outputs: string[] = [];
  const deploy = async (c: ClusterCase, namespace: string, extra: string[] = []) => {
    const kubeconfig = c.kubeconfig ? await c.kubeconfig(env, tmp) : env.kubeconfigPath;
    const dir = c.dir ? await c.dir(tmp, { env, namespace }) : fixture(`bad/${c.name}`);
    const args = ["--kubeconfig", kubeconfig, "-n", namespace, "pipelines", "deploy", dir];
    const flags = (c.flags ?? []).map((flag) => flag === "VALUES" ? `${dir}/values.yaml` : flag);
    const started = performance.now();
    const result = await runCli(
      [...args, "--load-restrictor", "none", ...flags, ...extra],
      { cluster: realCluster(), fleet: (o, contexts) => openFleet(o, contexts, connectEnv()) },
    );
    outputs.push(result.stdout, result.stderr, ...result.warnings);
    return { ...result, ms: performance.now() - started };
  };

  for (const c of CASES) {
    await t.step(c.name, async () => {
      const namespace = c.namespace === "helm"
        ? helmNamespace
        : c.namespace === "missing"
        ? uniqueNamespace("never-created")
        : uniqueNamespace(c.name);
      if (c.namespace !== "helm" && c.namespace !== "missing") {
        await env.kubectl.createNamespace(namespace);
      }
      if (c.name === "cluster-conflict") await applyAsOtherManager(env.kubectl, namespace);
      const before = await snapshot(env.kubectl, namespace);
      const result = await deploy(c, namespace);
      assert.equal(result.code, c.exit, `exit code; stderr:\n${result.stderr}`);
      const errors = result.stderr.split("\n").filter((l) => l.startsWith("error: "));
      assert.equal(errors.length, 1, `one error line:\n${result.stderr}`);
      for (const part of c.message) {
        assert.ok(result.stderr.includes(part), `expected "${part}" in:\n${result.stderr}`);
      }
      assert.ok(!result.stderr.includes("    at "), `no stack trace:\n${result.stderr}`);
      assert.ok(result.ms < (c.withinMs ?? 10_000), `took ${Math.round(result.ms)} ms`);
      for (const line of c.stdout ?? []) assert.match(result.stdout, line);
      const after = await snapshot(env.kubectl, namespace);
      if (c.tasksMayBeWritten) {
        assert.ok(!after.some((o) => o.startsWith("pipelines/")), "the Pipeline was not applied");
      } else {
        assert.deepEqual(after, before, "nothing was written");
      }
      if (c.name === "cluster-conflict") {
        const forced = await deploy(c, namespace, ["--force-conflicts"]);
        assert.equal(forced.code, 0, forced.stderr);
        assert.match(forced.stdout, /task\.tekton\.dev\/base configured/);
        assert.match(forced.stdout, /pipeline\.tekton\.dev\/dracon-mini created/);
      }
    });
  }

  for (const listener of LISTENERS) listener.close();
  await t.step("no credential of the kubeconfig appears in any output", async () => {
    const secrets = await credentialsOf(env.kubeconfigPath);
    assert.ok(secrets.length > 3, "the kubeconfig holds a token and a client key");
    const all = outputs.join("\n");
    for (const secret of secrets) {
      assert.ok(!all.includes(secret), `a credential leaked into the output`);
    }
  });
}, CONNECTS_CLUSTER);

/** How many cases the cluster table holds (docs/reliability.md). */
export const CLUSTER_CASE_COUNT: number = CASES.length;
