import assert from "node:assert/strict";
import { KustomizationError, LoadError, ManifestSyntaxError } from "../../src/errors.ts";
import { parseKustomization, readKustomization } from "../../src/pipelines/kustomization.ts";
import { MemoryFileSystem } from "../_fakes/memory_fs.ts";

const FILE = "/p/kustomization.yaml";
const MINIMAL = "nameSuffix: -go\ncomponents:\n  - pkg:helm/dracon/base\n";
const DRACON = new URL("../../../shared/dracon/", import.meta.url);

async function rejects<E extends Error>(
  text: string,
  type: new (...args: never[]) => E,
  substring: string,
): Promise<E> {
  try {
    await parseKustomization(text, FILE);
  } catch (error) {
    assert.ok(error instanceof type, `expected ${type.name}, got ${error}`);
    assert.ok(
      error.message.includes(substring),
      `message ${JSON.stringify(error.message)} lacks ${JSON.stringify(substring)}`,
    );
    return error;
  }
  throw new Error("await parseKustomization() did not throw");
}

async function refuses(text: string, substring: string): Promise<void> {
  await rejects(text, KustomizationError, substring);
}

Deno.test("await parseKustomization() accepts Dracon's format", async (t) => {
  await t.step("the minimal form", async () => {
    assert.deepEqual(await parseKustomization(MINIMAL, FILE), {
      nameSuffix: "-go",
      components: ["pkg:helm/dracon/base"],
      resources: [],
    });
  });
  await t.step("every key", async () => {
    const text = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n" +
      "namespace: dracon\nresources: [../base/pipeline.yaml]\n" + MINIMAL;
    assert.deepEqual(await parseKustomization(text, FILE), {
      nameSuffix: "-go",
      components: ["pkg:helm/dracon/base"],
      resources: ["../base/pipeline.yaml"],
      namespace: "dracon",
    });
  });
  await t.step("components keep their order", async () => {
    const k = await parseKustomization("nameSuffix: -x\ncomponents: [c, a, b]\n", FILE);
    assert.deepEqual(k.components, ["c", "a", "b"]);
  });
  await t.step("null optional keys count as absent", async () => {
    const k = await parseKustomization(`${MINIMAL}resources:\nnamespace:\nkind:\n`, FILE);
    assert.deepEqual(k, { nameSuffix: "-go", components: ["pkg:helm/dracon/base"], resources: [] });
  });
  await t.step("a leading --- document marker", async () => {
    assert.equal((await parseKustomization(`---\n${MINIMAL}`, FILE)).nameSuffix, "-go");
  });
});

Deno.test("await parseKustomization() parses every corpus kustomization", async () => {
  const root = new URL("examples/pipelines/", DRACON);
  const names: string[] = [];
  for await (const entry of Deno.readDir(root)) {
    const file = new URL(`${entry.name}/kustomization.yaml`, root);
    const k = await parseKustomization(await Deno.readTextFile(file), file.pathname);
    assert.ok(k.components.length >= 5, entry.name);
    assert.deepEqual(k.resources, []);
    names.push(k.nameSuffix);
  }
  assert.equal(names.length, 19);
});

Deno.test("await parseKustomization() refuses the old docs format's Tasks in resources", async () => {
  const file = new URL("docs/examples/jira-project/kustomization.yaml", DRACON);
  const error = await rejects(await Deno.readTextFile(file), KustomizationError, "lists Tasks");
  assert.match(error.message, /"\.\.\/\.\.\/\.\.\/components\/base\/task\.yaml"/);
  assert.match(error.hint ?? "", /move each Task.*to components/);
});

