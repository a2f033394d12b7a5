/**
 * The bundled distribution (scripts/bundle.ts, docs/distribution.md), built
 * into a temporary directory and run as it ships (`deno run --no-config
 * <flags> draconctl.js`), against main.ts run as it ships: the same exit
 * code, stdout and stderr, byte for byte, on every fixture pipeline and
 * every corpus example pipeline, the help and version texts and bad input;
 * and its two Worker bundles keep their narrowed permissions.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  buildArgs,
  BUNDLE_FILE,
  bundleRunArgs,
  CHUNKS_FILE,
  deferBuiltins,
  FLAGS_FILE,
} from "../../scripts/bundle.ts";
import { PERMISSION_FLAGS } from "../../scripts/permissions.ts";
import { WORKER_MODULES } from "../../src/base/worker_modules.ts";
import { DEFAULT_FETCH_OPTIONS } from "../../src/fetch/fetcher.ts";
import { IsolatedFetcher } from "../../src/fetch/isolated_fetcher.ts";
import { OutsideScopeError } from "../../src/io/files.ts";
import { IsolatedReader } from "../../src/io/isolated_reader.ts";
import { writeLocalCorpusPipelines } from "../../bench/corpus_pipelines.ts";
import { DRACON_ROOT, fixture } from "../cli/_cli.ts";
import { BINARY, BUNDLE, type ProductResult, TASK } from "./_product.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const TLS = `${ROOT}fixtures/tls/`;
// The bundle is compared with main.ts in the `deno run` pass.
const IGNORE = BINARY !== undefined || BUNDLE !== undefined;

let built: Promise<string> | undefined;

/** The bundle, built once into a temporary directory by `scripts/bundle.ts --out-dir`. */
function bundleDir(): Promise<string> {
  return built ??= (async () => {
    const dir = `${await Deno.makeTempDir({ prefix: "bundle-" })}/dist`;
    await buildInto(dir);
    return dir;
  })();
}

/** Runs `scripts/bundle.ts --out-dir dir`. */
async function buildInto(dir: string): Promise<void> {
  const output = await new Deno.Command("deno", { args: buildArgs(dir), stdin: "null" }).output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
}

