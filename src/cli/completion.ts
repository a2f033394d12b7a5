/**
 * `draconctl completion bash|zsh`: shell completion scripts generated from the
 * command tree, so they never drift from the real flags.
 *
 * @module
 */
import { Argument } from "@commander-js/extra-typings";
import type { Deps } from "../deps.ts";
import { allCommands, type AnyCommand, commandPath } from "./_command.ts";

/** Registers `completion <shell>`. */
export function registerCompletion(program: AnyCommand, deps: Deps): void {
  program.command("completion")
    .description("print a shell completion script")
    .addArgument(new Argument("<shell>", "shell to complete for").choices(["bash", "zsh"] as const))
    .addHelpText(
      "after",
      `\nExamples:\n  source <(draconctl completion bash)\n  draconctl completion zsh > "\${fpath[1]}/_draconctl"\n`,
    )
    .action(async (shell) => {
      await deps.stdout.write(completionScript(program, shell));
    });
}

/** The completion script for `shell`, listing every command and its flags. */
function completionScript(program: AnyCommand, shell: "bash" | "zsh"): string {
  const cases = allCommands(program).map((command) => {
    const words = [
      ...command.commands.map((c) => c.name()),
      ...command.options.flatMap((o) => [o.short, o.long].filter((f): f is string => !!f)),
      ...program.options.flatMap((o) => [o.short, o.long].filter((f): f is string => !!f)),
      "--help",
    ];
    return `    "${commandPath(command)}") words="${[...new Set(words)].join(" ")}" ;;`;
  }).join("\n");
  const body = `_draconctl_words() {
  local path="draconctl" w
  for w in "\${@}"; do
    case "$w" in -*) ;; *) case " $(_draconctl_sub "$path") " in *" $w "*) path="$path $w" ;; esac ;; esac
  done
  case "$path" in
${cases}
    *) words="" ;;
  esac
  echo "$words"
}
_draconctl_sub() {
  local words
  case "$1" in
${cases}
  esac
  echo "$words"
}
`;
  if (shell === "bash") {
    return `# bash completion for draconctl\n${body}_draconctl() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  COMPREPLY=( $(compgen -W "$(_draconctl_words "\${COMP_WORDS[@]:1:COMP_CWORD-1}")" -- "$cur") )
  [[ \${#COMPREPLY[@]} -eq 0 ]] && COMPREPLY=( $(compgen -f -- "$cur") )
}
complete -o filenames -F _draconctl draconctl
`;
  }
  return `#compdef draconctl\n# zsh completion for draconctl\n${body}_draconctl() {
  local -a candidates
  candidates=(\${=\$(_draconctl_words "\${(@)words[2,CURRENT-1]}")})
  _describe 'draconctl' candidates || _files
}
compdef _draconctl draconctl
`;
}
