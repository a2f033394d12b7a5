/**
 * Start-up cost: the module graph `deno info` reports for main.ts, walked
 * along static imports only, must not hold the npm packages draconctl loads
 * on first use (`await import()`): `yaml` (its CommonJS build costs ~30 ms)
 * and `js-yaml` with the deploy machinery (~10 ms), which `--help` and
 * `--version` never need. A line that only asks for help loads no npm package
 * at all: neither through the graph nor when run.
 *
 * @module
 */
import assert from "node:assert/strict";
import { PERMISSION_FLAGS } from "../../scripts/permissions.ts";
import { runProduct } from "./_product.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const MAIN = new URL("../../main.ts", import.meta.url).href;
/** The command tree: main.ts imports it dynamically, for every line but `--version` or help alone. */
const PROGRAM = new URL("../../src/cli/program.ts", import.meta.url).href;
const LAZY_PACKAGES = ["yaml", "js-yaml"];
/** The help texts: src/cli/help_only.ts imports them dynamically, for a help line only. */
const HELP_TEXTS = new URL("../../src/cli/help_texts.ts", import.meta.url).href;

/** The parts of `deno info --json` this test reads. */
interface ModuleInfo {
  kind: string;
  specifier: string;
  dependencies?: {
    specifier: string;
    code?: { specifier?: string };
    type?: { specifier?: string };
    isDynamic?: boolean;
  }[];
  /** For `kind: "npm"`: the key of its entry in `npmPackages`. */
  npmPackage?: string;
}
interface GraphInfo {
  roots: string[];
  modules: ModuleInfo[];
  redirects: Record<string, string>;
  npmPackages: Record<string, { name: string; dependencies: string[] }>;
}

