/**
 * `deno task bundle`: builds draconctl's bundled distribution with
 * `deno bundle` (docs/distribution.md):
 *
 *   dist/draconctl.js               main.ts and everything it imports, npm packages included
 *   dist/draconctl-read-worker.js   the read Worker's module (src/io/_read_worker.ts)
 *   dist/draconctl-fetch-worker.js  the fetch Worker's module (src/fetch/_fetch_worker.ts)
 *   dist/draconctl.flags            the shipped `deno run` flags (scripts/permissions.ts), one line
 *
 *   deno task bundle                      # into dist/
 *   deno task bundle --out-dir <dir>      # elsewhere (the tests)
 *
 * Run it with {@link bundleRunArgs}: `deno run --quiet --no-config <flags>
 * dist/draconctl.js …`. Each file is built in a temporary directory beside
 * the output and renamed into place, the flags file last: a launcher that
 * finds the flags file newer than the sources finds the bundle complete.
 *
 * One file, not `--code-splitting`: esbuild's split chunks give a CommonJS
 * package imported with `await import()` (`yaml`) only a default export, so
 * `LineCounter` and the others are undefined and every deploy fails.
 *
 * @module
 */
import { WORKER_MODULES } from "../src/base/worker_modules.ts";
import { PERMISSION_FLAGS } from "./permissions.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** The bundle's file name in its directory. */
export const BUNDLE_FILE = "draconctl.js";
/** The file holding the shipped flags beside the bundle, written last. */
export const FLAGS_FILE = "draconctl.flags";

/** The `deno` arguments that run the bundle in `dir` with `args`, as it ships. */
export function bundleRunArgs(dir: string, args: readonly string[] = []): string[] {
  return ["run", "--quiet", "--no-config", ...PERMISSION_FLAGS, `${dir}/${BUNDLE_FILE}`, ...args];
}

class BundleError extends Error {}

/**
 * Builds the bundle and the Worker bundles into `outDir` (created if needed),
 * then writes the flags file; returns the files written, in `outDir`.
 */
export async function bundle(outDir: string): Promise<string[]> {
  await Deno.mkdir(outDir, { recursive: true });
  const build = await Deno.makeTempDir({ dir: outDir, prefix: ".bundle-" });
  try {
    const entries: [string, string][] = [
      ["main.ts", BUNDLE_FILE],
      ...Object.values(WORKER_MODULES).map((m): [string, string] => [m.source, m.bundle]),
    ];
    await Promise.all(entries.map(([source, file]) => denoBundle(source, `${build}/${file}`)));
    await Deno.writeTextFile(`${build}/${FLAGS_FILE}`, `${PERMISSION_FLAGS.join(" ")}\n`);
    const files = [...entries.map(([, file]) => file), FLAGS_FILE];
    for (const file of files) await Deno.rename(`${build}/${file}`, `${outDir}/${file}`);
    return files;
  } finally {
    await Deno.remove(build, { recursive: true }).catch(() => {});
  }
}

async function denoBundle(source: string, output: string): Promise<void> {
  const args = ["bundle", "--quiet", "--platform=deno", "--output", output, source];
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    const reason = new TextDecoder().decode(stderr).trim().split("\n").at(-1) ?? "";
    throw new BundleError(`deno ${args.join(" ")} failed (exit ${code}): ${reason}`);
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
    if (!quiet) console.error(`bundle: wrote ${files.map((f) => `${outDir}/${f}`).join(", ")}`);
  } catch (error) {
    console.error(`bundle: error: ${error instanceof Error ? error.message : error}`);
    Deno.exit(1);
  }
}
