/**
 * The command lines that only print a command's help, answered before the
 * command tree loads, as `--version` is (`version_only.ts`): `main.ts` prints
 * the text the tree would print, from `help_texts.ts`, which
 * `deno task gen-help` (scripts/gen_help.ts) generates from the tree itself.
 * Commander, its npm resolution and Deno's Node layer are not loaded.
 * tests/cli/help_only_test.ts fails when a text is stale, for every command
 * and every spelling below.
 *
 * The spellings, `P` a command path (empty for the program), `G` one that
 * groups commands (the program, `pipelines`, `components`):
 *
 * | line               | prints the help of |
 * | ------------------ | ------------------ |
 * | `P --help`, `P -h` | `P`                |
 * | `G help`           | `G`                |
 * | `G help <name>`    | `G <name>`         |
 *
 * Any other line goes through the command tree: other flags or words, an
 * unknown command, `--`, `help` with two names (docs/startup.md). No environment variable
 * changes a help text (`DRACONCTL_<FLAG>` variables are read only before an
 * action runs, and commander's colour variables are overridden), so none
 * keeps a line off this path.
 *
 * @module
 */

/** The help flags of every command (commander's `-h, --help`). */
const HELP_FLAGS: readonly string[] = ["--help", "-h"];
/** The help command of every command that groups others. */
const HELP_COMMAND = "help";

/**
 * The command path (`""`, `"pipelines"`, `"pipelines deploy"`) whose help
 * `args` asks for and nothing else, given the paths of the tree; `undefined`
 * for any other line.
 *
 * @example
 * ```ts
 * const paths = ["", "pipelines", "pipelines deploy"];
 * helpPathOf(["pipelines", "deploy", "-h"], paths); // "pipelines deploy"
 * helpPathOf(["pipelines", "help", "deploy"], paths); // "pipelines deploy"
 * helpPathOf(["-v", "--help"], paths); // undefined: the command tree decides
 * ```
 */
export function helpPathOf(
  args: readonly string[],
  paths: readonly string[],
): string | undefined {
  // The path made of exactly these words (commander matches command names exactly).
  const known = (words: readonly string[]) =>
    paths.find((path) => {
      const names = path === "" ? [] : path.split(" ");
      return names.length === words.length && names.every((name, i) => name === words[i]);
    });
  const last = args.at(-1);
  if (last !== undefined && HELP_FLAGS.includes(last)) return known(args.slice(0, -1));
  const at = args.indexOf(HELP_COMMAND);
  if (at === -1 || at < args.length - 2) return undefined;
  const words = args.slice(0, at);
  const group = known(words);
  const prefix = group === "" ? "" : `${group} `;
  const groups = paths.some((path) => path !== group && path.startsWith(prefix));
  if (group === undefined || !groups) return undefined;
  return at === args.length - 1 ? group : known([...words, args[at + 1]!]);
}

/**
 * The help text `args` asks for and nothing else, as the command tree
 * prints it; `undefined` for any other line. The texts load only when the
 * line may be one (`--version` and a deploy never load them).
 */
export async function helpOnlyText(args: readonly string[]): Promise<string | undefined> {
  const mayBeHelp = HELP_FLAGS.includes(args.at(-1) ?? "") ||
    args.slice(-2).includes(HELP_COMMAND);
  if (!mayBeHelp) return undefined;
  const { HELP_TEXTS } = await import("./help_texts.ts");
  const path = helpPathOf(args, Object.keys(HELP_TEXTS));
  return path === undefined ? undefined : HELP_TEXTS[path];
}
