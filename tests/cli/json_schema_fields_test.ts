/**
 * The `-o json` outputs the lock, the policy gate and several
 * kustomizations or contexts added, made in-process against in-memory
 * clusters and validated against docs/schemas/ (docs/output.md): a passing
 * gate's `policy` summary, a refusal's report (exit 10), `pipelines deploy
 * k1 k2` and `--context a,b` (whose policy refusal prints nothing on
 * stdout); and the schemas refusing wrong shapes of
 * those fields, each mutation made on a real output that matched.
 */
import assert from "node:assert/strict";
import { ClusterError } from "../../src/errors.ts";
import { POLICY_RULES } from "../../src/pipelines/policy_gate.ts";
import { MemoryApplier } from "../../src/tekton/memory_applier.ts";
import { memoryFleet } from "../_fakes/memory_fleet.ts";
import { assertMatchesSchema, schemaErrors } from "../_schemas.ts";
import { fixture, runCli } from "./_cli.ts";
import { run, setUp } from "./_inventory_env.ts";

/** A policy the corpus Tasks pass, and one they break (every image from a private registry). */
async function policies(dir: string) {
  const passing = `${dir}/passing-policy.yaml`;
  await Deno.writeTextFile(
    passing,
    "apiVersion: draconctl.dracon.ocurity.com/v1\nkind: Policy\nsecurity:\n  forbidPrivileged: true\n",
  );
  return { passing, refusing: fixture("policy/private-registry.yaml") };
}

/** `value` with `edit` applied to a deep copy. */
// deno-lint-ignore no-explicit-any
function edited(value: unknown, edit: (copy: any) => void): unknown {
  const copy = structuredClone(value);
  edit(copy);
  return copy;
}

/** Each edit of a matching `value` must be refused by the schema of `command`. */
// deno-lint-ignore no-explicit-any
function assertRefused(command: string, value: unknown, edits: Record<string, (v: any) => void>) {
  assert.deepEqual(schemaErrors(command, value), [], "the real output matches");
  for (const [what, edit] of Object.entries(edits)) {
    assert.notDeepEqual(schemaErrors(command, edited(value, edit)), [], `${command}: ${what}`);
  }
}

Deno.test("a passing policy: deploy (each mode), check and diff -o json carry the same policy summary", async () => {
  const env = await setUp();
  const { passing } = await policies(env.dir);
  const gate = ["--policy", passing, "-o", "json"];
  for (const mode of [["--dry-run=server"], ["--only-validate"], []]) {
    const r = await run(env, ["pipelines", "deploy", `${env.dir}/a`, ...mode, ...gate]);
    assert.equal(r.code, 0, r.stderr);
    const summary = assertMatchesSchema("pipelines deploy", r.stdout);
    // Every Task the deploy applies or uses: the four local ones and Helm's base.
    assert.deepEqual(summary.policy, { file: passing, tasks: 5, violations: 0 }, mode.join(" "));
    assertRefused("pipelines deploy", summary, {
      "a violation count other than 0": (v) => v.policy.violations = 1,
      "the report's shape instead of the summary's": (v) =>
        v.policy = { policy: passing, tasks: 5, violations: [] },
      "no file": (v) => delete v.policy.file,
    });
  }
  const check = await run(env, ["pipelines", "check", `${env.dir}/b`, ...gate]);
  assert.equal(check.code, 0, check.stderr);
  const checked = assertMatchesSchema("pipelines check", check.stdout);
  assert.deepEqual(checked.policy, { file: passing, tasks: 3, violations: 0 });
  const diff = await run(env, ["pipelines", "diff", `${env.dir}/b`, ...gate]);
  assert.equal(diff.code, 0, diff.stderr);
  const diffed = assertMatchesSchema("pipelines diff", diff.stdout);
  assert.deepEqual(diffed.policy, checked.policy, "diff's summary as check's");
  for (const [command, value] of [["pipelines check", checked], ["pipelines diff", diffed]]) {
    assertRefused(command, value, {
      "an undocumented policy field": (v) => v.policy.passed = true,
      "a violation count other than 0": (v) => v.policy.violations = 2,
    });
  }
});

