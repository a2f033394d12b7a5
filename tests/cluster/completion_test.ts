/**
 * `draconctl completion bash|zsh|fish|powershell` run in the real shells:
 * each script is sourced and asked to complete the same lines (commands,
 * flags, `-o` values, the `completion` argument, `--context` from the
 * kubeconfig through the test environment's kubectl, paths). Here rather than
 * in tests/e2e/ because it runs shells (cluster tests have --allow-run); it
 * needs no cluster. PowerShell is not installed here: its script is checked
 * for shape only.
 */
import assert from "node:assert/strict";
import { completionScript, type CompletionShell } from "../../src/cli/completion.ts";
import { createProgram } from "../../src/cli/program.ts";
import { allCommands, commandPath } from "../../src/cli/_command.ts";

const program = createProgram({} as never);

import { kubectlDir, onPath } from "./_kubectl_dir.ts";

/** A line to complete (the words before the cursor, then the word being typed) and what must come. */
const CASES: { words: string[]; expect: string[]; not?: string[] }[] = [
  { words: [""], expect: ["pipelines", "components", "completion", "version"] },
  { words: ["pipelines", "de"], expect: ["deploy", "delete"], not: ["diff"] },
  { words: ["pipelines", "deploy", "--kubec"], expect: ["--kubeconfig"] },
  { words: ["pipelines", "deploy", "--ss"], expect: [], not: ["--ssa"] },
  { words: ["pipelines", "deploy", "-o", ""], expect: ["text", "json", "yaml"], not: ["name"] },
  { words: ["pipelines", "list", "-o", ""], expect: ["text", "json", "yaml", "name"] },
  { words: ["-n", "dracon", "pipelines", "deploy", "--dry-run", ""], expect: ["client", "server"] },
  { words: ["pipelines", "deploy", "--load-restrictor", ""], expect: ["rootOnly", "none"] },
  { words: ["completion", ""], expect: ["bash", "zsh", "fish", "powershell"] },
  { words: ["--context", ""], expect: ["ctx-one", "ctx-two"] },
  { words: ["pipelines", "deploy", "kust"], expect: ["kustomization-dir"] },
];

async function run(shell: string, args: string[], env: Record<string, string>, cwd: string) {
  const out = await new Deno.Command(shell, { args, env, cwd, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

/** A scratch directory with the script, a kubeconfig with two contexts and a directory to complete. */
async function scratch(shell: CompletionShell) {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/kustomization-dir`);
  await Deno.writeTextFile(`${dir}/script`, completionScript(program, shell));
  await Deno.writeTextFile(
    `${dir}/kubeconfig`,
    `apiVersion: v1
kind: Config
contexts:
- {name: ctx-one, context: {cluster: c, user: u}}
- {name: ctx-two, context: {cluster: c, user: u}}
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {}}]
`,
  );
  const env = {
    PATH: `${kubectlDir()}:${Deno.env.get("PATH")}`,
    KUBECONFIG: `${dir}/kubeconfig`,
    HOME: dir,
  };
  return { dir, env };
}

/** The shell code that prints the candidates for `words`, one per line. */
const DRIVERS: Record<"bash" | "zsh" | "fish", (words: string[]) => string> = {
  bash: (words) =>
    `source ./script
COMP_WORDS=(draconctl ${words.map(quote).join(" ")}); COMP_CWORD=${words.length}
_draconctl; printf '%s\\n' "\${COMPREPLY[@]}"`,
  // compadd and _files are zsh's completion builtins, only callable inside a completion
  // widget: stand-ins print what the script hands them that matches the word, as they would.
  zsh: (words) =>
    `compdef() { :; }
compadd() { [[ $1 == -- ]] && shift; local w; for w in "$@"; do [[ $w == \${words[CURRENT]}* ]] && print -r -- $w; done; true; }
_files() { print -l -- \${words[CURRENT]}*(N\${1:+/}); }
source ./script
words=(draconctl ${words.map(quote).join(" ")}); CURRENT=${words.length + 1}
_draconctl`,
  fish: (words) => `source ./script; complete -C ${quote(["draconctl", ...words].join(" "))}`,
};

function quote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

for (const shell of ["bash", "zsh", "fish"] as const) {
  Deno.test({
    name: `completion ${shell}: the script completes commands, flags and their values in ${shell}` +
      (onPath(shell) ? "" : ` (skipped: ${shell} is not installed)`),
    ignore: !onPath(shell),
    fn: async () => {
      const { dir, env } = await scratch(shell);
      try {
        const syntax = await run(shell, ["-n", "./script"], env, dir);
        assert.equal(syntax.code, 0, syntax.stderr);
        for (const c of CASES) {
          const result = await run(shell, ["-c", DRIVERS[shell](c.words)], env, dir);
          assert.equal(result.code, 0, `${c.words.join(" ")}: ${result.stderr}`);
          // fish prints "candidate<TAB>description"; paths may come as "dir/" or "./dir".
          const got = result.stdout.split("\n").map((l) =>
            l.split("\t")[0]!.replace(/^\.\/|\/$/g, "")
          )
            .filter((l) => l !== "");
          for (const want of c.expect) {
            assert.ok(got.includes(want), `${c.words.join(" ")}: expected ${want} in ${got}`);
          }
          for (const unwanted of c.not ?? []) {
            assert.ok(!got.includes(unwanted), `${c.words.join(" ")}: ${unwanted} in ${got}`);
          }
        }
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}

Deno.test("completion powershell: one completer holding every command, its flags and values", () => {
  const script = completionScript(program, "powershell");
  assert.match(script, /^# PowerShell completion/);
  assert.match(script, /Register-ArgumentCompleter -Native -CommandName draconctl -ScriptBlock \{/);
  const opened = [...script].filter((c) => c === "{").length;
  assert.equal(opened, [...script].filter((c) => c === "}").length, "balanced braces");
  for (const command of allCommands(program)) {
    assert.ok(script.includes(`'${commandPath(command)}' = `), commandPath(command));
  }
  assert.ok(script.includes("'draconctl pipelines deploy|-o' = 'choices text json yaml'"));
  assert.ok(script.includes("'draconctl completion' = 'choices bash zsh fish powershell'"));
  assert.ok(script.includes("'draconctl pipelines deploy|--context' = 'contexts'"));
});