async function run(argv: string[], env: Record<string, string>): Promise<ProductResult> {
  const output = await new Deno.Command("deno", { args: argv, cwd: ROOT, env, stdin: "null" })
    .output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

/** Runs `draconctl <args>` from sources and from the bundle; asserts both print the same. */
async function same(args: string[], env: Record<string, string> = {}): Promise<ProductResult> {
  const [sources, bundled] = await Promise.all([
    run(["run", "--quiet", ...PERMISSION_FLAGS, "main.ts", ...args], env),
    run(bundleRunArgs(await bundleDir(), args), env),
  ]);
  assert.deepEqual(bundled, sources, `draconctl ${args.join(" ")}`);
  return bundled;
}

/** The specifiers a bundle imports, statically or dynamically. */
function importsOf(code: string): string[] {
  const found = code.matchAll(/(?:^import\b[^"';]*?|\bimport\s*\()\s*["']([^"']+)["']/gm);
  return [...new Set([...found].map((m) => m[1]!))].sort();
}

Deno.test({
  name:
    "the bundle step writes the entry, its chunks, the two Worker bundles and the shipped flags",
  ignore: IGNORE,
  fn: async () => {
    const dir = await bundleDir();
    assert.equal(
      await Deno.readTextFile(`${dir}/${FLAGS_FILE}`),
      `${PERMISSION_FLAGS.join(" ")}\n`,
    );
    const { current, previous } = JSON.parse(await Deno.readTextFile(`${dir}/${CHUNKS_FILE}`));
    assert.deepEqual(previous, []);
    assert.ok(current.length > 10, `${current.length} chunks`);
    const workers = Object.values(WORKER_MODULES).map((m) => m.bundle);
    const code = [BUNDLE_FILE, ...workers, ...current];
    assert.deepEqual(
      [...Deno.readDirSync(dir)].map((e) => e.name).sort(),
      [...code, CHUNKS_FILE, FLAGS_FILE].sort(),
      "nothing else is left behind (the build directory is removed)",
    );
    for (const file of code) {
      const imports = importsOf(await Deno.readTextFile(`${dir}/${file}`));
      const own = workers.includes(file) ? [] : current.map((chunk: string) => `./${chunk}`);
      // node: built-ins and chunks of the same build; nothing imports the entry or a Worker.
      assert.deepEqual(imports.filter((s) => !s.startsWith("node:") && !own.includes(s)), [], file);
    }
    assert.equal(importsOf(`import { a } from "./x.js";\nawait import("y");`).length, 2);
  },
});

/** The specifiers a bundle file imports statically (what loads before it runs). */
function staticImportsOf(code: string): string[] {
  return [...code.matchAll(/^import\b[^"';]*?["']([^"']+)["']/gm)].map((m) => m[1]!);
}

Deno.test({
  name: "what --version loads from the bundle holds no node: built-in and no npm package",
  ignore: IGNORE,
  fn: async () => {
    const dir = await bundleDir();
    const loaded = new Map<string, string>(); // file → its code
    const visit = async (file: string): Promise<void> => {
      if (loaded.has(file)) return;
      const code = await Deno.readTextFile(`${dir}/${file}`);
      loaded.set(file, code);
      for (const s of staticImportsOf(code)) if (s.startsWith("./")) await visit(s.slice(2));
    };
    await visit(BUNDLE_FILE);
    assert.ok(loaded.size > 3, `${[...loaded.keys()]}`);
    const npm = [...loaded].filter(([, code]) => /^\/\/ .*\/npm\//m.test(code)).map(([f]) => f);
    assert.deepEqual(npm, [], "chunks holding npm modules");
    const builtins = [...loaded.values()].flatMap(staticImportsOf).filter((s) => s.includes(":"));
    assert.deepEqual(builtins, []);
    // The walk finds what it looks for: the command tree's chunk imports commander's, and node: ones.
    const program = [...Deno.readDirSync(dir)].find((e) => e.name.startsWith("program-"))!.name;
    assert.ok(!loaded.has(program));
    loaded.clear();
    await visit(program);
    assert.ok([...loaded.values()].some((code) => /^\/\/ .*\/npm\/.*commander/m.test(code)));
    assert.ok([...loaded.values()].flatMap(staticImportsOf).some((s) => s.startsWith("node:")));
  },
});

/** The modules that start Deno's Node layer (~12 ms of a run, bench/RESULTS.md). */
const NODE_LAYER = ["node:fs", "node:child_process", "node:process", "node:crypto", "node:module"];

Deno.test({
  name: "no file of the bundle imports a module that starts Deno's Node layer",
  ignore: IGNORE,
  fn: async () => {
    const dir = await bundleDir();
    const { current } = JSON.parse(await Deno.readTextFile(`${dir}/${CHUNKS_FILE}`));
    const workers = Object.values(WORKER_MODULES).map((m) => m.bundle);
    const found: string[] = [];
    for (const file of [BUNDLE_FILE, ...workers, ...current]) {
      const code = await Deno.readTextFile(`${dir}/${file}`);
      for (const s of importsOf(code)) if (NODE_LAYER.includes(s)) found.push(`${file}: ${s}`);
    }
    assert.deepEqual(found, []);
    // commander's imports of node:fs, node:child_process and node:process became deferred proxies.
    const deferred = await Promise.all(
      current.map((file: string) => Deno.readTextFile(`${dir}/${file}`)),
    );
    assert.ok(deferred.some((code) => /getBuiltinModule\("node:fs"\)/.test(code)));
  },
});

Deno.test("deferBuiltins: the proxies reach the real modules on first use, bound to them", async () => {
  const code = deferBuiltins(
    'import fs from "node:fs";\nimport process2 from "node:process";\n' +
      'import childProcess from "node:child_process";\nimport { posix } from "node:path";\n' +
      "export const exists = fs.existsSync(import.meta.filename);\n" +
      "export const platform = process2.platform;\n" +
      "export const cwd = process2.cwd();\n" +
      "export const spawn = typeof childProcess.spawn;\n" +
      'export const joined = posix.join("a", "b");\n',
  );
  assert.doesNotMatch(code, /from "node:(fs|process|child_process)"/);
  assert.match(code, /from "node:path"/, "other built-ins are left alone");
  const file = await Deno.makeTempFile({ suffix: ".js" });
  await Deno.writeTextFile(file, code);
  const module = await import(`file://${file}`);
  assert.deepEqual({ ...module }, {
    exists: true,
    platform: Deno.build.os,
    cwd: Deno.cwd(),
    spawn: "function",
    joined: "a/b",
  });
  const untouched = 'import * as fs from "node:fs";\n';
  assert.equal(deferBuiltins(untouched), untouched);
});

/**
 * Which build of each npm package the bundle holds, from the `// <path>` comment deno bundle writes
 * above each module: `<package>: <first path part inside it>`.
 */
async function bundledBuilds(dir: string): Promise<string[]> {
  const builds = new Set<string>();
  for (const entry of Deno.readDirSync(dir)) {
    if (!entry.name.endsWith(".js")) continue;
    const code = await Deno.readTextFile(`${dir}/${entry.name}`);
    for (
      const [, name, part] of code.matchAll(
        /^\/\/ .*\/npm\/[^/]+\/((?:@[^/]+\/)?[^/]+)\/[^/]+\/([^/\n]+)/gm,
      )
    ) {
      builds.add(`${name}: ${part}`);
    }
  }
  return [...builds].sort();
}

Deno.test({
  name: "the bundle holds the builds of its npm packages that were reviewed (docs/distribution.md)",
  ignore: IGNORE,
  fn: async () => {
    // As from sources (Deno's `import`/`default` conditions), but for yaml: its ES module build
    // (`browser/`, the `default` condition) instead of its CommonJS one (`dist/`, `node`).
    assert.deepEqual(await bundledBuilds(await bundleDir()), [
      // ES modules only, the package root (src/base/sha256.ts).
      "@noble/hashes: _md.js",
      "@noble/hashes: sha2.js",
      "@noble/hashes: utils.js",
      "commander: index.js",
      "commander: lib",
      "diff: libesm",
      "js-yaml: dist",
      "yaml: browser",
    ]);
  },
});

Deno.test({
  name: "a rebuild keeps the chunks of the build before and removes older ones, nothing else",
  ignore: IGNORE,
  fn: async () => {
    const dir = `${await Deno.makeTempDir({ prefix: "rebuild-" })}/dist`;
    await Deno.mkdir(dir);
    for (const file of ["old-AAAA.js", "older-BBBB.js", "example-components-0.1.0.tgz"]) {
      await Deno.writeTextFile(`${dir}/${file}`, "");
    }
    await Deno.writeTextFile(
      `${dir}/${CHUNKS_FILE}`,
      JSON.stringify({ current: ["old-AAAA.js"], previous: ["older-BBBB.js", "../x.js"] }),
    );
    const names = () => new Set([...Deno.readDirSync(dir)].map((e) => e.name));
    await buildInto(dir);
    assert.ok(names().has("old-AAAA.js") && !names().has("older-BBBB.js"), [...names()].join());
    const { previous } = JSON.parse(await Deno.readTextFile(`${dir}/${CHUNKS_FILE}`));
    assert.deepEqual(previous, ["old-AAAA.js"]);
    await buildInto(dir);
    assert.ok(!names().has("old-AAAA.js"));
    assert.ok(names().has("example-components-0.1.0.tgz"), "a file of someone else's is kept");
  },
});

Deno.test({
  name: "dry runs of every fixture and corpus example pipeline print the same from the bundle",
  ignore: IGNORE,
  fn: async (t) => {
    const fixtures = [...Deno.readDirSync(fixture("pipelines"))].filter((e) => e.isDirectory)
      .map((e) => `fixtures/pipelines/${e.name}`).sort();
    const corpus = await writeLocalCorpusPipelines(await Deno.makeTempDir({ prefix: "corpus-" }));
    assert.ok(fixtures.length >= 5 && corpus.length === 19, `${fixtures.length}, ${corpus.length}`);
    for (const kustomization of [...fixtures, ...corpus]) {
      await t.step(kustomization.replace(/.*\//, ""), async () => {
        const result = await same([
          "pipelines",
          "deploy",
          kustomization,
          "--base-dir",
          DRACON_ROOT,
          "--dry-run",
        ]);
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stdout, /^kind: Pipeline$/m);
      });
    }
  },
});

Deno.test({
  name: "help, version, a usage error and bad input: the same exit code, stdout and stderr",
  ignore: IGNORE,
  fn: async (t) => {
    const cases: { args: string[]; code: number }[] = [
      { args: ["--help"], code: 0 },
      { args: ["--version"], code: 0 },
      { args: ["pipelines", "deploy", "--help"], code: 0 },
      { args: ["pipelines", "deploy", "--no-such-flag"], code: 2 },
      { args: ["pipelines", "deploy", "fixtures/bad/bad-kind", "--dry-run"], code: 3 },
      // The read scope: a component leading out of the kustomization's root.
      { args: ["pipelines", "deploy", "fixtures/bad/symlink-escape", "--dry-run"], code: 3 },
    ];
    for (const c of cases) {
      await t.step(c.args.join(" "), async () => {
        const result = await same(c.args);
        assert.equal(result.code, c.code, result.stderr);
        assert.ok(result.stdout !== "" || result.stderr.startsWith("error: "), result.stderr);
      });
    }
  },
});

Deno.test({
  name: "the bundled read Worker reads only its scope",
  ignore: IGNORE,
  fn: async () => {
    const workerUrl = new URL(`file://${await bundleDir()}/${WORKER_MODULES.read.bundle}`);
    const bad = fixture("bad");
    const reader = new IsolatedReader({ paths: [`${bad}/symlink-escape`] }, { workerUrl });
    try {
      assert.match(await reader.readTextFile(`${bad}/symlink-escape/kustomization.yaml`), /Suffix/);
      const outside = await reader.readTextFile(`${bad}/long-name/task.yaml`).catch((e) => e);
      assert.ok(outside instanceof OutsideScopeError, String(outside));
      // Deno's own permission check refuses the link out: the Worker resolves it first.
      const link = await reader.readTextFile(`${bad}/symlink-escape/task.yaml`).catch((e) => e);
      assert.ok(link instanceof OutsideScopeError, String(link));
      assert.equal(link.leadsTo, `${bad}/long-name/task.yaml`);
    } finally {
      reader.close();
    }
  },
});

Deno.test({
  name: "a URL component through the bundled fetch Worker, alone and in a dry run",
  ignore: IGNORE,
  fn: async (t) => {
    const cert = await Deno.readTextFile(`${TLS}server.pem`);
    const key = await Deno.readTextFile(`${TLS}server-key.pem`);
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, cert, key, onListen() {} },
      (req) =>
        new URL(req.url).pathname === "/ok/task.yaml"
          ? new Response(TASK)
          : new Response("no", { status: 404 }),
    );
    const plain = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      () => new Response(TASK),
    );
    try {
      await t.step("the Worker fetches its host", async () => {
        const workerUrl = new URL(`file://${await bundleDir()}/${WORKER_MODULES.fetch.bundle}`);
        const url = new URL(`http://127.0.0.1:${plain.addr.port}/task.yaml`);
        const text = await new IsolatedFetcher({ workerUrl }).fetchText(url, {
          ...DEFAULT_FETCH_OPTIONS,
          allowInsecureHttp: true,
        });
        assert.equal(text, TASK);
      });
      const dir = await Deno.makeTempDir();
      const base = `https://127.0.0.1:${server.addr.port}`;
      for (const [name, ref, code] of [["a Task", "ok", 0], ["a 404", "missing", 4]] as const) {
        await t.step(`draconctl: ${name}`, async () => {
          await Deno.writeTextFile(
            `${dir}/kustomization.yaml`,
            `nameSuffix: -x\ncomponents:\n  - "${base}/${ref}/"\n`,
          );
          const result = await same(["pipelines", "deploy", dir, "--dry-run"], {
            DENO_CERT: `${TLS}ca.pem`,
          });
          assert.equal(result.code, code, result.stderr);
          if (code === 0) assert.match(result.stdout, /^kind: Task\n(?:.*\n)*? {2}name: base$/m);
        });
      }
    } finally {
      await server.shutdown();
      await plain.shutdown();
    }
  },
});

Deno.test({
  name: "the bundle's render cache: a warm run renders nothing, and a changed chunk is a miss",
  ignore: IGNORE,
  fn: async () => {
    // A copy of the bundle, so that changing one of its chunks leaves the shared build alone.
    const dir = `${await Deno.makeTempDir({ prefix: "bundle-cache-" })}/dist`;
    await buildInto(dir);
    const cache = await Deno.makeTempDir({ prefix: "bundle-cache-dir-" });
    const args = [
      "pipelines",
      "deploy",
      fixture("pipelines/golang-project"),
      "--base-dir",
      DRACON_ROOT,
    ];
    const dryRun = async () => {
      const result = await run([...bundleRunArgs(dir, [...args, "--dry-run", "-v"])], {
        DRACONCTL_CACHE_DIR: cache,
      });
      assert.equal(result.code, 0, result.stderr);
      assert.doesNotMatch(result.stderr, /cache: off/);
      return { stdout: result.stdout, entries: [...Deno.readDirSync(cache)].length };
    };
    const cold = await dryRun();
    assert.ok(cold.entries > 0, "the first run stores its Tasks");
    const warm = await dryRun();
    assert.equal(warm.stdout, cold.stdout);
    assert.equal(warm.entries, cold.entries, "a warm run stores nothing new");
    // The code digest covers every chunk the entry reaches: one changed chunk makes new keys.
    const { current } = JSON.parse(await Deno.readTextFile(`${dir}/${CHUNKS_FILE}`));
    const render = (current as string[]).find((name) => name.startsWith("render-"))!;
    await Deno.writeTextFile(`${dir}/${render}`, "\n// changed\n", { append: true });
    const changed = await dryRun();
    assert.equal(changed.stdout, cold.stdout);
    assert.ok(changed.entries > cold.entries, `${changed.entries} entries after the change`);
  },
});