Deno.test("a policy refusal: deploy (each mode), check and diff -o json print the report, exit 10, nothing applied", async () => {
  const env = await setUp();
  const { refusing } = await policies(env.dir);
  const cases: [string, string[]][] = [
    ["pipelines deploy", ["pipelines", "deploy", `${env.dir}/a`]],
    ["pipelines deploy", ["pipelines", "deploy", `${env.dir}/a`, "--dry-run=server"]],
    ["pipelines deploy", ["pipelines", "deploy", `${env.dir}/a`, "--only-validate"]],
    ["pipelines check", ["pipelines", "check", `${env.dir}/a`]],
    ["pipelines diff", ["pipelines", "diff", `${env.dir}/a`]],
  ];
  for (const [command, args] of cases) {
    const file = `${env.dir}/report-${args.length}-${command.split(" ")[1]}.json`;
    const r = await run(
      env,
      [...args, "--policy", refusing, "--policy-report", `json=${file}`]
        .concat(["-o", "json"]),
    );
    assert.equal(r.code, 10, `${args.join(" ")}: ${r.stderr}`);
    const report = assertMatchesSchema(command, r.stdout);
    assert.deepEqual(assertMatchesSchema("policy report", r.stdout), report);
    assert.equal(report.passed, false);
    assert.equal(report.policy, refusing);
    assert.equal(report.violations.length, r.stderr.match(/^error: policy:/gm)?.length);
    assert.ok(report.violations.some((v: { line?: number }) => v.line !== undefined));
    assert.deepEqual(
      assertMatchesSchema("policy report", await Deno.readTextFile(file)),
      report,
      "--policy-report json= writes what stdout shows",
    );
    assert.equal(env.memory.applied.length, 0, "nothing applied");
    assertRefused(command, report, {
      "the gate's internal path": (v) => v.violations[0].path = ["spec", "steps", 0],
      "an unknown rule": (v) => v.violations[0].rule = "image-registry",
      "passed with violations": (v) => v.passed = true,
      "refused without a violation": (v) => v.violations = [],
      "a violation without its reason": (v) => delete v.violations[0].reason,
      "a line of 0": (v) => v.violations[0].line = 0,
    });
  }
  // A passing gate's report file, written as well.
  const { passing } = await policies(env.dir);
  const r = await run(
    env,
    ["pipelines", "check", `${env.dir}/b`, "--policy", passing]
      .concat(["--policy-report", `json=${env.dir}/pass.json`]),
  );
  assert.equal(r.code, 0, r.stderr);
  const passed = assertMatchesSchema(
    "policy report",
    await Deno.readTextFile(`${env.dir}/pass.json`),
  );
  assert.deepEqual(passed, { policy: passing, tasks: 3, passed: true, violations: [] });
});

Deno.test("the report's rules are the gate's rules", () => {
  const schema = JSON.parse(
    Deno.readTextFileSync(new URL("../../docs/schemas/policy-report.schema.json", import.meta.url)),
  );
  assert.deepEqual(
    [...schema.properties.violations.items.properties.rule.enum].sort(),
    Object.keys(POLICY_RULES).sort(),
  );
});

