/**
 * The lock file (issue 17) against the real API server and helm v3: the
 * corpus's components chart installed as `dracon-oss-components`, the
 * corpus's golang-project example plus a local Task file and a URL Task
 * served on loopback. `pipelines lock` → `deploy --locked` succeeds; then a
 * changed local file, a changed URL body and a `helm upgrade` with a changed
 * chart each make `deploy --locked` refuse (exit 9) naming the component and
 * both digests, with nothing written (resourceVersions unchanged), and flip
 * `lock --check` from 0 to 9.
 */
import assert from "node:assert/strict";
import { realCluster } from "./_kube.ts";
import { HttpFetcher } from "../../src/fetch/http_fetcher.ts";
import type { HelmCli } from "../../src/helm/helm_cli.ts";
import type { KubeObject } from "../../src/k8s/objects.ts";
import { parseYamlDocuments } from "../../src/yaml/yaml.ts";
import { DRACON_ROOT, runCli } from "../cli/_cli.ts";
import {
  type ClusterEnv,
  clusterTest,
  CONNECTS_CLUSTER,
  makeHelm,
  makeHelmCli,
} from "./_testenv.ts";

const RELEASE = "dracon-oss-components";
const EXAMPLE = `${DRACON_ROOT}/examples/pipelines/golang-project/kustomization.yaml`;

/** The corpus packaged as the components chart at `version`: the archive's path. */
async function packageCorpus(helm: HelmCli, version: string): Promise<string> {
  const out = await Deno.makeTempDir({ prefix: "draconctl-lock-chart-" });
  const r = await runCli(
    ["components", "package", `${DRACON_ROOT}/components`, "--name", "dracon-components"]
      .concat(["--chart-version", version, "--output-dir", out, "-o", "json"]),
    { helm },
  );
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout).archive;
}

/** draconctl's objects in the namespace (Tasks and Pipelines), by name, with their resourceVersion. */
async function ours(env: ClusterEnv): Promise<Map<string, string>> {
  const objects = [
    ...await env.kubectl.list<KubeObject>("tasks.v1beta1.tekton.dev", env.namespace),
    ...await env.kubectl.list<KubeObject>("pipelines.v1.tekton.dev", env.namespace),
  ].filter((o) => o.metadata.labels?.["app.kubernetes.io/managed-by"] === "draconctl");
  return new Map(
    objects.map((o) => [
      `${o.kind}/${o.metadata.name}`,
      (o.metadata as { resourceVersion?: string }).resourceVersion ?? "",
    ]),
  );
}

