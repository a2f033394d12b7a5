/**
 * `deno task bundle`: builds draconctl's bundled distribution with
 * `deno bundle` (docs/distribution.md):
 *
 *   dist/draconctl.js               the entry: main.ts and what `--version` needs
 *   dist/<name>-<hash>.js           the rest, in chunks loaded on first use (`--code-splitting`)
 *   dist/draconctl-read-worker.js   the read Worker's module (src/io/_read_worker.ts), one file
 *   dist/draconctl-fetch-worker.js  the fetch Worker's module (src/fetch/_fetch_worker.ts), one file
 *   dist/draconctl.files.json       the chunks of this build and of the one before
 *   dist/draconctl.flags            the shipped `deno run` flags (scripts/permissions.ts), one line
 *
 *   deno task bundle                      # into dist/
 *   deno task bundle --out-dir <dir>      # elsewhere (the tests)
 *
 * Run it with {@link bundleRunArgs}: `deno run --quiet --no-config <flags>
 * dist/draconctl.js …`. Everything is built in a temporary directory beside
 * the output and renamed into place, the entry after its chunks and the
 * flags file last: a launcher that finds the flags file newer than the
 * sources finds the bundle complete. The chunks of the build before stay
 * (a run of it may still load one); older ones are removed.
 *
 * `--platform=browser --external node:*` rather than `--platform=deno`: the
 * only package that resolves differently is `yaml`, whose ES module build
 * is taken instead of its CommonJS one. With CommonJS in the bundle, every
 * chunk imports `node:module` (~15 ms at start, `--version` included), and a
 * CommonJS package imported with `await import()` gets only a default
 * export in a split chunk, which breaks every deploy.
 *
 * @module
 */
import { WORKER_MODULES } from "../src/base/worker_modules.ts";
import { PERMISSION_FLAGS } from "./permissions.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** The bundle's entry in its directory. */
export const BUNDLE_FILE = "draconctl.js";
/** The file holding the shipped flags beside the bundle, written last. */
export const FLAGS_FILE = "draconctl.flags";
/** The chunks of the last two builds: `{ current: string[], previous: string[] }`. */
export const CHUNKS_FILE = "draconctl.files.json";
/** The `deno bundle` options of every file. */
const BUNDLE_OPTIONS = ["--quiet", "--platform=browser", "--external", "node:*"];

/** The `deno` arguments that run the bundle in `dir` with `args`, as it ships. */
export function bundleRunArgs(dir: string, args: readonly string[] = []): string[] {
  return ["run", "--quiet", "--no-config", ...PERMISSION_FLAGS, `${dir}/${BUNDLE_FILE}`, ...args];
}

/**
 * The `deno` arguments that build the bundle into `outDir` with this script,
 * allowed to write there only (what the tests and the launcher's rebuild run).
 */
export function buildArgs(outDir: string): string[] {
  return [
    "run",
    "--no-prompt",
    "--allow-read",
    `--allow-write=${outDir}`,
    "--allow-run",
    `${ROOT}scripts/bundle.ts`,
    "--out-dir",
    outDir,
    "--quiet",
  ];
}

class BundleError extends Error {}

/** The chunks of the last two builds in `dir`. */
interface Chunks {
  current: string[];
  previous: string[];
}

/**
 * Builds the bundle and the Worker bundles into `outDir` (created if needed),
 * then writes the flags file; returns the files written, in `outDir`.
 */
export async function bundle(outDir: string): Promise<string[]> {
  await Deno.mkdir(outDir, { recursive: true });
  const build = await Deno.makeTempDir({ dir: outDir, prefix: ".bundle-" });
  try {
    const workers = Object.values(WORKER_MODULES);
    await Promise.all([
      denoBundle([...BUNDLE_OPTIONS, "--code-splitting", "--outdir", `${build}/main`, "main.ts"]),
      ...workers.map((m) =>
        denoBundle([...BUNDLE_OPTIONS, "--output", `${build}/${m.bundle}`, m.source])
      ),
    ]);
    const chunks = [...Deno.readDirSync(`${build}/main`)].map((e) => e.name)
      .filter((name) => name !== "main.js").sort();
    for (const name of [...chunks, "main.js"]) {
      const file = `${build}/main/${name}`;
      const code = await Deno.readTextFile(file);
      const deferred = deferBuiltins(code);
      if (deferred !== code) await Deno.writeTextFile(file, deferred);
    }
    const old = await readChunks(outDir);
    const moves: [string, string][] = [
      ...chunks.map((name): [string, string] => [`main/${name}`, name]),
      ...workers.map((m): [string, string] => [m.bundle, m.bundle]),
      ["main/main.js", BUNDLE_FILE],
    ];
    for (const [from, to] of moves) await Deno.rename(`${build}/${from}`, `${outDir}/${to}`);
    const kept = new Set([...chunks, ...old.current]);
    for (const stale of old.previous.filter((name) => !kept.has(name))) {
      await Deno.remove(`${outDir}/${stale}`).catch(() => {});
    }
    await Deno.writeTextFile(
      `${outDir}/${CHUNKS_FILE}`,
      `${JSON.stringify({ current: chunks, previous: old.current } satisfies Chunks)}\n`,
    );
    await Deno.writeTextFile(`${build}/${FLAGS_FILE}`, `${PERMISSION_FLAGS.join(" ")}\n`);
    await Deno.rename(`${build}/${FLAGS_FILE}`, `${outDir}/${FLAGS_FILE}`);
    return [...moves.map(([, to]) => to), CHUNKS_FILE, FLAGS_FILE];
  } finally {
    await Deno.remove(build, { recursive: true }).catch(() => {});
  }
}

