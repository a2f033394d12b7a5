/**
 * Issue 17, the image policy gate, on the real test environment: the Dracon
 * corpus's components chart installed with `image.registry` set to a
 * private host (with a port), then every example pipeline of the corpus
 * checked against a policy that allows that host (and the vetted upstream
 * images the corpus pins by name) — it passes — and against the same policy
 * without the host — it fails naming every Task whose images the release
 * took from the private host, and nothing is written. The same for local
 * corpus Tasks rendered with `--set image.registry=…`, for `pipelines check`
 * and `pipelines diff`, and the SARIF report.
 */
import assert from "node:assert/strict";
import { realCluster } from "./_kube.ts";
import type { Task } from "../../src/tekton/types.ts";
import type { KubeObject } from "../../src/k8s/objects.ts";
import { DRACON_ROOT, runCli } from "../cli/_cli.ts";
import {
  type ClusterEnv,
  clusterTest,
  CONNECTS_CLUSTER,
  makeHelm,
  makeHelmCli,
  uniqueNamespace,
} from "./_testenv.ts";

const EXAMPLES = `${DRACON_ROOT}/examples/pipelines`;
const HOST = "registry.internal.example:5000";
/** What the operator sets `image.registry` to: the private host and a namespace on it. */
const PRIVATE = `${HOST}/dracon`;
const RELEASE = "dracon-oss-components";

/**
 * The upstream images the corpus's Tasks name literally (not through
 * `image.registry`), as a security team would vet them, written as the
 * Tasks write them: the policy normalizes both (`busybox` is
 * `docker.io/library/busybox`).
 */
const VETTED = [
  "busybox",
  "python",
  "snyk/snyk",
  "bridgecrew/checkov",
  "owasp/dependency-check",
  "presidentbeef/brakeman",
  "docker.io/library/buildpack-deps",
  "docker.io/node",
  "docker.io/aquasec/tfsec",
  "docker.io/aquasec/trivy",
  "docker.io/captainfoobar/findsecbugs",
  "docker.io/checkmarx/kics",
  "docker.io/drwetter/testssl.sh",
  "docker.io/openpolicyagent/opa",
  "docker.io/returntocorp/semgrep",
  "docker.io/securego/gosec",
  "docker.io/sonatypecommunity/nancy",
  "ghcr.io/appthreat/atom",
  "ghcr.io/cyclonedx/cdxgen",
  "ghcr.io/trufflesecurity/trufflehog",
  "ghcr.io/zaproxy/zaproxy",
  "kind-registry:5000/components/producers/**",
];
/** Images set by params at run time, accepted as an explicit exception. */
const PARAMS = ["git-clone-gitInitImage", "producer-golang-nancy-goImage"];

function policyText(registries: string[]): string {
  return [
    "apiVersion: draconctl.dracon.ocurity.com/v1",
    "kind: Policy",
    "images:",
    `  registries: [${registries.map((r) => `"${r}"`).join(", ")}]`,
    `  repositories: [${VETTED.map((r) => `"${r}"`).join(", ")}]`,
    `  allowParameters: [${PARAMS.join(", ")}]`,
    "security:",
    "  forbidPrivileged: true",
    "  forbidHostNamespaces: true",
    "  forbidHostPath: true",
    "",
  ].join("\n");
}

async function list<T>(env: ClusterEnv, namespace: string, plural: string): Promise<T[]> {
  const version = plural === "tasks" ? "v1beta1" : "v1";
  return await env.kubectl.list<KubeObject>(`${plural}.${version}.tekton.dev`, namespace) as T[];
}

/** Every object of the namespace with its resourceVersion: what "nothing written" compares. */
async function snapshot(env: ClusterEnv, namespace: string): Promise<string[]> {
  const objects = [
    ...await list<KubeObject>(env, namespace, "tasks"),
    ...await list<KubeObject>(env, namespace, "pipelines"),
  ];
  return objects.map((o) =>
    `${o.kind}/${o.metadata.name}@${(o.metadata as { resourceVersion?: string }).resourceVersion}`
  ).sort();
}

