/**
 * The command lines that only print the version, recognised before the
 * command tree loads: `main.ts` answers them without importing the CLI
 * library (commander and Deno's Node compatibility layer it brings, ~30 ms of
 * a ~50 ms start). The text is the one `draconctl --version` prints through
 * the tree; tests/cli/help_test.ts compares the two.
 *
 * @module
 */

/** The exact argument lists handled without the command tree. */
const VERSION_ONLY: readonly string[] = ["--version", "-V", "version"];

/**
 * Whether `args` is exactly one of `--version`, `-V` or `version`; any other
 * line (more arguments, a flag before it) goes through the command tree.
 *
 * @example
 * ```ts
 * isVersionOnly(["--version"]); // true
 * isVersionOnly(["-v", "--version"]); // false: the command tree decides
 * ```
 */
export function isVersionOnly(args: readonly string[]): boolean {
  return args.length === 1 && VERSION_ONLY.includes(args[0]!);
}
