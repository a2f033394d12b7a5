import assert from "node:assert/strict";
import { connectsToCluster, writesFiles } from "../../src/cli/write_scope.ts";

Deno.test("writesFiles() is true only for output files and writing commands", async (t) => {
  const cases: [string[], boolean][] = [
    [["pipelines", "deploy", "p", "--dry-run"], true], // may render Tasks through a temporary chart
    [["completion", "bash"], false],
    [["version"], false],
    [["--help"], false],
    [["pipelines", "deploy", "p", "--output-file", "out.yaml"], true],
    [["pipelines", "deploy", "p", "--output-file=out.yaml"], true],
    [["version", "--output-file", "-"], false],
    [["-n", "x", "components", "package", "dir"], true],
    [["components", "--help"], false],
    [["pipelines", "check", "k"], true], // renders as deploy does
    [["pipelines", "run", "k", "--wait"], true],
    [["components", "upgrade-check", "--chart", "c", "--release", "r"], true],
    [["completion", "--", "--output-file", "x"], false],
  ];
  for (const [args, expected] of cases) {
    await t.step(args.join(" "), () => assert.equal(writesFiles(args), expected));
  }
});

Deno.test("connectsToCluster() is true for every command that reads the cluster", async (t) => {
  const cases: [string[], boolean][] = [
    [["pipelines", "deploy", "p"], true],
    [["pipelines", "check", "p"], true],
    [["pipelines", "run", "p", "--wait"], true],
    [["-n", "x", "components", "upgrade-check", "--chart", "c", "--release", "r"], true],
    [["components", "list"], true],
    [["components", "package", "dir"], false],
    [["completion", "bash"], false],
    [["version"], false],
  ];
  for (const [args, expected] of cases) {
    await t.step(args.join(" "), () => assert.equal(connectsToCluster(args), expected));
  }
});
