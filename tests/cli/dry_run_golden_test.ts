/**
 * Golden files: `pipelines deploy <fixture> --dry-run` of corpus-derived
 * pipelines must print exactly `fixtures/pipelines/<case>/expected.yaml`
 * (the Tasks in kustomization order, then the Pipeline). Regenerate with
 * `deno task test:update` and review the diff like code.
 */
import { memoryCluster } from "../_fakes/memory_cluster.ts";
import assert from "node:assert/strict";
import { MemoryApplier } from "../../src/tekton/memory_applier.ts";
import { parseYamlDocuments } from "../../src/yaml/yaml.ts";
import { toTask } from "../../src/tekton/task.ts";
import { processTask } from "../../src/dracon/component_task.ts";
import { relative } from "node:path";
import { DRACON_ROOT, fixture, runCli } from "./_cli.ts";

/**
 * The kustomization as a user types it, relative to the working directory:
 * the Pipeline records the argument as written (inventory), so the goldens
 * hold no machine's absolute path.
 */
function asTyped(path: string): string {
  return relative(Deno.cwd(), path);
}

const CASES = ["golang-project", "python-project", "rails-project", "dast-project", "no-enrichers"];

Deno.test("pipelines deploy --dry-run prints the golden YAML of corpus pipelines", async (t) => {
  for (const name of CASES) {
    await t.step(name, async () => {
      const result = await runCli([
        "pipelines",
        "deploy",
        asTyped(fixture(`pipelines/${name}`)),
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
      const kinds = (await parseYamlDocuments(result.stdout, name)).map((d) =>
        (d.value as { kind: string }).kind
      );
      assert.equal(kinds.at(-1), "Pipeline", "the Pipeline comes last, after its Tasks");
    });
  }
});

Deno.test("pipelines deploy examples --dry-run (the README's main job) prints its golden YAML, no --base-dir", async () => {
  const examples = new URL("../../examples", import.meta.url).pathname;
  const result = await runCli(["pipelines", "deploy", asTyped(examples), "--dry-run"]);
  assert.equal(result.code, 0, result.stderr);
  const expectedFile = fixture("examples/dry-run.yaml");
  if (Deno.env.get("UPDATE_GOLDEN") === "1") await Deno.writeTextFile(expectedFile, result.stdout);
  assert.equal(result.stdout, await Deno.readTextFile(expectedFile));
  const objects = (await parseYamlDocuments(result.stdout, "examples")).map((d) =>
    d.value as { kind: string; metadata: { name: string } }
  );
  assert.deepEqual(objects.map((o) => `${o.kind}/${o.metadata.name}`), [
    "Task/base",
    "Task/git-clone",
    "Task/producer-todo-comments",
    "Task/producer-private-keys",
    "Task/enricher-aggregator",
    "Task/consumer-stdout",
    "Pipeline/dracon-example",
  ]);
});

Deno.test("pipelines deploy --dry-run prints no Helm expression: it renders them as apply does", async () => {
  const result = await runCli([
    "pipelines",
    "deploy",
    fixture("pipelines/golang-project"),
    "--dry-run",
    "--base-dir",
    DRACON_ROOT,
  ]);
  assert.equal(result.code, 0, result.stderr);
  assert.ok(!result.stdout.includes("{{"), "no Helm expression is printed");
  assert.ok(!result.warnings.some((w) => w.includes("Helm template expressions")));
});

Deno.test("pipelines deploy --dry-run --output-file writes the YAML to the file", async () => {
  const dir = await Deno.makeTempDir();
  const out = `${dir}/out.yaml`;
  const result = await runCli([
    "pipelines",
    "deploy",
    asTyped(fixture("pipelines/no-enrichers")),
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

Deno.test("pipelines deploy --dry-run reads helm:// Tasks from the cluster, read-only", async (t) => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(
    `${dir}/kustomization.yaml`,
    "nameSuffix: -mixed\ncomponents:\n  - helm://ci/base\n  - ./wget.yaml\n",
  );
  await Deno.copyFile(
    new URL("../../../shared/dracon/components/sources/wget/task.yaml", import.meta.url),
    `${dir}/wget.yaml`,
  );
  const memory = new MemoryApplier({ namespace: "dracon" });
  memory.addHelmTask(
    "ci",
    processTask(toTask(
      (await parseYamlDocuments(
        await Deno.readTextFile(
          new URL("../../../shared/dracon/components/base/task.yaml", import.meta.url),
        ),
        "base.yaml",
      ))[0]!.value,
      "base.yaml",
    )),
  );
  const cluster = memoryCluster(memory);

  await t.step(
    "the Pipeline is assembled; the Helm Task is not printed, nothing is applied",
    async () => {
      const result = await runCli(["-n", "dracon", "pipelines", "deploy", dir, "--dry-run"], {
        cluster,
      });
      assert.equal(result.code, 0, result.stderr);
      const docs = (await parseYamlDocuments(result.stdout, "out")).map((d) =>
        d.value as { kind: string; metadata: { name: string } }
      );
      assert.deepEqual(docs.map((d) => `${d.kind}/${d.metadata.name}`), [
        "Task/wget",
        "Pipeline/dracon-mixed",
      ]);
      assert.match(result.stdout, /taskRef:\n\s+name: base/);
      assert.equal(memory.calls.length, 0, "a dry run applies nothing");
      assert.equal(memory.listCalls, 1);
    },
  );

  await t.step("a reference the cluster does not hold is an error, as in a deploy", async () => {
    await Deno.writeTextFile(
      `${dir}/kustomization.yaml`,
      "nameSuffix: -x\ncomponents:\n  - helm://ci/semgrep\n",
    );
    const result = await runCli(["-n", "dracon", "pipelines", "deploy", dir, "--dry-run"], {
      cluster,
    });
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stderr, /release "ci" has no Task "semgrep"/);
  });

  await t.step(
    "without a readable cluster, a warning names the references and no Pipeline is printed",
    async () => {
      await Deno.writeTextFile(
        `${dir}/kustomization.yaml`,
        "nameSuffix: -x\ncomponents:\n  - helm://ci/base\n",
      );
      const result = await runCli(["pipelines", "deploy", dir, "--dry-run"]); // the default: no cluster
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, "");
      assert.ok(
        result.warnings.some((w) =>
          w.includes('"helm://ci/base"') && w.includes("could not be read")
        ),
        result.warnings.join("\n"),
      );
    },
  );
});
