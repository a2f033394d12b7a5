/**
 * The cache across runs as the product ships (docs/cache.md): a warm no-op
 * dry run of `golang-project` does not load the `yaml` package at all (no
 * render, no lenient parse of consumers/mongodb), and prints what the cold
 * run printed. The `yaml` import is mapped to a module that says on stderr
 * that it was loaded and then is `yaml` (`--import-map`, over deno.json's
 * imports), so the cold run shows the marker: the check can fail.
 *
 * @module
 */
import assert from "node:assert/strict";
import { PERMISSION_FLAGS } from "../../scripts/permissions.ts";
import { BINARY } from "./_product.ts";

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
