/**
 * `draconctl completion bash|zsh|fish|powershell`: shell completion scripts
 * generated from the command tree, so they never drift from the real flags.
 * They complete commands, flags, flag values (choices such as `-o` formats,
 * `--context` from `kubectl config get-contexts` when kubectl is installed,
 * files and directories for path values), the `completion` argument, and
 * files for path arguments. They complete the command `draconctl`: a binary,
 * or `bin/draconctl` (which runs a checkout with `deno run`) on PATH.
 *
 * @module
 */
import { Argument, type Option } from "@commander-js/extra-typings";
import type { Deps } from "../deps.ts";
import { allCommands, type AnyCommand, commandPath } from "./_command.ts";

/** The shells a script can be printed for. */
export const COMPLETION_SHELLS = ["bash", "zsh", "fish", "powershell"] as const;
/** One of {@link COMPLETION_SHELLS}. */
export type CompletionShell = typeof COMPLETION_SHELLS[number];

/** Registers `completion <shell>`. */
export function registerCompletion(program: AnyCommand, deps: Deps): void {
  program.command("completion")
    .description("print a shell completion script")
    .addArgument(new Argument("<shell>", "shell to complete for").choices(COMPLETION_SHELLS))
    .addHelpText(
      "after",
      `
The scripts complete the command "draconctl": the binary, or bin/draconctl of
a checkout on PATH (it runs main.ts with the shipped permissions).

Examples:
  source <(draconctl completion bash)
  draconctl completion zsh > "\${fpath[1]}/_draconctl"
  draconctl completion fish > ~/.config/fish/completions/draconctl.fish
  draconctl completion powershell | Out-String | Invoke-Expression
`,
    )
    .action(async (shell) => {
      await deps.stdout.write(completionScript(program, shell));
    });
}

/**
 * What completes a value: a fixed list, the kubeconfig's contexts, paths,
 * or nothing (free text).
 */
type ValueKind = `choices ${string}` | "contexts" | "files" | "dirs" | "free";

/** The completion table of a command tree: one row per command. */
interface CommandRow {
  path: string;
  subcommands: string[];
  flags: string[];
  /** Flags taking a value, by spelling, and what completes it. */
  values: [string, ValueKind][];
  /** What completes the command's positional arguments; `undefined`: nothing. */
  argument: ValueKind | undefined;
}

/** The completion table of `program`. */
export function completionTable(program: AnyCommand): CommandRow[] {
  const globals = program.options as readonly Option[];
  return allCommands(program).map((command) => {
    const options = [...command.options as readonly Option[]];
    if (command !== program) options.push(...globals);
    const flags = [...new Set([...options.flatMap(spellings), "--help"])];
    const values = options.flatMap((option) => {
      const kind = valueKind(option);
      return kind === undefined ? [] : spellings(option).map((f): [string, ValueKind] => [f, kind]);
    });
    return {
      path: commandPath(command),
      subcommands: command.commands.map((c) => c.name()),
      flags,
      values: dedupe(values),
      argument: argumentKind(command),
    };
  });
}

function spellings(option: Option): string[] {
  return [option.short, option.long].filter((f): f is string => f !== undefined);
}

/** A command's own flag wins over a global one of the same spelling (`-n` stays first). */
function dedupe(values: [string, ValueKind][]): [string, ValueKind][] {
  const seen = new Set<string>();
  return values.filter(([flag]) => !seen.has(flag) && seen.add(flag) !== undefined);
}

/** What completes an option's value; `undefined` for a flag without one. */
function valueKind(option: Option): ValueKind | undefined {
  if (!option.required && !option.optional) return undefined;
  if (option.argChoices !== undefined) return `choices ${option.argChoices.join(" ")}`;
  if (option.long === "--context") return "contexts";
  // Parsed by hand (kustomize's spellings are accepted too): its documented values.
  if (option.long === "--load-restrictor") return "choices rootOnly none";
  const name = /<([^>]+)>|\[([^\]]+)\]/.exec(option.flags);
  const value = name?.[1] ?? name?.[2] ?? "";
  if (value === "dir") return "dirs";
  if (["path", "file"].includes(value)) return "files";
  return "free";
}

/** What completes a command's first argument: its choices, or paths. */
function argumentKind(command: AnyCommand): ValueKind | undefined {
  const argument = command.registeredArguments[0];
  if (argument === undefined) return undefined;
  if (argument.argChoices !== undefined) return `choices ${argument.argChoices.join(" ")}`;
  return "files";
}