/**
 * The `node:` built-ins whose import starts Deno's Node layer (~12 ms of
 * every run, bench/RESULTS.md "the Node layer"): commander imports them as
 * default imports, for features draconctl does not use (executable
 * subcommands, its default output and exit, which src/cli/program.ts
 * replaces).
 */
export const DEFERRED_BUILTINS: readonly string[] = [
  "node:fs",
  "node:child_process",
  "node:process",
];

/**
 * `code` with each default import of a {@link DEFERRED_BUILTINS} module
 * (`import fs from "node:fs";`, one line as esbuild writes it) replaced by a
 * proxy, declared first, that gets the module from
 * `process.getBuiltinModule` on first use: the Node layer starts only if the
 * module is ever used. Functions are bound to the real module. Any other
 * import form of these modules is left as it is (and tests/e2e/bundle_test.ts
 * fails on it).
 *
 * @example
 * ```ts
 * deferBuiltins('import fs from "node:fs";\nfs.existsSync("x");\n');
 * // 'const fs = …getBuiltinModule("node:fs")…;\nfs.existsSync("x");\n'
 * ```
 */
export function deferBuiltins(code: string): string {
  const declarations: string[] = [];
  const pattern = new RegExp(
    String.raw`^import ([\w$]+) from "(${DEFERRED_BUILTINS.join("|")})";\n`,
    "gm",
  );
  const rest = code.replace(pattern, (_, name: string, specifier: string) => {
    const real = specifier === "node:process"
      ? "globalThis.process"
      : `globalThis.process.getBuiltinModule(${JSON.stringify(specifier)})`;
    declarations.push(
      `const ${name} = new Proxy({}, { get(_, key) { const real = ${real}; ` +
        `const value = Reflect.get(real, key); ` +
        `return typeof value === "function" ? value.bind(real) : value; }, ` +
        `set(_, key, value) { return Reflect.set(${real}, key, value); } }); ` +
        `// ${specifier}, on first use (scripts/bundle.ts, deferBuiltins)\n`,
    );
    return "";
  });
  return declarations.length === 0 ? code : declarations.join("") + rest;
}

/** The chunk lists of the last build in `dir`; none when there was none (or it is unreadable). */
async function readChunks(dir: string): Promise<Chunks> {
  try {
    const { current, previous } = JSON.parse(await Deno.readTextFile(`${dir}/${CHUNKS_FILE}`));
    const names = (list: unknown) =>
      Array.isArray(list)
        ? list.filter((n): n is string => typeof n === "string" && /^[\w.-]+\.js$/.test(n))
        : [];
    return { current: names(current), previous: names(previous) };
  } catch {
    return { current: [], previous: [] };
  }
}

async function denoBundle(args: string[]): Promise<void> {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", ...args],
    cwd: ROOT,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    const reason = new TextDecoder().decode(stderr).trim().split("\n").at(-1) ?? "";
    throw new BundleError(`deno bundle ${args.join(" ")} failed (exit ${code}): ${reason}`);
  }
}

function parseArgs(args: string[]): { outDir: string; quiet: boolean } {
  const quiet = args.includes("--quiet");
  const rest = args.filter((arg) => arg !== "--quiet");
  if (rest.length === 0) return { outDir: `${ROOT}dist`, quiet };
  if (rest.length === 2 && rest[0] === "--out-dir" && rest[1] !== "") {
    return { outDir: rest[1]!, quiet };
  }
  throw new BundleError(
    `unexpected arguments "${args.join(" ")}"\nusage: deno task bundle [--out-dir <dir>] [--quiet]`,
  );
}

if (import.meta.main) {
  try {
    const { outDir, quiet } = parseArgs(Deno.args);
    const files = await bundle(outDir);
    if (!quiet) console.error(`bundle: wrote ${files.length} files into ${outDir}`);
  } catch (error) {
    console.error(`bundle: error: ${error instanceof Error ? error.message : error}`);
    Deno.exit(1);
  }
}
