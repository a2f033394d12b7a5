/**
 * Golden files: `pipelines deploy <fixture> --dry-run` of corpus-derived
 * pipelines must print exactly `fixtures/pipelines/<case>/expected.yaml`
 * (the Tasks in kustomization order, then the Pipeline). Regenerate with
 * `deno task test:update` and review the diff like code.
 */
import assert from "node:assert/strict";
import { parseYamlDocuments } from "../../src/tekton/manifest.ts";
import { DRACON_ROOT, fixture, runCli } from "./_cli.ts";

const CASES = ["golang-project", "python-project", "rails-project", "dast-project", "no-enrichers"];

Deno.test("pipelines deploy --dry-run prints the golden YAML of corpus pipelines", async (t) => {
  for (const name of CASES) {
    await t.step(name, async () => {
      const result = await runCli([
        "pipelines",
        "deploy",
        fixture(`pipelines/${name}`),
        "--dry-run",
        "--base-dir",
        DRACON_ROOT,
      ]);
      assert.equal(result.code, 0, result.stderr);
      const expectedFile = fixture(`pipelines/${name}/expected.yaml`);
      if (Deno.env.get("UPDATE_GOLDEN") === "1") {
        await Deno.writeTextFile(expectedFile, result.stdout);
      }
      assert.equal(result.stdout, await Deno.readTextFile(expectedFile));
      const kinds = parseYamlDocuments(result.stdout, name).map((d) =>
        (d.value as { kind: string }).kind
      );
      assert.equal(kinds.at(-1), "Pipeline", "the Pipeline comes last, after its Tasks");
    });
  }
});

Deno.test("pipelines deploy --dry-run warns about Helm expressions and unresolved helm:// references", async () => {
  const result = await runCli([
    "pipelines",
    "deploy",
    fixture("pipelines/golang-project"),
    "--dry-run",
    "--base-dir",
    DRACON_ROOT,
  ]);
  assert.ok(
    result.warnings.some((w) => w.includes("Helm template expressions")),
    result.warnings.join("\n"),
  );
});

Deno.test("pipelines deploy --dry-run --output-file writes the YAML to the file", async () => {
  const dir = await Deno.makeTempDir();
  const out = `${dir}/out.yaml`;
  const result = await runCli([
    "pipelines",
    "deploy",
    fixture("pipelines/no-enrichers"),
    "--dry-run",
    "--base-dir",
    DRACON_ROOT,
    "--output-file",
    out,
  ]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "");
  assert.equal(
    await Deno.readTextFile(out),
    await Deno.readTextFile(fixture("pipelines/no-enrichers/expected.yaml")),
  );
});
