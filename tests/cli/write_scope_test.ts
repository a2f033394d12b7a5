import assert from "node:assert/strict";
import { writesFiles } from "../../src/cli/write_scope.ts";

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
    [["completion", "--", "--output-file", "x"], false],
  ];
  for (const [args, expected] of cases) {
    await t.step(args.join(" "), () => assert.equal(writesFiles(args), expected));
  }
});