/** The names of the Tasks a kustomization lists (`pkg:helm/<release>/<task>`). */
async function helmTasksOf(kustomization: string): Promise<string[]> {
  const text = await Deno.readTextFile(kustomization);
  return [...text.matchAll(/^\s*-\s*pkg:helm\/[^/\s]+\/([a-z0-9-]+)\s*$/gm)].map((m) => m[1]!);
}

const imagesOf = (task: Task) =>
  [...(task.spec.steps ?? []), ...((task.spec.sidecars as { image?: string }[]) ?? [])]
    .map((s) => s.image ?? "");

clusterTest(
  "the policy gate on the corpus: the private host allowed passes, not allowed names every Task",
  async (env, t) => {
    const helm = await makeHelmCli(env);
    const helmRun = await makeHelm(env, 3);
    const dir = await Deno.makeTempDir({ prefix: "draconctl-policy-" });
    const allowed = `${dir}/allowed.yaml`;
    const denied = `${dir}/denied.yaml`;
    await Deno.writeTextFile(allowed, policyText([HOST]));
    // A look-alike host and the host without its port: neither is the private registry.
    await Deno.writeTextFile(
      denied,
      policyText(["registry.internal.example", "registry.internal.example.evil.io:5000"]),
    );
    const cli = (namespace: string, args: string[]) =>
      runCli(["--kubeconfig", env.kubeconfigPath, "-n", namespace, ...args], {
        cluster: realCluster(),
        helm,
      });

    const out = await Deno.makeTempDir({ prefix: "draconctl-policy-chart-" });
    const packaged = await runCli(
      ["components", "package", `${DRACON_ROOT}/components`, "--name", "dracon-components"]
        .concat(["--output-dir", out, "-o", "json"]),
      { helm },
    );
    assert.equal(packaged.code, 0, packaged.stderr);
    const { archive } = JSON.parse(packaged.stdout) as { archive: string };
    await helmRun([
      "install",
      RELEASE,
      archive,
      "-n",
      env.namespace,
      "--set",
      `image.registry=${PRIVATE}`,
    ]);
    const live = new Map(
      (await list<Task>(env, env.namespace, "tasks")).map((t) => [t.metadata.name, t]),
    );
    assert.equal(live.size, 48);
    const fromPrivate = new Set(
      [...live.values()].filter((t) => imagesOf(t).some((i) => i.startsWith(`${PRIVATE}/`)))
        .map((t) => t.metadata.name),
    );
    assert.ok(fromPrivate.size >= 40, `${fromPrivate.size} Tasks pull from ${PRIVATE}`);

    const examples = [];
    for await (const entry of Deno.readDir(EXAMPLES)) {
      // reachability-project's malformed reference is refused before the gate (corpus_examples_test.ts).
      if (entry.isDirectory && entry.name !== "reachability-project") examples.push(entry.name);
    }
    examples.sort();
    assert.ok(examples.length >= 17, examples.join());

    await t.step(
      "github-security-project: the corpus's truncated image is refused by both",
      async () => {
        const kustomization = `${EXAMPLES}/github-security-project/kustomization.yaml`;
        for (const policy of [allowed, denied]) {
          const result = await cli(env.namespace, [
            "pipelines",
            "deploy",
            kustomization,
            "--dry-run",
            "--policy",
            policy,
          ]);
          assert.equal(result.code, 10, result.stderr);
          assert.match(
            result.stderr,
            /Task "producer-github-codeql" step "produce-issues": image "kind-registry:5000\/components\/producers\/github-" is not a valid image reference: invalid reference format \[image-unresolved\]/,
          );
        }
      },
    );

    for (const example of examples.filter((e) => e !== "github-security-project")) {
      await t.step(
        `${example}: passes with ${HOST} allowed, fails naming every Task without`,
        async () => {
          const kustomization = `${EXAMPLES}/${example}/kustomization.yaml`;
          const flags = ["--base-dir", DRACON_ROOT, "--set", `image.registry=${PRIVATE}`]
            .concat(["--app-version", "0.1.0"]);
          const before = await snapshot(env, env.namespace);
          const pass = await cli(env.namespace, [
            "pipelines",
            "deploy",
            kustomization,
            "--dry-run",
            "--policy",
            allowed,
            ...flags,
          ]);
          assert.equal(pass.code, 0, pass.stderr);
          const fail = await cli(env.namespace, [
            "pipelines",
            "deploy",
            kustomization,
            "--policy",
            denied,
            ...flags,
            "--policy-report",
            `sarif=${dir}/${example}.sarif`,
          ]);
          assert.equal(fail.code, 10, fail.stderr);
          assert.equal(fail.stdout, "", "nothing was applied, so nothing is printed");
          const expected = (await helmTasksOf(kustomization)).filter((name) =>
            fromPrivate.has(name)
          );
          assert.ok(expected.length > 0, example);
          const named = new Set(
            [...fail.stderr.matchAll(/^error: policy: Task "([^"]+)" [^\n]*\[image-source\]/gm)]
              .map((m) => m[1]),
          );
          for (const name of expected) {
            assert.ok(named.has(name), `${example}: ${name} not named\n${fail.stderr}`);
          }
          for (const name of named) {
            assert.ok(fromPrivate.has(name!), `${example}: ${name} named`);
          }
          assert.match(
            fail.stderr,
            new RegExp(`image "${PRIVATE.replaceAll(".", "\\.")}/components/`),
          );
          assert.deepEqual(await snapshot(env, env.namespace), before, "nothing was written");
          // SARIF: one result per violation, each pointing at the kustomization line of its Task.
          const sarif = JSON.parse(await Deno.readTextFile(`${dir}/${example}.sarif`));
          const results = sarif.runs[0].results as {
            ruleId: string;
            locations: { physicalLocation: { artifactLocation: { uri: string } } }[];
          }[];
          assert.equal(results.length, fail.stderr.match(/^error: policy: /gm)!.length);
          assert.ok(results.every((r) => r.ruleId === "image-source"));
          assert.ok(
            results.every((r) =>
              r.locations[0]!.physicalLocation.artifactLocation.uri.endsWith(
                `examples/pipelines/${example}/kustomization.yaml`,
              )
            ),
          );
        },
      );
    }

    await t.step(
      "offline: --helm-chart's rendered Tasks are gated, no cluster contacted",
      async () => {
        const kustomization = `${EXAMPLES}/golang-project/kustomization.yaml`;
        const offline = (policy: string) =>
          runCli(
            ["pipelines", "deploy", kustomization, "--dry-run", "--policy", policy]
              .concat([
                "--helm-chart",
                `${RELEASE}=${archive}`,
                "--set",
                `image.registry=${PRIVATE}`,
              ]),
            { helm, cluster: () => Promise.reject(new Error("contacted a cluster")) },
          );
        const pass = await offline(allowed);
        assert.equal(pass.code, 0, pass.stderr);
        const fail = await offline(denied);
        assert.equal(fail.code, 10, fail.stderr);
        const named = new Set(
          [...fail.stderr.matchAll(/^error: policy: Task "([^"]+)"/gm)].map((m) => m[1]),
        );
        assert.deepEqual(
          [...named].sort(),
          (await helmTasksOf(kustomization)).filter((n) => fromPrivate.has(n)).sort(),
        );
      },
    );

    await t.step(
      "apply with the private host allowed deploys; check and diff gate too",
      async () => {
        const kustomization = `${EXAMPLES}/golang-project/kustomization.yaml`;
        const ok = await cli(env.namespace, [
          "pipelines",
          "deploy",
          kustomization,
          "--policy",
          allowed,
        ]);
        assert.equal(ok.code, 0, ok.stderr);
        assert.match(ok.stdout, /pipeline\.tekton\.dev\/dracon-golang-project created/);
        const before = await snapshot(env, env.namespace);
        for (const command of ["check", "diff"]) {
          const refused = await cli(env.namespace, [
            "pipelines",
            command,
            kustomization,
            "--policy",
            denied,
            "-o",
            "json",
          ]);
          assert.equal(refused.code, 10, `${command}: ${refused.stderr}`);
          const report = JSON.parse(refused.stdout);
          assert.equal(report.passed, false);
          assert.deepEqual(
            [...new Set(report.violations.map((v: { task: string }) => v.task))].sort(),
            (await helmTasksOf(kustomization)).filter((n) => fromPrivate.has(n)).sort(),
          );
          const passed = await cli(env.namespace, [
            "pipelines",
            command,
            kustomization,
            "--policy",
            allowed,
          ]);
          assert.equal(passed.code, 0, `${command}: ${passed.stderr}`);
        }
        assert.deepEqual(await snapshot(env, env.namespace), before);
      },
    );

    await t.step(
      "local corpus Tasks, rendered with --set image.registry, are gated as rendered",
      async () => {
        const namespace = uniqueNamespace("policy local");
        await env.kubectl.createNamespace(namespace);
        const local = await Deno.makeTempDir({ prefix: "draconctl-policy-local-" });
        const components = [
          "components/base",
          "components/sources/git",
          "components/producers/golang-gosec",
          "components/producers/aggregator",
          "components/enrichers/deduplication",
          "components/enrichers/aggregator",
          "components/consumers/stdout-json",
        ];
        await Deno.writeTextFile(
          `${local}/kustomization.yaml`,
          ["nameSuffix: -local", "components:", ...components.map((c) => `  - ${c}`), ""].join(
            "\n",
          ),
        );
        const flags = ["--base-dir", DRACON_ROOT, "--set", `image.registry=${PRIVATE}`];
        const refused = await cli(namespace, [
          "pipelines",
          "deploy",
          local,
          "--policy",
          denied,
          ...flags,
        ]);
        assert.equal(refused.code, 10, refused.stderr);
        // Each violation names the Task's own file and line.
        for (
          const [task, file] of [["producer-golang-gosec", "producers/golang-gosec/task.yaml"], [
            "enricher-deduplication",
            "enrichers/deduplication/task.yaml",
          ]]
        ) {
          assert.match(
            refused.stderr,
            new RegExp(
              `Task "${task}" step "[^"]+": image "${
                PRIVATE.replaceAll(".", "\\.")
              }/components/[^"]+" .*\\[image-source\\] \\(components/[^,]+, [^)]*${file}:\\d+\\)`,
            ),
          );
        }
        assert.deepEqual(await snapshot(env, namespace), [], "nothing was written");
        // Rendered with the chart's defaults (ghcr.io/ocurity/dracon), the allowed policy refuses too.
        const defaults = await cli(namespace, [
          "pipelines",
          "deploy",
          local,
          "--dry-run",
          "--policy",
          allowed,
          "--base-dir",
          DRACON_ROOT,
        ]);
        assert.equal(defaults.code, 10, defaults.stderr);
        assert.match(
          defaults.stderr,
          /image "ghcr\.io\/ocurity\/dracon\/components\/producers\/golang-gosec:latest"/,
        );
        const applied = await cli(namespace, [
          "pipelines",
          "deploy",
          local,
          "--policy",
          allowed,
          ...flags,
        ]);
        assert.equal(applied.code, 0, applied.stderr);
        assert.match(applied.stdout, /pipeline\.tekton\.dev\/dracon-local created/);
        assert.equal((await snapshot(env, namespace)).length, components.length + 1);
      },
    );
  },
  CONNECTS_CLUSTER,
);
