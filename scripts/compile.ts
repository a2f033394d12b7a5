/**
 * `deno task compile`: builds `dist/draconctl` from the bundle of main.ts
 * (scripts/bundle.ts, built for it with the git commit stamped) with the
 * shipped permissions (scripts/permissions.ts) baked in.
 *
 *   deno task compile                 # dist/draconctl for this machine
 *   deno task compile --all-targets   # dist/draconctl-<target>[.exe] for every target
 *   deno task compile --target aarch64-unknown-linux-gnu
 *
 * `deno compile` needs Deno's runtime, `denort`, for the target: it downloads
 * it from Deno's servers, or takes the file named by `DENORT_BIN` (one
 * target: the host's). When neither is possible this fails at once with a
 * message saying so. The host binary is run once (`--version`) before the
 * build counts as done.
 *
 * @module
 */
import { bundle, BUNDLE_FILE } from "./bundle.ts";
import { PERMISSION_FLAGS } from "./permissions.ts";
import { WORKER_MODULES } from "../src/base/worker_modules.ts";

/** Every target `deno compile` supports. */
export const TARGETS: readonly string[] = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
  "x86_64-pc-windows-msvc",
];

const ROOT = new URL("../", import.meta.url);
const BUILD_INFO = new URL("src/build_info.ts", ROOT);
const PROBE_TIMEOUT_MS = 5_000;

class CompileError extends Error {}

async function main(args: string[]): Promise<void> {
  const targets = parseArgs(args);
  await checkDenort(targets);
  const commit = await gitCommit();
  const dist = new URL("dist/", ROOT).pathname;
  await Deno.mkdir(dist, { recursive: true });
  const bundled = await Deno.makeTempDir({ dir: dist, prefix: ".compile-" });
  try {
    await stampedBundle(bundled, commit);
    for (const target of targets) await compile(bundled, target, targets.length > 1, commit);
  } finally {
    await Deno.remove(bundled, { recursive: true });
  }
}

/** The bundle, built into `dir` from the sources with `commit` stamped into src/build_info.ts. */
async function stampedBundle(dir: string, commit: string): Promise<void> {
  const original = await Deno.readTextFile(BUILD_INFO);
  await Deno.writeTextFile(
    BUILD_INFO,
    original.replace(/BUILD_COMMIT: string = "[^"]*"/, `BUILD_COMMIT: string = "${commit}"`),
  );
  try {
    await bundle(dir);
  } finally {
    await Deno.writeTextFile(BUILD_INFO, original);
  }
}

function parseArgs(args: string[]): (string | undefined)[] {
  if (args.length === 0) return [undefined];
  if (args.length === 1 && args[0] === "--all-targets") return [...TARGETS];
  if (args.length === 2 && args[0] === "--target" && TARGETS.includes(args[1]!)) return [args[1]];
  throw new CompileError(
    `unexpected arguments "${args.join(" ")}"\n` +
      `usage: deno task compile [--all-targets | --target <${TARGETS.join("|")}>]`,
  );
}

async function checkDenort(targets: (string | undefined)[]): Promise<void> {
  const denort = Deno.env.get("DENORT_BIN");
  if (denort !== undefined) {
    const info = await Deno.stat(denort).catch(() => undefined);
    if (!info?.isFile) throw new CompileError(`DENORT_BIN="${denort}" is not a file`);
    if (targets.length > 1 || targets[0] !== undefined) {
      throw new CompileError(
        "DENORT_BIN serves one target, the host's: build --all-targets on a machine " +
          "that can download denort",
      );
    }
    return;
  }
  const url = `https://dl.deno.land/release/v${Deno.version.deno}/`;
  try {
    const response = await fetch(url, {
      method: "HEAD",
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    await response.body?.cancel();
  } catch (cause) {
    throw new CompileError(
      `cannot reach Deno's download server to get denort ${Deno.version.deno}: ` +
        `${cause instanceof Error ? cause.message : cause}\n` +
        `hint: build on a machine with internet access, or set DENORT_BIN to the denort ` +
        `${Deno.version.deno} binary for this machine (the denort-<target>.zip of the Deno release)`,
      { cause },
    );
  }
}

async function gitCommit(): Promise<string> {
  try {
    const head = await run("git", ["rev-parse", "--short=12", "HEAD"]);
    const dirty = (await run("git", ["status", "--porcelain", "--untracked-files=no"])) !== "";
    return dirty ? `${head}-dirty` : head;
  } catch {
    return "unknown";
  }
}

async function compile(
  bundled: string,
  target: string | undefined,
  suffixed: boolean,
  commit: string,
) {
  const windows = target?.includes("windows") ?? Deno.build.os === "windows";
  const name = `dist/draconctl${suffixed ? `-${target}` : ""}${windows ? ".exe" : ""}`;
  const output = new URL(name, ROOT).pathname;
  // The Worker bundles are loaded at run time, beside the bundle: the module graph does not show them.
  const includes = Object.values(WORKER_MODULES).map((m) => `${bundled}/${m.bundle}`);
  const args = [
    "compile",
    "--no-config",
    ...PERMISSION_FLAGS,
    ...includes.flatMap((file) => ["--include", file]),
    ...(target === undefined ? [] : ["--target", target]),
    "--output",
    output,
    `${bundled}/${BUNDLE_FILE}`,
  ];
  console.error(`compile: deno ${args.join(" ")}`);
  const { code } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    stdout: "inherit",
    stderr: "inherit",
  })
    .output();
  if (code !== 0) {
    throw new CompileError(`deno compile failed for ${target ?? "this machine"} (exit ${code})`);
  }
  if (target === undefined || target === hostTarget()) await smokeTest(output, commit);
  console.error(`compile: built ${name} (commit ${commit})`);
}

/** The built binary must run as draconctl: a full `deno` CLI given as DENORT_BIN would not. */
async function smokeTest(binary: string, commit: string): Promise<void> {
  const out = await run(binary, ["--version"]).catch((e) => String(e));
  if (!out.startsWith("draconctl ") || !out.includes(`commit ${commit}`)) {
    await Deno.remove(binary).catch(() => {});
    throw new CompileError(
      `the built binary does not run as draconctl ("--version" printed "${out.slice(0, 200)}"); ` +
        `it was removed\nhint: DENORT_BIN must be a denort (Deno's runtime for compiled ` +
        `programs), not the deno CLI`,
    );
  }
}

function hostTarget(): string {
  const { arch, os } = Deno.build;
  return TARGETS.find((t) =>
    t.startsWith(arch) &&
    t.includes(os === "windows" ? "windows" : os === "darwin" ? "apple" : "linux")
  ) ?? "";
}

async function run(command: string, args: string[]): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command(command, { args, cwd: ROOT }).output();
  const text = new TextDecoder().decode(stdout).trim();
  if (code !== 0) {
    throw new Error(`${command} exited ${code}: ${new TextDecoder().decode(stderr).trim()}`);
  }
  return text;
}

if (import.meta.main) {
  try {
    await main(Deno.args);
  } catch (error) {
    console.error(`compile: error: ${error instanceof Error ? error.message : error}`);
    Deno.exit(1);
  }
}