/** The completion script for `shell`. */
export function completionScript(program: AnyCommand, shell: CompletionShell): string {
  const table = completionTable(program);
  if (shell === "powershell") return powershellScript(table);
  if (shell === "fish") return fishScript(table);
  return shell === "bash" ? bashScript(table) : zshScript(table);
}

/** `<path>|<flag>` and what completes that flag's value, for every command and flag. */
function valueRows(table: CommandRow[]): [string, string][] {
  return table.flatMap((row) =>
    row.values.map(([flag, kind]): [string, string] => [`${row.path}|${flag}`, kind])
  );
}

/** The command paths with a positional argument, and what completes it. */
function argumentRows(table: CommandRow[]): [string, string][] {
  return table.flatMap((r) => r.argument === undefined ? [] : [[r.path, r.argument]]);
}

/** The data functions bash and zsh share (POSIX `case`). */
function shData(table: CommandRow[]): string {
  const fn = (name: string, key: string, cases: [string, string][]) =>
    `${name}() {\n  case "${key}" in\n${
      cases.map(([k, v]) => `    ${shQuote(k)}) echo ${shQuote(v)} ;;`).join("\n")
    }\n  esac\n}\n`;
  return [
    fn("_draconctl_subs", "$1", table.map((r) => [r.path, r.subcommands.join(" ")])),
    fn("_draconctl_flags", "$1", table.map((r) => [r.path, r.flags.join(" ")])),
    fn("_draconctl_value", "$1|$2", valueRows(table)),
    fn("_draconctl_arg", "$1", argumentRows(table)),
    `# The command a line names: "draconctl" and each known subcommand word after it.
_draconctl_path() {
  local p="draconctl" w
  for w in "$@"; do
    case "$w" in -*) ;; *) case " $(_draconctl_subs "$p") " in *" $w "*) p="$p $w" ;; esac ;; esac
  done
  echo "$p"
}
# What completes the word after \`prev\` on the command \`p\`: a value kind, or "words <list>".
_draconctl_kind() {
  local p="$1" prev="$2" cur="$3" kind="" subs
  case "$prev" in -*=*) ;; -*) kind="$(_draconctl_value "$p" "$prev")" ;; esac
  if [ -z "$kind" ]; then
    case "$cur" in
      -*) kind="choices $(_draconctl_flags "$p")" ;;
      *)
        subs="$(_draconctl_subs "$p")"
        if [ -n "$subs" ]; then kind="choices $subs"; else kind="$(_draconctl_arg "$p")"; fi
        ;;
    esac
  fi
  echo "$kind"
}
`,
  ].join("");
}

function bashScript(table: CommandRow[]): string {
  return `# bash completion for draconctl (draconctl completion bash)
${shData(table)}_draconctl() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="" p kind
  [ "$COMP_CWORD" -gt 1 ] && prev="\${COMP_WORDS[COMP_CWORD-1]}"
  p="$(_draconctl_path "\${COMP_WORDS[@]:1:COMP_CWORD-1}")"
  kind="$(_draconctl_kind "$p" "$prev" "$cur")"
  case "$kind" in
    "choices "*) COMPREPLY=( $(compgen -W "\${kind#choices }" -- "$cur") ) ;;
    contexts) COMPREPLY=( $(compgen -W "$(kubectl config get-contexts -o name 2>/dev/null)" -- "$cur") ) ;;
    dirs) COMPREPLY=( $(compgen -d -- "$cur") ) ;;
    files) COMPREPLY=( $(compgen -f -- "$cur") ) ;;
    *) COMPREPLY=() ;;
  esac
}
complete -o filenames -o bashdefault -F _draconctl draconctl
`;
}

function zshScript(table: CommandRow[]): string {
  return `#compdef draconctl
# zsh completion for draconctl (draconctl completion zsh)
${shData(table)}_draconctl() {
  local cur="\${words[CURRENT]}" prev="" p kind
  (( CURRENT > 2 )) && prev="\${words[CURRENT-1]}"
  p="$(_draconctl_path "\${(@)words[2,CURRENT-1]}")"
  kind="$(_draconctl_kind "$p" "$prev" "$cur")"
  case "$kind" in
    "choices "*) compadd -- \${=kind#choices } ;;
    contexts) compadd -- \${(f)"$(kubectl config get-contexts -o name 2>/dev/null)"} ;;
    dirs) _files -/ ;;
    files) _files ;;
  esac
}
if [ "$funcstack[1]" = "_draconctl" ]; then
  _draconctl "$@"
else
  compdef _draconctl draconctl
fi
`;
}

