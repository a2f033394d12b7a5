/**
 * The Go tool's command-line spellings that clash with global flags here,
 * rewritten before the command tree parses them. Dracon's release workflow
 * runs `draconctl components package --version <v> --chart-version <semver>
 * --name <name> ./components`; parsed as is, `--version` would be the global
 * flag: draconctl would print its own version, exit 0 and write no chart.
 *
 * After the words `components package` (and only there):
 *
 * | Go tool                   | here                         |
 * | ------------------------- | ---------------------------- |
 * | `--version <v>`, `--version=<v>` | `--app-version <v>`   |
 * | `-v <v>` (a version: digit or `v` then digit) | `--app-version <v>` |
 * | `-n <name>`               | `--name <name>`              |
 *
 * `-v` followed by anything else stays `--verbose`; `--version` with no
 * value fails (exit 2) rather than print draconctl's version.
 *
 * After `pipelines deploy`: `--ssa <name>` (the Go tool's "Server-side apply
 * ID", default `draconctl`) is `--field-manager <name>`; both at once fail.
 *
 * Everywhere else the flags mean what they always meant (`-n` the
 * namespace, `--version` the version).
 *
 * @module
 */
import { UsageError } from "../errors.ts";

/** A value that reads as a version: `1.2.3`, `v0.9`, `2`. */
const VERSION_LIKE = /^v?\d/;

/**
 * `args` with the Go tool's spellings rewritten to ours.
 *
 * @throws {UsageError} where a Go spelling cannot be read as the Go tool meant it
 */
export function goToolSpellings(args: readonly string[]): string[] {
  const pkg = commandEnd(args, ["components", "package"]);
  if (pkg !== undefined) return rewrite(args, pkg, packageSpelling);
  const deploy = commandEnd(args, ["pipelines", "deploy"]);
  if (deploy !== undefined) return ssaSpelling(rewrite(args, deploy, deploySpelling), deploy);
  return [...args];
}

/** One spelling: the words it becomes and how many words it took, or `undefined`. */
type Spelling = (arg: string, next: string | undefined) => [string[], number] | undefined;

/** Rewrites each word after `at` (up to `--`) that `spelling` knows. */
function rewrite(args: readonly string[], at: number, spelling: Spelling): string[] {
  const out = args.slice(0, at);
  for (let i = at; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      out.push(...args.slice(i));
      break;
    }
    const found = spelling(arg, args[i + 1]);
    if (found === undefined) out.push(arg);
    else {
      out.push(...found[0]);
      i += found[1] - 1;
    }
  }
  return out;
}

function packageSpelling(arg: string, next: string | undefined): [string[], number] | undefined {
  if (arg === "--version") {
    if (next === undefined || next.startsWith("-")) {
      // Printing draconctl's version here would end a release job with exit 0 and no chart.
      throw new UsageError('"components package --version" needs the app version as its value', {
        hint: "as in the Go tool: --version <v> (or --app-version <v>); " +
          'the version of draconctl is "draconctl --version"',
      });
    }
    return [["--app-version", next], 2];
  }
  if (arg.startsWith("--version=")) {
    return [[`--app-version=${arg.slice("--version=".length)}`], 1];
  }
  if (arg === "-v" && next !== undefined && VERSION_LIKE.test(next)) {
    return [["--app-version", next], 2];
  }
  if (arg === "-n" && next !== undefined) return [["--name", next], 2];
  return undefined;
}

function deploySpelling(arg: string, next: string | undefined): [string[], number] | undefined {
  if (arg === "--ssa" && next !== undefined) return [["--field-manager", next], 2];
  if (arg.startsWith("--ssa=")) return [[`--field-manager=${arg.slice("--ssa=".length)}`], 1];
  return undefined;
}

/** `--ssa` and `--field-manager` both given: which one is meant is unclear (exit 2). */
function ssaSpelling(rewritten: string[], at: number): string[] {
  const before = rewritten.slice(at).indexOf("--");
  const flags = rewritten.slice(at, before === -1 ? undefined : at + before);
  const count = flags.filter((a) => a === "--field-manager" || a.startsWith("--field-manager="))
    .length;
  if (count > 1) {
    throw new UsageError("--field-manager (or the Go tool's --ssa) is given more than once", {
      hint: "pass one field manager",
    });
  }
  return rewritten;
}

/** The index after the words of `command` when they are the first non-option words of `args`. */
function commandEnd(args: readonly string[], command: readonly string[]): number | undefined {
  let word = 0;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") return undefined;
    if (arg.startsWith("-")) {
      // A global flag taking a value before the command (`-n dracon components package`).
      if (!arg.includes("=") && TAKES_VALUE.has(arg)) i++;
      continue;
    }
    if (arg !== command[word]) return undefined;
    word++;
    if (word === command.length) return i + 1;
  }
  return undefined;
}

/** Global flags that take a value (so the value is not read as a command word). */
const TAKES_VALUE = new Set([
  "--kubeconfig",
  "--context",
  "-n",
  "--namespace",
  "--cluster",
  "--user",
  "-s",
  "--server",
  "--token",
  "--certificate-authority",
  "--client-certificate",
  "--client-key",
  "--tls-server-name",
  "--as",
  "--as-group",
  "--as-uid",
]);
