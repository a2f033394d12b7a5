/**
 * `DRACONCTL_<FLAG>` variables (src/cli/env_flags.ts): flag > variable >
 * default, the flag's own parser and choices, the Go tool's aliases, and the
 * shipped `--allow-env` list being exactly the command tree's variables.
 */
import assert from "node:assert/strict";
import { createProgram } from "../../src/cli/program.ts";
import { allCommands } from "../../src/cli/_command.ts";
import { allEnvNames, envNameOf } from "../../src/cli/env_flags.ts";
import { writesFiles } from "../../src/cli/write_scope.ts";
import { ClusterError } from "../../src/errors.ts";
import { FLAG_ENV_VARS } from "../../src/permissions.ts";
import type { ClusterOptions } from "../../src/tekton/cluster.ts";
import { DRACON_ROOT, fixture, runCli } from "./_cli.ts";

const GOLANG = fixture("pipelines/golang-project");

function envOf(vars: Record<string, string>): (name: string) => string | undefined {
  return (name) => vars[name];
}

/** The apiVersion of the Pipeline a client dry run prints. */
function pipelineApiVersion(yaml: string): string | undefined {
  return /apiVersion: (\S+)\nkind: Pipeline\n/.exec(yaml)?.[1];
}

Deno.test("the shipped --allow-env list holds exactly the variables of the command tree's flags", () => {
  const names = allEnvNames(allCommands(createProgram({} as never)));
  assert.deepEqual([...FLAG_ENV_VARS], names);
  assert.ok(names.includes("DRACONCTL_FIELD_MANAGER") && names.includes("DRACONCTL_KUBECONFIG"));
  assert.ok(!names.includes("DRACONCTL_HELP"));
  assert.equal(envNameOf("--as-group"), "DRACONCTL_AS_GROUP");
});

Deno.test("a flag on the command line beats its variable, which beats the default", async () => {
  const base = ["pipelines", "deploy", GOLANG, "--base-dir", DRACON_ROOT, "--dry-run"];
  const env = envOf({ DRACONCTL_PIPELINE_API_VERSION: "tekton.dev/v1beta1" });
  const fromDefault = await runCli(base);
  const fromEnv = await runCli(base, { env });
  const fromFlag = await runCli([...base, "--pipeline-api-version", "tekton.dev/v1"], { env });
  for (const r of [fromDefault, fromEnv, fromFlag]) assert.equal(r.code, 0, r.stderr);
  assert.equal(pipelineApiVersion(fromDefault.stdout), "tekton.dev/v1");
  assert.equal(pipelineApiVersion(fromEnv.stdout), "tekton.dev/v1beta1");
  assert.equal(pipelineApiVersion(fromFlag.stdout), "tekton.dev/v1");
});

Deno.test("boolean and optional-value flags read Go's booleans; an empty variable is unset", async () => {
  const base = ["pipelines", "deploy", GOLANG];
  const seen: ClusterOptions[] = [];
  const cluster = (options: ClusterOptions) => {
    seen.push(options);
    return Promise.reject(new ClusterError("no cluster in this test"));
  };
  const env = (vars: Record<string, string>) => ({ env: envOf(vars), cluster });
  // DRACONCTL_DRY_RUN=true is --dry-run (client): YAML, no cluster.
  const client = await runCli(
    base,
    env({ DRACONCTL_DRY_RUN: "true", DRACONCTL_BASE_DIR: DRACON_ROOT }),
  );
  assert.equal(client.code, 0, client.stderr);
  assert.equal(pipelineApiVersion(client.stdout), "tekton.dev/v1");
  assert.equal(seen.length, 0);
  // "false", "" and "0": not a dry run, so the deploy connects.
  for (const value of ["false", "", "0"]) {
    const applied = await runCli(
      base,
      env({ DRACONCTL_DRY_RUN: value, DRACONCTL_BASE_DIR: DRACON_ROOT }),
    );
    assert.equal(applied.code, 5, `${value}: ${applied.stderr}`);
    assert.match(applied.stderr, /no cluster in this test/);
  }
  assert.equal(seen.length, 3);
  // A variable for a boolean flag that is not a boolean fails, naming it.
  const bad = await runCli(base, env({ DRACONCTL_FORCE_CONFLICTS: "yes" }));
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^error: DRACONCTL_FORCE_CONFLICTS="yes": expected a boolean/);
});

Deno.test("the Go tool's variables: DRACONCTL_SSA on deploy, DRACONCTL_VERSION on components package", async () => {
  const seen: string[] = [];
  const cluster = (options: ClusterOptions) => {
    seen.push(options.fieldManager);
    return Promise.reject(new ClusterError("no cluster in this test"));
  };
  const base = ["pipelines", "deploy", GOLANG, "--base-dir", DRACON_ROOT];
  await runCli(base, { cluster, env: envOf({ DRACONCTL_SSA: "from-ssa-var" }) });
  await runCli(base, {
    cluster,
    env: envOf({ DRACONCTL_SSA: "from-ssa-var", DRACONCTL_FIELD_MANAGER: "own-var" }),
  });
  await runCli([...base, "--ssa", "ssa-flag"], { cluster, env: envOf({ DRACONCTL_SSA: "v" }) });
  assert.deepEqual(seen, ["from-ssa-var", "own-var", "ssa-flag"]);

  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/components/base`, { recursive: true });
    await Deno.copyFile(
      `${DRACON_ROOT}/components/base/task.yaml`,
      `${dir}/components/base/task.yaml`,
    );
    const packaged = await runCli(
      ["components", "package", "--output-dir", `${dir}/out`, "-o", "json", `${dir}/components`],
      {
        env: envOf({
          DRACONCTL_VERSION: "v9.8.7",
          DRACONCTL_CHART_VERSION: "9.8.7",
          DRACONCTL_NAME: "from-env",
        }),
      },
    );
    assert.equal(packaged.code, 0, packaged.stderr);
    const packagedJson = JSON.parse(packaged.stdout);
    assert.deepEqual(packagedJson.chart, {
      name: "from-env",
      version: "9.8.7",
      appVersion: "v9.8.7",
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("DRACONCTL_OUTPUT_FILE keeps the write permission as --output-file does", () => {
  const args = ["pipelines", "list"];
  assert.equal(writesFiles(args), false);
  assert.equal(writesFiles(args, envOf({ DRACONCTL_OUTPUT_FILE: "out.yaml" })), true);
  assert.equal(writesFiles(args, envOf({ DRACONCTL_OUTPUT_FILE: "-" })), false);
  assert.equal(writesFiles(args, envOf({ DRACONCTL_OUTPUT_FILE: "" })), false);
});