function fishScript(table: CommandRow[]): string {
  const fn = (name: string, key: string, cases: [string, string][]) =>
    `function ${name}\n    switch ${key}\n${
      cases.map(([k, v]) => `        case ${fishQuote(k)}\n            echo ${fishQuote(v)}`).join(
        "\n",
      )
    }\n    end\nend\n`;
  return `# fish completion for draconctl (draconctl completion fish)
${fn("__draconctl_subs", '"$argv[1]"', table.map((r) => [r.path, r.subcommands.join(" ")]))}${
    fn("__draconctl_flags", '"$argv[1]"', table.map((r) => [r.path, r.flags.join(" ")]))
  }${fn("__draconctl_value", '"$argv[1]|$argv[2]"', valueRows(table))}${
    fn("__draconctl_arg", '"$argv[1]"', argumentRows(table))
  }function __draconctl_complete
    set -l words (commandline -opc)
    set -e words[1]
    set -l cur (commandline -ct)
    set -l p draconctl
    for w in $words
        if not string match -q -- '-*' $w
            if contains -- $w (string split ' ' -- (__draconctl_subs "$p"))
                set p "$p $w"
            end
        end
    end
    set -l kind ''
    if test (count $words) -gt 0; and string match -q -- '-*' $words[-1]; and not string match -q -- '*=*' $words[-1]
        set kind (__draconctl_value "$p" $words[-1])
    end
    if test -z "$kind"
        if string match -q -- '-*' "$cur"
            set kind "choices "(__draconctl_flags "$p")
        else
            set -l subs (__draconctl_subs "$p")
            if test -n "$subs"
                set kind "choices $subs"
            else
                set kind (__draconctl_arg "$p")
            end
        end
    end
    switch "$kind"
        case 'choices *'
            string split ' ' -- (string replace 'choices ' '' -- $kind)
        case contexts
            kubectl config get-contexts -o name 2>/dev/null
        case dirs
            __fish_complete_directories "$cur"
        case files
            __fish_complete_path "$cur"
    end
end
complete -c draconctl -f -a '(__draconctl_complete)'
`;
}

function powershellScript(table: CommandRow[]): string {
  const hash = (entries: [string, string][]) =>
    `@{\n${entries.map(([k, v]) => `    ${psQuote(k)} = ${psQuote(v)}`).join("\n")}\n  }`;
  return `# PowerShell completion for draconctl (draconctl completion powershell)
Register-ArgumentCompleter -Native -CommandName draconctl -ScriptBlock {
  param($wordToComplete, $commandAst, $cursorPosition)
  $subs = ${hash(table.map((r) => [r.path, r.subcommands.join(" ")]))}
  $flags = ${hash(table.map((r) => [r.path, r.flags.join(" ")]))}
  $values = ${hash(valueRows(table))}
  $arguments = ${hash(argumentRows(table))}
  $words = @($commandAst.CommandElements |
    Where-Object { $_.Extent.EndOffset -lt $cursorPosition } |
    ForEach-Object { $_.ToString() } | Select-Object -Skip 1)
  $path = 'draconctl'
  foreach ($w in $words) {
    if (-not $w.StartsWith('-') -and (' ' + $subs[$path] + ' ').Contains(" $w ")) { $path = "$path $w" }
  }
  $kind = ''
  if ($words.Count -gt 0 -and $words[-1].StartsWith('-') -and -not $words[-1].Contains('=')) {
    $kind = $values["$path|$($words[-1])"]
  }
  if (-not $kind) {
    if ($wordToComplete.StartsWith('-')) { $kind = 'choices ' + $flags[$path] }
    elseif ($subs[$path]) { $kind = 'choices ' + $subs[$path] }
    else { $kind = $arguments[$path] }
  }
  if ($kind -eq 'files' -or $kind -eq 'dirs') {
    [System.Management.Automation.CompletionCompleters]::CompleteFilename($wordToComplete)
    return
  }
  $candidates = @()
  if ($kind -like 'choices *') { $candidates = $kind.Substring(8).Split(' ') }
  elseif ($kind -eq 'contexts') { $candidates = @(kubectl config get-contexts -o name 2>$null) }
  $candidates | Where-Object { $_ -and $_ -like "$wordToComplete*" } | ForEach-Object {
    [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
  }
}
`;
}

/** A word for POSIX shells: single-quoted. */
function shQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** A word for fish: single-quoted (`\\` and `'` escaped). */
function fishQuote(text: string): string {
  return `'${text.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}

/** A PowerShell single-quoted string. */
function psQuote(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