async function denoInfo(): Promise<GraphInfo> {
  const output = await new Deno.Command("deno", {
    args: ["info", "--json", "main.ts"],
    cwd: ROOT,
    stdin: "null",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, `deno info failed: ${stderr}`);
  return JSON.parse(new TextDecoder().decode(output.stdout));
}

/** What a walk from main.ts reaches: each module with the chain of imports that led to it. */
interface Reached {
  /** Module specifier → the import chain from main.ts, main.ts first. */
  modules: Map<string, string[]>;
  /** npm package name → the import chain, ending with the packages that depend on it. */
  npmPackages: Map<string, string[]>;
}

/**
 * Walks the graph from main.ts, following runtime imports (`code`, not
 * type-only `type`), and dynamic ones only when `dynamic` is set. An npm
 * module brings its package and, transitively, the packages it depends on.
 */
function reach(info: GraphInfo, dynamic: boolean, roots = [MAIN]): Reached {
  const bySpecifier = new Map(info.modules.map((m) => [m.specifier, m]));
  const resolve = (specifier: string) => info.redirects[specifier] ?? specifier;
  const reached: Reached = { modules: new Map(), npmPackages: new Map() };
  const addPackage = (key: string, chain: string[]) => {
    const entry = info.npmPackages[key];
    assert.ok(entry, `deno info lists no npm package "${key}"`);
    if (reached.npmPackages.has(entry.name)) return;
    const here = [...chain, `npm package ${entry.name}`];
    reached.npmPackages.set(entry.name, here);
    for (const dependency of entry.dependencies) addPackage(dependency, here);
  };
  const visit = (specifier: string, chain: string[]) => {
    const resolved = resolve(specifier);
    if (reached.modules.has(resolved)) return;
    const here = [...chain, resolved];
    reached.modules.set(resolved, here);
    const module = bySpecifier.get(resolved);
    assert.ok(module, `deno info lists no module "${resolved}"`);
    if (module.npmPackage !== undefined) addPackage(module.npmPackage, here);
    for (const dependency of module.dependencies ?? []) {
      if (dependency.isDynamic && !dynamic) continue;
      const target = dependency.code?.specifier;
      if (target !== undefined) visit(target, here);
    }
  };
  assert.deepEqual(info.roots, [MAIN]);
  for (const root of roots) visit(root, []);
  return reached;
}

/** Whether a module specifier names npm package `name` (`npm:name@1.2.3`, `npm:/name@1.2.3/sub`). */
function isNpmModuleOf(specifier: string, name: string): boolean {
  return specifier.startsWith(`npm:${name}@`) || specifier.startsWith(`npm:/${name}@`);
}

Deno.test("main.ts statically imports neither yaml nor js-yaml (they load on first use)", async (t) => {
  const info = await denoInfo();
  // What a command line for the tree loads: main.ts and the tree, static imports only.
  const eager = reach(info, false, [MAIN, PROGRAM]);

  await t.step("the walk works: the CLI library and the command modules are reached", () => {
    const cli = "@commander-js/extra-typings";
    assert.ok(eager.npmPackages.has(cli), [...eager.npmPackages.keys()].join(", "));
    assert.ok([...eager.modules.keys()].some((s) => isNpmModuleOf(s, cli)));
    assert.ok(eager.modules.has(new URL("src/cli/pipelines_deploy.ts", `file://${ROOT}`).href));
    assert.ok(eager.modules.size > 20, `only ${eager.modules.size} modules reached`);
  });

  await t.step("each of them is in the graph, behind dynamic imports", () => {
    const all = reach(info, true);
    for (const name of LAZY_PACKAGES) {
      assert.ok(all.npmPackages.has(name), `${name} is not in the graph at all`);
    }
  });

  for (const name of LAZY_PACKAGES) {
    await t.step(`${name} is not statically reachable`, () => {
      const modules = [...eager.modules].filter(([specifier]) => isNpmModuleOf(specifier, name));
      const chain = modules[0]?.[1] ?? eager.npmPackages.get(name);
      assert.equal(
        chain,
        undefined,
        `main.ts loads ${name} at start-up through:\n  ${chain?.join("\n  -> ")}`,
      );
    });
  }
});

Deno.test("--version alone loads no npm package: main.ts reaches the command tree only dynamically", async (t) => {
  const info = await denoInfo();
  await t.step("the command tree is in the graph, behind a dynamic import", () => {
    assert.ok(reach(info, true).modules.has(PROGRAM));
    assert.ok(reach(info, true).npmPackages.has("commander"));
  });
  await t.step("main.ts's static imports reach neither it nor any npm package", () => {
    const eager = reach(info, false);
    assert.ok(!eager.modules.has(PROGRAM), eager.modules.get(PROGRAM)?.join("\n  -> "));
    assert.deepEqual([...eager.npmPackages.keys()], []);
    assert.ok(eager.modules.size > 5, `only ${eager.modules.size} modules reached`);
  });
});

Deno.test("a help line loads no npm package: the help texts import nothing", async (t) => {
  const info = await denoInfo();
  await t.step("the texts are in the graph, behind a dynamic import main.ts reaches", () => {
    assert.ok(!reach(info, false).modules.has(HELP_TEXTS), "help_texts.ts loads at every start");
    assert.ok(reach(info, true).modules.has(HELP_TEXTS), "help_texts.ts is not in the graph");
  });
  await t.step("main.ts's static imports and the texts reach neither the tree nor npm", () => {
    const help = reach(info, true, [HELP_TEXTS]);
    assert.deepEqual([...help.modules.keys()], [HELP_TEXTS]);
    const eager = reach(info, false, [MAIN, HELP_TEXTS]);
    assert.ok(!eager.modules.has(PROGRAM), eager.modules.get(PROGRAM)?.join("\n  -> "));
    assert.deepEqual([...eager.npmPackages.keys()], []);
  });
});

/**
 * Runs main.ts with the shipped flags and a Deno cache holding no npm
 * package (`--cached-only`): any npm import fails the run.
 */
async function runWithoutNpm(args: string[], cache: string) {
  const output = await new Deno.Command("deno", {
    args: ["run", "--quiet", "--cached-only", ...PERMISSION_FLAGS, "main.ts", ...args],
    cwd: ROOT,
    stdin: "null",
    env: { DENO_DIR: cache },
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

Deno.test("a help line runs without any npm package in Deno's cache", async (t) => {
  const cache = await Deno.makeTempDir({ prefix: "draconctl-no-npm-" });
  try {
    await t.step("the check works: a line for the command tree fails there", async () => {
      // Deploy's help through the tree: `_outputHelpIfRequested` after an argument.
      const result = await runWithoutNpm(["pipelines", "deploy", "x", "--help"], cache);
      assert.notEqual(result.code, 0);
      // Whichever npm package Deno resolves first for the tree's graph.
      assert.match(result.stderr, /npm package not found in cache: "/);
    });
    const deploy = ["pipelines", "deploy", "--help"];
    const lines = [["--help"], ["-h"], ["help"], deploy, ["components", "help", "package"]];
    for (const args of lines) {
      await t.step(args.join(" "), async () => {
        const result = await runWithoutNpm(args, cache);
        assert.deepEqual([result.code, result.stderr], [0, ""]);
        assert.match(result.stdout, /^Usage: draconctl /);
      });
    }
  } finally {
    await Deno.remove(cache, { recursive: true });
  }
});

Deno.test("as shipped, a help line prints what the command tree prints for it", async () => {
  // After an argument, deploy's `--help` is answered by the tree (help_only.ts does not take it).
  const fast = await runProduct(["pipelines", "deploy", "--help"]);
  const tree = await runProduct(["pipelines", "deploy", "x", "--help"]);
  assert.deepEqual(fast, tree);
  assert.deepEqual([fast.code, fast.stderr], [0, ""]);
  assert.match(fast.stdout, /^Usage: draconctl pipelines deploy /);
});

/** An import of npm package `name` in TypeScript source: static, dynamic, `npm:` or bare. */
function importsPackage(source: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  return new RegExp(`(?:from|import)\\s*\\(?\\s*["'](?:npm:)?${escaped}[@/"']`).test(source);
}

/** The `.ts` files under `dir` (relative to the repository root), recursively. */
async function sourcesUnder(dir: string): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(`${ROOT}${dir}`)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) files.push(...await sourcesUnder(path));
    else if (entry.name.endsWith(".ts")) files.push(path);
  }
  return files;
}

Deno.test("@kubernetes/client-node is gone: from main.ts's graph, deno.json, deno.lock and every module", async (t) => {
  const name = "@kubernetes/client-node";
  await t.step("the import check finds what it looks for", () => {
    assert.ok(importsPackage(`import * as k8s from "${name}";`, name));
    assert.ok(importsPackage(`const m = await import("npm:${name}@2.0.1");`, name));
    assert.ok(!importsPackage(`import * as y from "yaml";`, name));
  });
  await t.step("main.ts reaches it through no import, dynamic ones included", async () => {
    const chain = reach(await denoInfo(), true).npmPackages.get(name);
    assert.equal(chain, undefined, `main.ts reaches ${name} through:\n  ${chain?.join("\n  -> ")}`);
  });
  for (const file of ["deno.json", "deno.lock"]) {
    await t.step(`${file} does not name it`, async () => {
      assert.ok(
        !(await Deno.readTextFile(`${ROOT}${file}`)).includes(name),
        `${file} names ${name}`,
      );
    });
  }
  await t.step("no module under src/, tests/ or scripts/ imports it", async () => {
    const files = [
      ...await sourcesUnder("src"),
      ...await sourcesUnder("tests"),
      ...await sourcesUnder("scripts"),
    ];
    assert.ok(files.length > 50, `only ${files.length} files found`);
    const offenders: string[] = [];
    for (const file of files) {
      if (importsPackage(await Deno.readTextFile(`${ROOT}${file}`), name)) offenders.push(file);
    }
    assert.deepEqual(offenders, []);
  });
});