Deno.test("await parseKustomization() refuses malformed files", async (t) => {
  await t.step("a YAML syntax error, with its line", async () => {
    const error = await rejects(
      "nameSuffix: -go\ncomponents: [a\nfoo: : bar\n",
      ManifestSyntaxError,
      FILE,
    );
    assert.ok(error.line >= 2, `line ${error.line}`);
    assert.match(error.message, /^\/p\/kustomization\.yaml:\d+:\d+: invalid YAML/);
  });
  await t.step("an unknown key, with file, key and line", async () => {
    const error = await rejects(
      `${MINIMAL}patches: []\n`,
      KustomizationError,
      'key "patches" (line 4)',
    );
    assert.ok(error.message.startsWith(`${FILE}: `));
    assert.match(error.message, /draconctl reads only/);
  });
  await t.step("a missing nameSuffix, with a hint", async () => {
    const error = await rejects(
      "components: [a]\n",
      KustomizationError,
      'key "nameSuffix" is required',
    );
    assert.match(error.hint ?? "", /nameSuffix: -my-project/);
  });
  await t.step("a nameSuffix of the wrong type", async () => {
    await refuses("nameSuffix: 3\ncomponents: [a]\n", 'key "nameSuffix" (line 1) must be a string');
  });
  await t.step(
    "an empty nameSuffix",
    () => refuses('nameSuffix: ""\ncomponents: [a]\n', "non-empty"),
  );
  await t.step("a nameSuffix with upper case", async () => {
    await refuses("nameSuffix: -Go\ncomponents: [a]\n", "lowercase");
  });
  await t.step("components not a list", async () => {
    await refuses("nameSuffix: -x\ncomponents: a\n", 'key "components" (line 2) must be a list');
  });
  await t.step("a component that is not a string, with its index and line", async () => {
    await refuses(
      "nameSuffix: -x\ncomponents:\n  - a\n  - {b: 1}\n",
      'key "components.1" (line 4)',
    );
  });
  await t.step("an empty component", () => refuses('nameSuffix: -x\ncomponents: [""]\n', "empty"));
  await t.step("an empty components list", async () => {
    await refuses("nameSuffix: -x\ncomponents: []\n", "at least one component");
  });
  await t.step("no components key", () => refuses("nameSuffix: -x\n", "at least one component"));
  await t.step("two resources", async () => {
    await refuses(
      `${MINIMAL}resources: [a.yaml, b.yaml]\n`,
      "lists 2 entries: at most one base Pipeline",
    );
  });
  await t.step("a namespace that is not a label", async () => {
    await refuses(
      `${MINIMAL}namespace: Dracon_NS\n`,
      'key "namespace" (line 4) must be a DNS-1123 label',
    );
  });
  await t.step(
    "an unknown apiVersion",
    () => refuses(`apiVersion: v1\n${MINIMAL}`, "must be one of"),
  );
  await t.step("an unknown kind", () => refuses(`kind: Pipeline\n${MINIMAL}`, 'key "kind"'));
  await t.step(
    "two documents",
    () => refuses(`${MINIMAL}---\n${MINIMAL}`, "holds 2 YAML documents"),
  );
  await t.step("no document", () => refuses("# nothing\n", "holds no YAML document"));
  await t.step("a list at the top", () => refuses("- a\n", "expected a mapping, got a list"));
});

Deno.test("readKustomization() reads a file or a directory", async (t) => {
  const fs = new MemoryFileSystem({
    "/repo/p/kustomization.yaml": MINIMAL,
    "/repo/q/Kustomization": MINIMAL,
    "/repo/two/kustomization.yaml": MINIMAL,
    "/repo/two/kustomization.yml": MINIMAL,
    "/repo/empty/readme.md": "",
  });
  await t.step("a directory", async () => {
    const loaded = await readKustomization("/repo/p", fs);
    assert.equal(loaded.file, "/repo/p/kustomization.yaml");
    assert.equal(loaded.dir, "/repo/p");
    assert.equal(loaded.kustomization.nameSuffix, "-go");
  });
  await t.step("a file", async () => {
    assert.equal((await readKustomization("/repo/p/kustomization.yaml", fs)).dir, "/repo/p");
  });
  await t.step("a directory holding Kustomization", async () => {
    assert.equal((await readKustomization("/repo/q/", fs)).file, "/repo/q/Kustomization");
  });
  await t.step("a missing path, with a hint", async () => {
    await assert.rejects(readKustomization("/repo/nope", fs), (e: unknown) => {
      assert.ok(e instanceof LoadError);
      assert.match(e.message, /Cannot load "\/repo\/nope": no such file or directory/);
      assert.match(e.hint ?? "", /directory holding kustomization\.yaml/);
      return true;
    });
  });
  await t.step("a directory without a kustomization", async () => {
    await assert.rejects(readKustomization("/repo/empty", fs), (e: unknown) => {
      assert.ok(e instanceof LoadError);
      assert.match(e.message, /directory has no kustomization\.yaml/);
      return true;
    });
  });
  await t.step("a directory with two kustomization files", async () => {
    await assert.rejects(readKustomization("/repo/two", fs), /found several kustomization files/);
  });
  await t.step("a read error", async () => {
    const failing = new MemoryFileSystem({ "/k.yaml": MINIMAL });
    failing.readError = new Deno.errors.PermissionDenied("denied");
    await assert.rejects(readKustomization("/k.yaml", failing), /cannot read the file: denied/);
  });
  await t.step("a corpus directory on disk", async () => {
    const { DenoFileSystem } = await import("../../src/io/filesystem.ts");
    const dir = new URL("examples/pipelines/rails-project", DRACON).pathname;
    const loaded = await readKustomization(dir, new DenoFileSystem());
    assert.equal(loaded.kustomization.nameSuffix, "-rails-project");
    assert.ok(loaded.file.endsWith("/rails-project/kustomization.yaml"));
  });
});