clusterTest(
  "lock → deploy --locked; a changed file, URL body or Helm release is refused, nothing written",
  async (env, t) => {
    const helm = await makeHelmCli(env);
    const helmRun = await makeHelm(env, 3);
    const archive = await packageCorpus(helm, "0.1.0");
    const installed = await helmRun(["install", RELEASE, archive, "-n", env.namespace]);
    assert.equal(installed.code, 0, installed.stderr);

    // A URL Task on loopback, its body changeable.
    const bandit = await Deno.readTextFile(
      `${DRACON_ROOT}/components/producers/python-bandit/task.yaml`,
    );
    let body = bandit.replace("name: producer-python-bandit", "name: producer-lock-url");
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      () => new Response(body, { headers: { "content-type": "text/yaml" } }),
    );
    try {
      const url = `http://127.0.0.1:${server.addr.port}/producer-lock-url/task.yaml`;
      // The corpus example's components, a local Task file and the URL.
      const [example] = await parseYamlDocuments(await Deno.readTextFile(EXAMPLE), EXAMPLE);
      const refs = (example!.value as { components: string[] }).components;
      const dir = await Deno.makeTempDir({ prefix: "draconctl-lock-" });
      const localFile = `${dir}/consumer-lock-local.yaml`;
      const local = (await Deno.readTextFile(
        `${DRACON_ROOT}/components/consumers/stdout-json/task.yaml`,
      )).replace("name: consumer-stdout-json", "name: consumer-lock-local");
      await Deno.writeTextFile(localFile, local);
      await Deno.writeTextFile(
        `${dir}/kustomization.yaml`,
        `nameSuffix: -lock\ncomponents:\n${
          [...refs, "./consumer-lock-local.yaml", url].map((r) => `  - ${r}\n`).join("")
        }`,
      );
      const cli = (...args: string[]) =>
        runCli(
          ["--kubeconfig", env.kubeconfigPath, "-n", env.namespace, ...args]
            .concat(["--allow-insecure-http"]),
          { cluster: realCluster(), helm, fetcher: new HttpFetcher() },
        );

      let r = await cli("pipelines", "lock", dir);
      assert.equal(r.code, 0, r.stderr);
      const lockText = await Deno.readTextFile(`${dir}/draconctl.lock`);
      assert.match(
        lockText,
        /ref: pkg:helm\/dracon-oss-components\/producer-golang-gosec\n\s+kind: helm\n\s+release: dracon-oss-components\n\s+chart: dracon-components\n\s+chartVersion: 0\.1\.0\n\s+digest: sha256:[0-9a-f]{64}/,
      );
      assert.match(lockText, /ref: \.\/consumer-lock-local\.yaml\n\s+kind: local\n/);
      assert.match(lockText, new RegExp(`ref: ${url.replaceAll(".", "\\.")}\\n\\s+kind: url\\n`));
      r = await cli("pipelines", "lock", dir);
      assert.equal(await Deno.readTextFile(`${dir}/draconctl.lock`), lockText, "same bytes");
      r = await cli("pipelines", "lock", dir, "--check");
      assert.equal(r.code, 0, r.stderr);

      r = await cli("pipelines", "deploy", dir, "--locked");
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /pipeline\.tekton\.dev\/dracon-lock created/);
      const before = await ours(env);
      assert.deepEqual([...before.keys()].sort(), [
        "Pipeline/dracon-lock",
        "Task/consumer-lock-local",
        "Task/producer-lock-url",
      ]);
      r = await cli("pipelines", "status", dir, "--exit-code", "-o", "json");
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal(JSON.parse(r.stdout).lock.state, "in-sync");

      /** Every way of deploying under the lock refuses, naming `expected`; nothing changes. */
      const refused = async (expected: RegExp[], lines?: number) => {
        for (
          const mode of [[], ["--dry-run"], ["--dry-run=server"], ["--only-validate"]]
        ) {
          const result = await cli("pipelines", "deploy", dir, "--locked", ...mode);
          assert.equal(result.code, 9, `${mode}: ${result.stderr}`);
          for (const e of expected) assert.match(result.stderr, e, `${mode}`);
          if (lines !== undefined) {
            assert.equal(result.stderr.match(/^error: /gm)?.length, lines, result.stderr);
          }
        }
        const diff = await cli("pipelines", "diff", dir, "--locked");
        assert.equal(diff.code, 9, diff.stderr);
        const check = await cli("pipelines", "lock", dir, "--check");
        assert.equal(check.code, 9, check.stderr);
        for (const e of expected) assert.match(check.stderr, e);
        assert.deepEqual(await ours(env), before, "nothing was written");
        assert.equal(await Deno.readTextFile(`${dir}/draconctl.lock`), lockText);
      };
      const digestLine = (ref: string) =>
        new RegExp(
          `component "${
            ref.replaceAll(".", "\\.")
          }": digest sha256:[0-9a-f]{64} in the lock, now sha256:[0-9a-f]{64}`,
        );

      await t.step("a changed local file is refused, then accepted once restored", async () => {
        await Deno.writeTextFile(
          localFile,
          local.replace("Prints findings", "Prints all findings"),
        );
        // Its text and so the Task changed (a description the Pipeline does not take): two lines.
        await refused([
          digestLine("./consumer-lock-local.yaml"),
          /component "\.\/consumer-lock-local\.yaml": Task as applied sha256:[0-9a-f]{64} in the lock, now sha256:[0-9a-f]{64}$/m,
        ], 2);
        await Deno.writeTextFile(localFile, local);
        assert.equal((await cli("pipelines", "lock", dir, "--check")).code, 0);
      });

      await t.step("a changed URL body is refused (even a comment)", async () => {
        body = bandit.replace("name: producer-python-bandit", "name: producer-lock-url") +
          "# changed\n";
        await refused([digestLine(url)]);
        body = bandit.replace("name: producer-python-bandit", "name: producer-lock-url");
        assert.equal((await cli("pipelines", "lock", dir, "--check")).code, 0);
      });

      await t.step("other --set values render another Task: refused, naming it", async () => {
        const result = await cli(
          "pipelines",
          "deploy",
          dir,
          "--locked",
          "--set",
          "image.registry=registry.elsewhere.example",
        );
        assert.equal(result.code, 9, result.stderr);
        assert.match(
          result.stderr,
          /component "\.\/consumer-lock-local\.yaml": Task as applied sha256:[0-9a-f]{64} in the lock, now sha256:[0-9a-f]{64} \(same text: --set/,
        );
        // The URL Task's second step pulls from the registry value too.
        assert.ok(result.stderr.includes(`component "${url}": Task as applied`), result.stderr);
        assert.equal(result.stderr.match(/^error: /gm)?.length, 2, result.stderr);
        assert.deepEqual(await ours(env), before, "nothing was written");
      });
      await t.step(
        "offline, --dry-run --locked --helm-chart checks against the chart",
        async () => {
          const offline = (chart: string) =>
            runCli(
              ["pipelines", "deploy", dir, "--dry-run", "--locked", "--allow-insecure-http"]
                .concat(["--helm-chart", `${RELEASE}=${chart}`]),
              {
                helm,
                fetcher: new HttpFetcher(),
                cluster: () => Promise.reject(new Error("contacted a cluster")),
              },
            );
          const same = await offline(archive);
          assert.equal(same.code, 0, same.stderr);
          assert.match(same.stdout, /name: dracon-lock/);
          const other = await offline(await packageCorpus(helm, "0.1.1"));
          assert.equal(other.code, 9, other.stderr);
          assert.match(
            other.stderr,
            /chart "dracon-components 0\.1\.0" in the lock, now "dracon-components 0\.1\.1"/,
          );
        },
      );
      await t.step(
        "helm upgrade to a changed chart is refused, naming chart and Tasks",
        async () => {
          const next = await packageCorpus(helm, "0.2.0");
          const upgraded = await helmRun([
            "upgrade",
            RELEASE,
            next,
            "-n",
            env.namespace,
            "--set",
            "image.registry=registry.internal.example",
          ]);
          assert.equal(upgraded.code, 0, upgraded.stderr);
          const gosec = "pkg:helm/dracon-oss-components/producer-golang-gosec";
          await refused([
            new RegExp(
              `component "${gosec}": chart "dracon-components 0\\.1\\.0" in the lock, now "dracon-components 0\\.2\\.0"`,
            ),
            digestLine(gosec),
          ]);
          r = await cli("pipelines", "status", dir, "-o", "json");
          assert.equal(JSON.parse(r.stdout).lock.state, "stale");
          // Reviewed and locked again, the deploy goes through.
          assert.equal((await cli("pipelines", "lock", dir)).code, 0);
          r = await cli("pipelines", "deploy", dir, "--locked");
          assert.equal(r.code, 0, r.stderr);
        },
      );
    } finally {
      await server.shutdown();
    }
  },
  CONNECTS_CLUSTER,
);

