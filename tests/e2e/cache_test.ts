/**
 * The cache across runs as the product ships (docs/cache.md): a warm no-op
 * dry run of `golang-project` does not load the `yaml` package at all (no
 * render, no lenient parse of consumers/mongodb), and prints what the cold
 * run printed. The `yaml` import is mapped to a module that says on stderr
 * that it was loaded and then is `yaml` (`--import-map`, over deno.json's
 * imports), so the cold run shows the marker: the check can fail. And the
 * code digest's import walk misses no module of deno's own graph.
 *
 * @module
 */
import assert from "node:assert/strict";
import { PERMISSION_FLAGS } from "../../scripts/permissions.ts";
import { BINARY } from "./_product.ts";
import { importsOf } from "../../src/io/disk_cache.ts";
import { CACHED_MODULES } from "../../src/pipelines/task_load.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const MARKER = "marker: the yaml package was loaded";

async function withMarkedYaml(dir: string): Promise<string> {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`));
  const imports: Record<string, string> = { ...config.imports };
  await Deno.writeTextFile(
    `${dir}/yaml.js`,
    `console.error(${JSON.stringify(MARKER)});\nexport * from ${JSON.stringify(imports.yaml)};\n`,
  );
  imports.yaml = new URL(`file://${dir}/yaml.js`).href;
  await Deno.writeTextFile(`${dir}/import_map.json`, JSON.stringify({ imports }));
  return `${dir}/import_map.json`;
}

Deno.test({
  name: "a warm no-op dry run loads no yaml and prints what the cold run printed",
  // A compiled binary holds its module graph: its yaml cannot be swapped.
  ignore: BINARY !== undefined,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "draconctl-e2e-cache-" });
    const importMap = await withMarkedYaml(dir);
    const run = async (env: Record<string, string>, format: string) => {
      const output = await new Deno.Command("deno", {
        args: [
          "run",
          "--quiet",
          `--import-map=${importMap}`,
          ...PERMISSION_FLAGS,
          "main.ts",
          "pipelines",
          "deploy",
          "fixtures/pipelines/golang-project",
          "--base-dir",
          "../shared/dracon",
          "--dry-run",
          "-o",
          format,
        ],
        cwd: ROOT,
        env,
        stdin: "null",
      }).output();
      const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
      assert.equal(output.code, 0, text(output.stderr));
      return { stdout: text(output.stdout), stderr: text(output.stderr) };
    };
    const cache = { DRACONCTL_CACHE_DIR: `${dir}/cache` };
    const cold = await run(cache, "json");
    assert.ok(cold.stderr.includes(MARKER), `the cold run renders with yaml:\n${cold.stderr}`);
    const warm = await run(cache, "json");
    assert.ok(!warm.stderr.includes(MARKER), `the warm run loaded yaml:\n${warm.stderr}`);
    assert.equal(warm.stdout, cold.stdout);
    const off = await run({ ...cache, DRACONCTL_NO_CACHE: "1" }, "json");
    assert.ok(off.stderr.includes(MARKER), "DRACONCTL_NO_CACHE=1: rendered again");
    assert.equal(off.stdout, cold.stdout);
    // YAML output needs the writer, and is the same as without a cache.
    const yaml = await run(cache, "yaml");
    assert.equal(yaml.stdout, (await run({ DRACONCTL_NO_CACHE: "1" }, "yaml")).stdout);
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test("the code digest's import walk reaches every module deno's graph of the cached modules holds", async () => {
  const walked = new Set<string>();
  const walk = async (url: string): Promise<void> => {
    if (walked.has(url) || !url.startsWith("file:")) return;
    walked.add(url);
    for (const s of importsOf(await Deno.readTextFile(new URL(url)))) {
      if (s.startsWith(".")) await walk(new URL(s, url).href);
    }
  };
  for (const module of CACHED_MODULES) await walk(module);
  const graph = new Set<string>();
  for (const module of CACHED_MODULES) {
    const output = await new Deno.Command("deno", {
      args: ["info", "--json", new URL(module).pathname],
      cwd: ROOT,
      stdin: "null",
    }).output();
    assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
    const info = JSON.parse(new TextDecoder().decode(output.stdout)) as {
      modules: { specifier: string; dependencies?: { code?: { specifier?: string } }[] }[];
    };
    const bySpecifier = new Map(info.modules.map((m) => [m.specifier, m]));
    const visit = (specifier: string) => {
      if (graph.has(specifier) || !specifier.startsWith("file:")) return;
      graph.add(specifier);
      for (const dependency of bySpecifier.get(specifier)?.dependencies ?? []) {
        if (dependency.code?.specifier) visit(dependency.code.specifier); // not type-only
      }
    };
    visit(module);
  }
  assert.ok(graph.size > 20, `${graph.size} modules in deno's graph`);
  const missed = [...graph].filter((m) => !walked.has(m));
  assert.deepEqual(missed, [], "modules the digest would not cover");
});
