/**
 * draconctl's entry point: builds the real dependencies, runs the command
 * tree, prints errors and maps them to exit codes. The only module that exits.
 *
 * @module
 */
import { helpOnlyText } from "./src/cli/help_only.ts";
import { isVersionOnly } from "./src/cli/version_only.ts";
import { connectsToCluster, envFlagSet, writesFiles } from "./src/cli/write_scope.ts";
import type { Deps } from "./src/deps.ts";
import {
  DifferencesFound,
  ExitCode,
  exitCodeFor,
  hintOf,
  OutputClosedError,
  shortenMessage,
  ValidationError,
} from "./src/errors.ts";
import { IsolatedFetcher } from "./src/fetch/isolated_fetcher.ts";
import { HelmCli } from "./src/helm/helm_cli.ts";
import { DenoCommandRunner } from "./src/io/command.ts";
import { DenoFileSystem } from "./src/io/filesystem.ts";
import { cacheDirOf, cacheDisabled, openDiskCache } from "./src/io/cache_dir.ts";
import { DenoRunPermissions } from "./src/io/run_permissions.ts";
import { ProcessSignals } from "./src/io/process_signals.ts";
import { StderrLogger, writeStderr } from "./src/io/stderr_logger.ts";
import { TerminalStatusLine } from "./src/io/status_line.ts";
import { versionLine } from "./src/version.ts";

const encoder = new TextEncoder();

/** Runs draconctl with `args`; resolves to the process exit code. Errors go to `stderr`. */
export async function run(
  args: string[],
  deps: Deps,
  stderr: (text: string) => void,
): Promise<number> {
  try {
    // `--version` alone is answered without loading the command tree (~30 ms).
    if (isVersionOnly(args)) {
      await deps.stdout.write(`${versionLine()}\n`);
      return 0;
    }
    // So is a command's help alone, from the texts generated from the tree (`deno task gen-help`).
    const help = await helpOnlyText(args);
    if (help !== undefined) {
      await deps.stdout.write(help);
      return 0;
    }
    const { runProgram } = await import("./src/cli/program.ts");
    await runProgram(args, deps);
    return 0;
  } catch (error) {
    const code = exitCodeFor(error);
    const quiet = error instanceof OutputClosedError || error instanceof DifferencesFound;
    if (code !== 0 && !quiet) stderr(formatError(error));
    return code;
  }
}

/** Shown when the run needed a permission outside the shipped set (scripts/permissions.ts). */
const NOT_CAPABLE_HINT =
  'draconctl runs with a fixed set of permissions (README, "Permissions"); ' +
  "this run needed one outside it";

/** `error: …` lines (one per problem), then `hint: …`; a stack trace only for bugs. */
function formatError(error: unknown): string {
  const lines = error instanceof ValidationError
    ? error.problems
    : [error instanceof Error ? error.message : String(error)];
  let text = lines.map((line) => `error: ${shortenMessage(line)}\n`).join("");
  const hint = hintOf(error) ??
    (error instanceof Deno.errors.NotCapable ? NOT_CAPABLE_HINT : undefined);
  if (hint !== undefined) text += `hint: ${shortenMessage(hint)}\n`;
  if (error instanceof Deno.errors.NotCapable) return text;
  if (exitCodeFor(error) === 1 && error instanceof Error && error.stack) {
    text += `This is a bug in draconctl; please report it with the trace below.\n${error.stack}\n`;
  }
  return text;
}

/** The terminal's width (80 when it cannot be known). */
function columns(): number {
  try {
    return Deno.consoleSize().columns;
  } catch {
    return 80;
  }
}

if (import.meta.main) {
  const env = (name: string) => Deno.env.get(name);
  // Shipped with --allow-write (permissions are fixed at start); dropped unless this run writes.
  if (!writesFiles(Deno.args, env)) await Deno.permissions.revoke({ name: "write" });
  // Shipped with --allow-run for the well-known credential plugins; a run that
  // reaches no cluster keeps none (the cluster connection keeps at most the
  // one its kubeconfig context names, or a fleet those of its contexts).
  const permissions = new DenoRunPermissions();
  if (!connectsToCluster(Deno.args)) await permissions.keepPlugins([]);
  const verbose = Deno.args.includes("-v") || Deno.args.includes("--verbose") ||
    envFlagSet(env, "--verbose");
  const fs = new DenoFileSystem();
  const logger = new StderrLogger(verbose);
  const clock = { now: () => new Date() };
  const connectEnv = {
    fs,
    env: (name: string) => Deno.env.get(name),
    logger,
    clock,
    runner: new DenoCommandRunner(),
    permissions,
  };
  const cacheDir = cacheDisabled(env) ? undefined : cacheDirOf(env);
  const deps: Deps = {
    fs,
    env,
    // Loaded and rendered Tasks across runs (docs/cache.md); DRACONCTL_NO_CACHE=1 turns it off.
    ...(cacheDir === undefined ? {} : { cache: openDiskCache(cacheDir, logger) }),
    // Progress of long runs, only on a terminal: piped or redirected stderr never holds it.
    ...(Deno.stderr.isTerminal() ? { status: new TerminalStatusLine(writeStderr, columns) } : {}),
    // Each URL is fetched in a Worker allowed to reach only its host (needs --unstable-worker-options).
    fetcher: new IsolatedFetcher(),
    logger,
    clock,
    helm: new HelmCli(),
    // Imported on first use, so that commands without a cluster do not load it.
    cluster: async (options) =>
      (await import("./src/tekton/kube_cluster.ts")).connectCluster(options, connectEnv),
    fleet: async (options, contexts) =>
      (await import("./src/tekton/kube_cluster.ts")).openFleet(options, contexts, connectEnv),
    signals: new ProcessSignals((signal, applying) => {
      // Nothing is being written: stop at once. (While a deploy applies, it stops itself.)
      writeStderr(`interrupted (${signal})${applying ? " again: stopping now" : ""}\n`);
      Deno.exit(signal === "SIGINT" ? ExitCode.interrupted : ExitCode.terminated);
    }),
    stdout: {
      write: async (text) => {
        const bytes = encoder.encode(text);
        try {
          for (let off = 0; off < bytes.length;) {
            off += await Deno.stdout.write(bytes.subarray(off));
          }
        } catch (error) {
          // `| head -1`: the reader has what it wanted; end quietly (exit 141).
          if (error instanceof Deno.errors.BrokenPipe) {
            throw new OutputClosedError({ cause: error });
          }
          throw error;
        }
      },
    },
  };
  Deno.exit(await run(Deno.args, deps, writeStderr));
}