/**
 * `run --locked` against the real API server: the lock's digest round-trips
 * through it on the Pipeline and the Tasks (read back at v1beta1, their
 * content digests intact). Without the Tekton controller there is no
 * PipelineRun kind to create: an accepted run is a `--dry-run` (everything
 * checked, the PipelineRun printed), a refused one is a real run that exits 9
 * before its create (which would fail otherwise with another code).
 */
clusterTest(
  "check --locked and run --locked: refused unless the Pipeline was deployed from the lock",
  async (env) => {
    const examples = new URL("../../examples", import.meta.url).pathname;
    const lockFile = `${await Deno.makeTempDir({ prefix: "draconctl-lock-run-" })}/example.lock`;
    const cli = (...args: string[]) =>
      runCli(["--kubeconfig", env.kubeconfigPath, "-n", env.namespace, ...args], {
        cluster: realCluster(),
      });
    const run = (target: string, ...extra: string[]) =>
      cli(
        ...["pipelines", "run", target, "-p", "git-clone-url=https://example.com/r.git"],
        ...["-w", "output=emptyDir", "--locked", "--lock-file", lockFile, ...extra],
      );
    assert.equal((await cli("pipelines", "lock", examples, "--lock-file", lockFile)).code, 0);
    let r = await cli("pipelines", "check", examples, "--locked", "--lock-file", lockFile);
    assert.equal(r.code, 0, r.stderr);

    // Deployed, but not from the lock: refused before anything is created.
    assert.equal((await cli("pipelines", "deploy", examples)).code, 0);
    for (const target of [examples, "dracon-example"]) {
      r = await run(target);
      assert.equal(r.code, 9, r.stderr);
      assert.match(
        r.stderr,
        /pipeline\.tekton\.dev\/dracon-example in namespace "[^"]+" was not deployed from this lock \(deployed without --locked/,
      );
    }

    r = await cli("pipelines", "deploy", examples, "--locked", "--lock-file", lockFile);
    assert.equal(r.code, 0, r.stderr);
    for (const target of [examples, "dracon-example"]) {
      r = await run(target, "--dry-run", "-o", "name");
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, "pipelinerun.tekton.dev/dracon-example-run-\n");
    }

    // The lock changes (reviewed again): the deployed Pipeline is no longer its.
    await Deno.writeTextFile(lockFile, (await Deno.readTextFile(lockFile)) + "# again\n");
    r = await run("dracon-example");
    assert.equal(r.code, 9, r.stderr);
    assert.match(r.stderr, /was not deployed from this lock \(deployed with lock sha256:/);
  },
  CONNECTS_CLUSTER,
);
