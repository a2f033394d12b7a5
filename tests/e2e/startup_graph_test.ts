/**
 * Start-up cost: the module graph `deno info` reports for main.ts, walked
 * along static imports only, must not hold the npm packages draconctl loads
 * on first use (`await import()`): `yaml` (its CommonJS build costs ~30 ms)
 * and `js-yaml` with the deploy machinery (~10 ms), which `--help` and
 * `--version` never need.
 *
 * @module
 */
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url).pathname;
const MAIN = new URL("../../main.ts", import.meta.url).href;
const LAZY_PACKAGES = ["yaml", "js-yaml"];

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
function reach(info: GraphInfo, dynamic: boolean): Reached {
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
  visit(MAIN, []);
  return reached;
}

/** Whether a module specifier names npm package `name` (`npm:name@1.2.3`, `npm:/name@1.2.3/sub`). */
function isNpmModuleOf(specifier: string, name: string): boolean {
  return specifier.startsWith(`npm:${name}@`) || specifier.startsWith(`npm:/${name}@`);
}

Deno.test("main.ts statically imports neither yaml nor js-yaml (they load on first use)", async (t) => {
  const info = await denoInfo();
  const eager = reach(info, false);

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
