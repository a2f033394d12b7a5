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
 * `-v` followed by anything else stays `--verbose`. Everywhere else the
 * flags mean what they always meant (`-n` the namespace, `--version` the
 * version).
 *
 * @module
 */

/** A value that reads as a version: `1.2.3`, `v0.9`, `2`. */
const VERSION_LIKE = /^v?\d/;

/** `args` with the Go tool's `components package` spellings rewritten to ours. */
export function goToolSpellings(args: readonly string[]): string[] {
  const at = commandEnd(args, ["components", "package"]);
  if (at === undefined) return [...args];
  const out = args.slice(0, at);
  for (let i = at; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    if (arg === "--") {
      out.push(...args.slice(i));
      break;
    }
    if (arg === "--version" && next !== undefined && !next.startsWith("-")) {
      out.push("--app-version", next);
      i++;
    } else if (arg.startsWith("--version=")) {
      out.push(`--app-version=${arg.slice("--version=".length)}`);
    } else if (arg === "-v" && next !== undefined && VERSION_LIKE.test(next)) {
      out.push("--app-version", next);
      i++;
    } else if (arg === "-n" && next !== undefined) {
      out.push("--name", next);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
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
