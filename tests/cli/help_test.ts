/**
 * Help and version text go through `deps.stdout` like every other output
 * (commander's own writers are not used), and a command group run without a
 * command is a one-line usage error.
 */
import assert from "node:assert/strict";
import { versionLine } from "../../src/version.ts";
import { runProgram } from "../../src/cli/program.ts";
import { isVersionOnly } from "../../src/cli/version_only.ts";
import { runCli } from "./_cli.ts";

Deno.test("--help and --version print to stdout and exit 0", async (t) => {
  await t.step("--help lists the commands and the global options", async () => {
    const result = await runCli(["--help"]);
    assert.deepEqual([result.code, result.stderr], [0, ""]);
    assert.match(result.stdout, /^Usage: draconctl \[options\] \[command\]\n/);
    for (const part of ["pipelines", "components", "completion", "--kubeconfig <path>"]) {
      assert.ok(result.stdout.includes(part), `"${part}" in:\n${result.stdout}`);
    }
    const widest = Math.max(...result.stdout.split("\n").map((line) => line.length));
    assert.ok(widest <= 80, `help wraps at 80 columns, got a line of ${widest}`);
  });
  await t.step("a subcommand's --help, and the help command", async () => {
    const deploy = await runCli(["pipelines", "deploy", "--help"]);
    assert.equal(deploy.code, 0);
    assert.match(
      deploy.stdout,
      /^Usage: draconctl pipelines deploy \[options\] <kustomization\.\.\.>/,
    );
    assert.match(deploy.stdout, /--dry-run/);
    const viaHelp = await runCli(["help", "pipelines"]);
    assert.equal(viaHelp.code, 0);
    assert.match(viaHelp.stdout, /^Usage: draconctl pipelines \[options\] \[command\]/);
  });
  await t.step("--version and the version command print the same line", async () => {
    for (const args of [["--version"], ["-V"], ["version"]]) {
      const result = await runCli(args);
      assert.deepEqual([result.code, result.stdout, result.stderr], [0, `${versionLine()}\n`, ""]);
    }
  });
  await t.step("main.ts's shortcut prints what the command tree prints", async () => {
    for (const args of [["--version"], ["-V"], ["version"]]) {
      assert.ok(isVersionOnly(args), args.join(" "));
      let tree = "";
      const { stdout } = await runCli(args);
      await runProgram(
        args,
        {
          stdout: { write: (text) => Promise.resolve(void (tree += text)) },
        } as Parameters<typeof runProgram>[1],
      );
      assert.equal(stdout, tree);
    }
  });
  await t.step("any other line goes through the command tree", () => {
    for (
      const args of [[], ["-v", "--version"], ["--version", "x"], ["--Version"], ["versions"]]
    ) {
      assert.ok(!isVersionOnly(args), args.join(" "));
    }
  });
});

Deno.test("a command group without a command is a usage error naming its commands", async (t) => {
  for (
    const [args, message] of [
      [[], '"draconctl" needs a command: pipelines, components, completion, version'],
      [
        ["pipelines"],
        '"draconctl pipelines" needs a command: deploy, check, run, list, status, delete, diff, lock',
      ],
      [["components"], '"draconctl components" needs a command: package, list, upgrade-check'],
    ] as const
  ) {
    await t.step(args.join(" ") || "(no arguments)", async () => {
      const result = await runCli([...args]);
      assert.equal(result.code, 2);
      assert.equal(result.stdout, "");
      const [first, second, ...rest] = result.stderr.trimEnd().split("\n");
      assert.equal(first, `error: ${message}`);
      assert.match(second ?? "", /^hint: usage: draconctl/);
      assert.deepEqual(rest, []);
    });
  }
});
