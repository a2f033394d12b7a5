/**
 * The Go tool's `components package` spellings: Dracon's release workflow
 * line packages a chart with the app version it names, never prints
 * draconctl's version and exits 0 with nothing written.
 */
import assert from "node:assert/strict";
import { goToolSpellings } from "../../src/cli/go_spellings.ts";
import { runCli } from "./_cli.ts";
import { assertMatchesSchema } from "../_schemas.ts";

Deno.test("components package: --version, -v <version> and -n are the Go tool's", () => {
  const cases: [string[], string[]][] = [
    [
      [
        "components",
        "package",
        "--version",
        "1.2.3",
        "--chart-version",
        "0.4.0",
        "--name",
        "c",
        ".",
      ],
      [
        "components",
        "package",
        "--app-version",
        "1.2.3",
        "--chart-version",
        "0.4.0",
        "--name",
        "c",
        ".",
      ],
    ],
    [["components", "package", "--version=v2", "."], [
      "components",
      "package",
      "--app-version=v2",
      ".",
    ]],
    [["components", "package", "-v", "v0.9", "-n", "c", "."], [
      "components",
      "package",
      "--app-version",
      "v0.9",
      "--name",
      "c",
      ".",
    ]],
    // -v before a non-version stays --verbose; global flags before the command stay global.
    [["components", "package", "-v", "./dir"], ["components", "package", "-v", "./dir"]],
    [["-n", "dracon", "components", "package", "."], [
      "-n",
      "dracon",
      "components",
      "package",
      ".",
    ]],
    // Other commands keep every meaning.
    [["pipelines", "deploy", "k", "-n", "dracon", "-v"], [
      "pipelines",
      "deploy",
      "k",
      "-n",
      "dracon",
      "-v",
    ]],
    [["--version"], ["--version"]],
    [["components", "package", "--", "--version", "1"], [
      "components",
      "package",
      "--",
      "--version",
      "1",
    ]],
  ];
  for (const [args, expected] of cases) {
    assert.deepEqual(goToolSpellings(args), expected, args.join(" "));
  }
});

Deno.test("the release workflow's line packages the chart with its app version", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/components/base`, { recursive: true });
  await Deno.copyFile(
    new URL("../../../shared/dracon/components/base/task.yaml", import.meta.url),
    `${dir}/components/base/task.yaml`,
  );
  const result = await runCli([
    "components",
    "package",
    "--version",
    "v1.4.0",
    "--chart-version",
    "1.4.0",
    "-n",
    "dracon-oss-components",
    "--output-dir",
    `${dir}/out`,
    "-o",
    "json",
    `${dir}/components`,
  ]);
  assert.doesNotMatch(result.stdout, /^draconctl \d/, "not draconctl's version");
  assert.equal(result.code, 0, result.stderr);
  const packaged = assertMatchesSchema("components package", result.stdout);
  assert.match(packaged.archive, /dracon-oss-components-1\.4\.0\.tgz$/);
  assert.deepEqual(packaged.chart, {
    name: "dracon-oss-components",
    version: "1.4.0",
    appVersion: "v1.4.0",
  });
});
