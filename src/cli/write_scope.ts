/**
 * Which command lines write files, and which may reach a cluster. Deno fixes
 * permissions when the process starts, so draconctl ships with
 * `--allow-write` and the credential plugins' `--allow-run`, and `main.ts`
 * drops them before doing anything else when {@link writesFiles} or
 * {@link connectsToCluster} is false.
 *
 * @module
 */
import { envNameOf, isTrueValue } from "./env_names.ts";

/** Flags whose value is a file draconctl writes (`-` means standard output). */
export const OUTPUT_FLAGS: readonly string[] = ["--output-file"];

/**
 * Commands that write files (chart directories, archives, temporary files).
 * `pipelines deploy` renders Tasks holding Helm expressions through a
 * temporary one-Task chart (`helm template` reads charts only from disk), and
 * whether a Task holds any is known only after reading the kustomization.
 */
export const WRITING_COMMANDS: readonly (readonly string[])[] = [
  ["components", "package"],
  ["pipelines", "deploy"],
  // A kustomization argument is read as deploy reads it (its Tasks rendered alike).
  ["pipelines", "status"],
  ["pipelines", "delete"],
  ["pipelines", "diff"],
  // Writes draconctl.lock (and renders as deploy does).
  ["pipelines", "lock"],
  // They read (and render) a kustomization as deploy does.
  ["pipelines", "check"],
  ["pipelines", "run"],
  // `helm template` of the new chart gets its values files from a temporary directory.
  ["components", "upgrade-check"],
];

/**
 * Whether a command line may write files: it names an output flag with a
 * value other than `-`, or runs a writing command. Errs towards `true`, which
 * only keeps the permission.
 *
 * @example
 * ```ts
 * writesFiles(["version"]); // false
 * writesFiles(["completion", "bash"]); // false
 * writesFiles(["pipelines", "deploy", "p", "--dry-run"]); // true: may render through a temporary chart
 * ```
 */
export function writesFiles(
  args: readonly string[],
  env: (name: string) => string | undefined = () => undefined,
): boolean {
  // DRACONCTL_OUTPUT_FILE stands for --output-file when the flag is not given (env_flags.ts).
  for (const flag of OUTPUT_FLAGS) {
    const value = env(envNameOf(flag));
    if (value !== undefined && value !== "" && value !== "-") return true;
  }
  for (const [i, arg] of args.entries()) {
    if (arg === "--") break;
    for (const flag of OUTPUT_FLAGS) {
      if (arg === flag && args[i + 1] !== "-") return true;
      if (arg.startsWith(`${flag}=`) && arg !== `${flag}=-`) return true;
    }
  }
  return containsCommand(args, WRITING_COMMANDS);
}

/**
 * Whether the variable of a boolean flag (`DRACONCTL_VERBOSE` for
 * `--verbose`) is set to a true value, as env_flags.ts reads it.
 */
export function envFlagSet(env: (name: string) => string | undefined, flag: string): boolean {
  return isTrueValue(env(envNameOf(flag)));
}

/** Commands that may connect to a cluster (and so run a kubeconfig credential plugin). */
export const CLUSTER_COMMANDS: readonly (readonly string[])[] = [
  ["pipelines", "deploy"],
  ["pipelines", "list"],
  ["pipelines", "status"],
  ["pipelines", "delete"],
  ["pipelines", "diff"],
  ["pipelines", "lock"],
  ["pipelines", "check"],
  ["pipelines", "run"],
  ["components", "list"],
  ["components", "upgrade-check"],
];

/**
 * Whether a command line may connect to a cluster. Errs towards `true`,
 * which only keeps the credential plugins' run permission.
 *
 * @example
 * ```ts
 * connectsToCluster(["components", "package", "tasks/"]); // false
 * connectsToCluster(["pipelines", "deploy", "p", "--dry-run"]); // true: reads helm:// Tasks
 * ```
 */
export function connectsToCluster(args: readonly string[]): boolean {
  return containsCommand(args, CLUSTER_COMMANDS);
}

/** Whether `args` hold the words of one of `commands`, in order. */
function containsCommand(
  args: readonly string[],
  commands: readonly (readonly string[])[],
): boolean {
  return commands.some((words) => {
    let from = 0;
    for (const word of words) {
      from = args.indexOf(word, from) + 1;
      if (from === 0) return false;
    }
    return true;
  });
}
