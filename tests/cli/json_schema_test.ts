/**
 * Every `-o json` output has a documented JSON Schema
 * (docs/schemas/<command>.schema.json), and real outputs of each command,
 * made in-process against the in-memory cluster, match it. The cluster
 * tests validate the same outputs from a real API server.
 */
import assert from "node:assert/strict";
import type { Option } from "@commander-js/extra-typings";
import { createProgram } from "../../src/cli/program.ts";
import { allCommands, commandPath } from "../../src/cli/_command.ts";
import { assertMatchesSchema, schemaErrors, schemaFileOf, schemaOf } from "../_schemas.ts";
import { DRACON_ROOT, fixture, runCli } from "./_cli.ts";
import { deployBoth, run, setUp } from "./_inventory_env.ts";

/** The commands with `-o json`, as `pipelines list`. */
function jsonCommands(): string[] {
  return allCommands(createProgram({} as never)).filter((command) =>
    (command.options as readonly Option[]).some((o) =>
      o.long === "--output" && (o.argChoices ?? []).includes("json")
    )
  ).map((command) => commandPath(command).replace(/^draconctl /, ""));
}

Deno.test("every command with -o json has a schema under docs/schemas/, and no schema is left over", async () => {
  const commands = jsonCommands();
  assert.ok(commands.includes("pipelines deploy") && commands.includes("components list"));
  const files: string[] = [];
  for await (const entry of Deno.readDir(new URL("../../docs/schemas/", import.meta.url))) {
    files.push(entry.name);
  }
  // The policy gate's report: several commands' refusal, and --policy-report json=<file>.
  const shared = ["policy report"];
  assert.deepEqual(files.sort(), [...commands, ...shared].map(schemaFileOf).sort());
  for (const command of [...commands, ...shared]) schemaOf(command); // each compiles under Ajv's strict mode
});

Deno.test("the schemas refuse what the commands never print", () => {
  const list = { pipelines: [{ name: "p", namespace: "n", tasks: [{ name: "t", from: "helm" }] }] };
  assert.deepEqual(schemaErrors("pipelines list", list), []);
  assert.notDeepEqual(schemaErrors("pipelines list", { pipelines: [{ name: "p" }] }), []);
  assert.notDeepEqual(
    schemaErrors("pipelines list", { ...list, extra: true }),
    [],
    "no undocumented field",
  );
  const task = { name: "t", from: "somewhere" };
  assert.notDeepEqual(
    schemaErrors("pipelines list", { pipelines: [{ ...list, tasks: [task] }] }),
    [],
  );
  assert.notDeepEqual(schemaErrors("pipelines deploy", { mode: "apply" }), []);
  assert.notDeepEqual(schemaErrors("pipelines deploy", []), [], "a client dry run prints objects");
});

Deno.test("deploy's -o json in each mode matches its schema", async () => {
  const env = await setUp();
  const golang = [fixture("pipelines/golang-project"), "--base-dir", DRACON_ROOT];
  const client = await runCli(["pipelines", "deploy", ...golang, "--dry-run", "-o", "json"]);
  assert.equal(client.code, 0, client.stderr);
  const objects = assertMatchesSchema("pipelines deploy", client.stdout) as unknown[];
  assert.equal(objects.length, 10);
  for (const mode of [[], ["--dry-run=server"], ["--only-validate"]]) {
    const r = await run(env, ["pipelines", "deploy", `${env.dir}/a`, ...mode, "-o", "json"]);
    assert.equal(r.code, 0, r.stderr);
    const result = assertMatchesSchema("pipelines deploy", r.stdout) as { changes: unknown[] };
    assert.equal(result.changes.length, 5, mode.join(" "));
  }
});

Deno.test("list, status, diff, delete, check, run and components list -o json match their schemas", async () => {
  const env = await setUp();
  const diffNew = await run(env, ["pipelines", "diff", `${env.dir}/b`, "-o", "json"]);
  assert.equal(diffNew.code, 0, diffNew.stderr);
  assertMatchesSchema("pipelines diff", diffNew.stdout);
  await deployBoth(env);
  const outputs: [string, string[]][] = [
    ["pipelines list", ["pipelines", "list"]],
    ["pipelines list", ["pipelines", "list", "-A"]],
    ["pipelines status", ["pipelines", "status", `${env.dir}/a`]],
    ["pipelines status", ["pipelines", "status", "dracon-b"]],
    ["pipelines diff", ["pipelines", "diff", `${env.dir}/b`]],
    ["components list", ["components", "list"]],
    ["components list", ["components", "list", "--usages"]],
    ["pipelines delete", ["pipelines", "delete", "dracon-a", "--prune-tasks", "--dry-run"]],
    ["pipelines delete", ["pipelines", "delete", "dracon-a", "--prune-tasks"]],
    ["pipelines status", ["pipelines", "status", "dracon-b"]],
    ["pipelines check", ["pipelines", "check", `${env.dir}/b`]],
    ["pipelines run", [
      "pipelines",
      "run",
      "dracon-b",
      "--dry-run",
      "-p",
      "git-clone-url=https://x/y.git",
      "-w",
      "output=emptyDir",
      "-w",
      "source-code-ws=pvc:1Gi",
    ]],
  ];
  for (const [command, args] of outputs) {
    const r = await run(env, [...args, "-o", "json"]);
    assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
    assertMatchesSchema(command, r.stdout);
  }
});