Deno.test("several kustomizations -o json: each mode, a passing policy, a failing Task, a refusal", async () => {
  const env = await setUp();
  const { passing, refusing } = await policies(env.dir);
  const both = ["pipelines", "deploy", `${env.dir}/a`, `${env.dir}/b`, "-o", "json"];

  const validated = await run(env, [...both, "--only-validate", "--policy", passing]);
  assert.equal(validated.code, 0, validated.stderr);
  const summary = assertMatchesSchema("pipelines deploy", validated.stdout);
  assert.equal(summary.mode, "validate");
  assert.deepEqual(
    summary.pipelines.map((p: { pipeline: string; policy: unknown }) => [p.pipeline, p.policy]),
    [
      ["dracon-a", { file: passing, tasks: 5, violations: 0 }],
      ["dracon-b", { file: passing, tasks: 3, violations: 0 }],
    ],
  );
  assert.deepEqual(
    summary.pipelines[1].shared.map((s: { subject: string }) => s.subject).sort(),
    ["task.tekton.dev/git-clone", "task.tekton.dev/wget"],
  );
  assertRefused("pipelines deploy", summary, {
    "a pipeline without its shared Tasks": (v) => delete v.pipelines[0].shared,
    "a shared Task without its kustomization": (v) => delete v.pipelines[1].shared[0].appliedFor,
    "an outcome neither deployed nor failed": (v) => delete v.pipelines[0].pipeline,
    "an outcome both deployed and failed": (v) => v.pipelines[0].error = "boom",
    "an unknown mode": (v) => v.mode = "dry-run",
    "pipelines and contexts": (v) => v.contexts = [],
  });

  const applied = await run(env, both);
  assert.equal(applied.code, 0, applied.stderr);
  assert.equal(assertMatchesSchema("pipelines deploy", applied.stdout).mode, "apply");

  // A Task the server refuses: the pipeline that needs it failed, the other deployed.
  const failing = await setUp();
  failing.memory.applyErrors.set("producer-golang-gosec", new ClusterError("refused gosec"));
  const partial = await run(failing, both);
  assert.equal(partial.code, 5, partial.stderr);
  const outcomes = assertMatchesSchema("pipelines deploy", partial.stdout).pipelines;
  assert.match(outcomes[0].error, /producer-golang-gosec/);
  assert.ok(outcomes[0].changes.some((c: { action: string }) => c.action === "failed"));
  assert.equal(outcomes[1].pipeline, "dracon-b");

  // The policy refuses before anything is written: no summary, and no report either (each
  // kustomization may have its own policy); every violation is on stderr (docs/output.md).
  for (const mode of [[], ["--dry-run"]]) {
    const refused = await run(failing, [...both, ...mode, "--policy", refusing]);
    assert.equal(refused.code, 10, refused.stderr);
    assert.equal(refused.stdout, "");
    assert.match(refused.stderr, /^error: policy: Task "git-clone" /m);
  }
});

Deno.test("--context a,b -o json: each context's pipelines, or why it has none", async () => {
  const [x, y] = [await setUp(), await setUp()];
  // Context z lacks Helm release ci: its deploys cannot resolve helm://ci/base.
  const { fleet } = memoryFleet({ x: x.memory, y: y.memory, z: new MemoryApplier() });
  const deploy = (...args: string[]) =>
    runCli(
      ["-n", "dracon", "pipelines", "deploy", `${x.dir}/a`, `${x.dir}/b`, "-o", "json", ...args],
      { fleet },
    );

  const ok = await deploy("--context", "x,y", "--dry-run=server");
  assert.equal(ok.code, 0, ok.stderr);
  const fleetSummary = assertMatchesSchema("pipelines deploy", ok.stdout);
  assert.equal(fleetSummary.mode, "server-dry-run");
  assert.deepEqual(fleetSummary.contexts.map((c: { context: string }) => c.context), ["x", "y"]);
  assert.ok(fleetSummary.contexts.every((c: { pipelines: unknown[] }) => c.pipelines.length === 2));

  const one = await deploy("--context", "x,z");
  assert.equal(one.code, 3, one.stdout + one.stderr);
  const mixed = assertMatchesSchema("pipelines deploy", one.stdout);
  assert.equal(mixed.mode, "apply");
  assert.equal(mixed.contexts[0].pipelines.length, 2);
  assert.match(
    mixed.contexts[1].error,
    /^Cannot resolve "helm:\/\/ci\/base": no Helm release "ci"/,
  );
  assertRefused("pipelines deploy", mixed, {
    "a context with neither pipelines nor error": (v) => delete v.contexts[1].error,
    "a context without its name": (v) => delete v.contexts[0].context,
    "a context's unknown field": (v) => v.contexts[0].namespace = "dracon",
  });
});
