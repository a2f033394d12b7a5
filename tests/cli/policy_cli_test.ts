/**
 * The policy gate's command line (docs/policy.md): the default file beside
 * the kustomization and `--no-policy`, `-o json` on a refusal, the report
 * files, and a client dry run whose helm:// Tasks cannot be read.
 */
import assert from "node:assert/strict";
import { assertMatchesSchema } from "../_schemas.ts";
import { fixture, runCli } from "./_cli.ts";

const EXAMPLES = new URL("../../examples", import.meta.url).pathname;
const POLICY = "apiVersion: draconctl.dracon.ocurity.com/v1\nkind: Policy\n";

/** The example kustomization in a directory of its own (`--base-dir examples`), `policy` beside it. */
async function example(policy: string | undefined): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "draconctl-policy-cli-" });
  await Deno.writeTextFile(
    `${dir}/kustomization.yaml`,
    await Deno.readTextFile(`${EXAMPLES}/kustomization.yaml`),
  );
  if (policy !== undefined) await Deno.writeTextFile(`${dir}/draconctl-policy.yaml`, policy);
  return dir;
}

Deno.test("draconctl-policy.yaml beside the kustomization applies unless --no-policy", async () => {
  const dir = await example(POLICY + "tasks:\n  allowed: [base, git-clone, 'producer-*']\n");
  const gated = await runCli(["pipelines", "deploy", dir, "--base-dir", EXAMPLES, "--dry-run"]);
  assert.equal(gated.code, 10, gated.stderr);
  assert.equal(gated.stdout, "");
  assert.deepEqual(
    [...gated.stderr.matchAll(/^error: policy: Task "([^"]+)": the name/gm)].map((m) => m[1]),
    ["enricher-aggregator", "consumer-stdout"],
  );
  assert.match(gated.stderr, /draconctl-policy\.yaml\)\n$/);
  const off = await runCli([
    "pipelines",
    "deploy",
    dir,
    "--base-dir",
    EXAMPLES,
    "--dry-run",
    "--no-policy",
  ]);
  assert.equal(off.code, 0, off.stderr);
  assert.match(off.stdout, /^kind: Pipeline$/m);
  // None beside it: no gate.
  const none = await runCli([
    "pipelines",
    "deploy",
    await example(undefined),
    "--base-dir",
    EXAMPLES,
    "--dry-run",
  ]);
  assert.equal(none.code, 0, none.stderr);
});

Deno.test("-o json prints a refusal's report; --policy-report files are written pass or fail", async () => {
  const dir = await example(undefined);
  const strict = `${dir}/strict.yaml`;
  const open = `${dir}/open.yaml`;
  await Deno.writeTextFile(strict, POLICY + "images:\n  registries: [registry.internal.example]\n");
  await Deno.writeTextFile(open, POLICY + "images:\n  repositories: [busybox, alpine/git]\n");
  const refused = await runCli([
    "pipelines",
    "deploy",
    dir,
    "--base-dir",
    EXAMPLES,
    "--dry-run",
    "-o",
    "json",
    "--policy",
    strict,
    "--policy-report",
    `json=${dir}/report.json`,
    "--policy-report",
    `sarif=${dir}/report.sarif`,
  ]);
  assert.equal(refused.code, 10, refused.stderr);
  const report = assertMatchesSchema("pipelines deploy", refused.stdout);
  assert.equal(report.passed, false);
  assert.equal(report.tasks, 6);
  assert.equal(report.violations.length, refused.stderr.match(/^error: policy:/gm)!.length);
  assert.deepEqual(JSON.parse(await Deno.readTextFile(`${dir}/report.json`)), report);
  const sarif = JSON.parse(await Deno.readTextFile(`${dir}/report.sarif`));
  assert.equal(sarif.runs[0].results.length, report.violations.length);
  const passed = await runCli([
    "pipelines",
    "deploy",
    dir,
    "--base-dir",
    EXAMPLES,
    "--dry-run",
    "--policy",
    open,
    "--policy-report",
    `sarif=${dir}/pass.sarif`,
  ]);
  assert.equal(passed.code, 0, passed.stderr);
  assert.deepEqual(JSON.parse(await Deno.readTextFile(`${dir}/pass.sarif`)).runs[0].results, []);
  // The report never overwrites an input.
  const over = await runCli([
    "pipelines",
    "deploy",
    dir,
    "--base-dir",
    EXAMPLES,
    "--dry-run",
    "--policy",
    open,
    "--policy-report",
    `json=${open}`,
  ]);
  assert.equal(over.code, 2, over.stderr);
  assert.match(over.stderr, /--policy-report ".*open\.yaml": is an input of this run/);
  assert.match(await Deno.readTextFile(open), /repositories/);
});

Deno.test("a client dry run whose helm:// Tasks cannot be read cannot pass a policy", async () => {
  const result = await runCli([
    "pipelines",
    "deploy",
    `${EXAMPLES}/helm-pipeline`,
    "--dry-run",
    "--policy",
    fixture("policy/private-registry.yaml"),
  ]);
  assert.equal(result.code, 10, result.stderr);
  assert.match(
    result.stderr,
    /^error: .*private-registry\.yaml: the policy cannot be evaluated: 6 helm:\/\/ Task\(s\) not resolved \(the cluster could not be read: no cluster in this test\)\nhint: .*--helm-chart/,
  );
  assert.equal(result.stdout, "");
  // Without a policy the same dry run prints the Tasks it can, with a warning.
  const plain = await runCli(["pipelines", "deploy", `${EXAMPLES}/helm-pipeline`, "--dry-run"]);
  assert.equal(plain.code, 0, plain.stderr);
});
