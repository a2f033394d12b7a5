/**
 * The shell blocks of the README and `docs/*.md`, as the docs test runs them.
 *
 * Every fenced block whose language is `sh` carries one marker after it:
 *
 * - ` ```sh runnable` — run against a test environment of its own
 *   (`tests/cluster/docs_test.ts`);
 * - ` ```sh runnable offline` — run with no cluster, no kubeconfig and no
 *   `helm`/`kubectl` on `PATH`, as on a fresh machine;
 * - ` ```sh first-screen` — the README's first block: two commands, the main
 *   job (run as `offline`) and the test command (which is what runs the docs
 *   test, so it is checked, not run);
 * - ` ```sh no-run: <reason>` — shown, not run, with the reason in the marker.
 *
 * A ` ```text output` block right after a run block lists what that block
 * must print (stdout and stderr together): each of its lines is a whole
 * output line, `…` standing for any text, in that order.
 *
 * @example
 * ```ts
 * import { shellBlocks } from "./_docs.ts";
 * const blocks = shellBlocks("# t\n\n```sh runnable offline\necho hi\n```\n", "t.md");
 * console.log(blocks[0]?.mode); // "offline"
 * ```
 * @module
 */

/** How a shell block is treated by the docs test. */
export type BlockMode = "cluster" | "offline" | "first-screen" | "no-run";

/** One shell block of a Markdown file. */
export interface ShellBlock {
  /** `<file>:<line of the opening fence>`. */
  where: string;
  mode: BlockMode;
  /** The block's text, without the fences. */
  code: string;
  /** The reason of a `no-run` block. */
  reason?: string;
  /** The `text output` block that follows it, if any. */
  expected?: string;
}

/** Thrown for a shell block without a valid marker, naming it. */
export class DocsMarkerError extends Error {
  override name = "DocsMarkerError";
}

const FENCE = /^(`{3,}|~{3,})(.*)$/;

function modeOf(info: string, where: string): Pick<ShellBlock, "mode" | "reason"> {
  const rest = info.replace(/^sh\b/, "").trim();
  if (rest === "runnable") return { mode: "cluster" };
  if (rest === "runnable offline") return { mode: "offline" };
  if (rest === "first-screen") return { mode: "first-screen" };
  const noRun = /^no-run:\s*(\S.*)$/.exec(rest);
  if (noRun) return { mode: "no-run", reason: noRun[1]! };
  throw new DocsMarkerError(
    `${where}: shell block marked "${rest}": expected "runnable", "runnable offline", ` +
      `"first-screen" or "no-run: <reason>"`,
  );
}

/** The `sh` blocks of `markdown` (named `file` in errors), in order. */
export function shellBlocks(markdown: string, file: string): ShellBlock[] {
  const lines = markdown.split("\n");
  const blocks: ShellBlock[] = [];
  let last: ShellBlock | undefined; // the previous block, while only blank lines follow it
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (!open) {
      if (lines[i]!.trim() !== "") last = undefined;
      continue;
    }
    const fence = open[1]!;
    const info = open[2]!.trim();
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i]!.startsWith(fence); i++) body.push(lines[i]!);
    const code = body.join("\n");
    const where = `${file}:${start + 1}`;
    if (/^(sh|bash|shell|console)\b/.test(info) && !/^sh\b/.test(info)) {
      throw new DocsMarkerError(`${where}: write shell blocks as "sh" (found "${info}")`);
    }
    if (/^sh\b/.test(info)) {
      last = { where, code, ...modeOf(info, where) };
      blocks.push(last);
    } else if (info === "text output") {
      if (!last || last.mode === "no-run") {
        throw new DocsMarkerError(`${where}: a "text output" block must follow a run block`);
      }
      last.expected = code;
      last = undefined;
    } else last = undefined;
  }
  return blocks;
}

/** Whether `line` matches `pattern`, a whole line in which `…` stands for any text. */
function matchesLine(pattern: string, line: string): boolean {
  const pieces = pattern.split("…");
  if (pieces.length === 1) return line === pattern;
  if (!line.startsWith(pieces[0]!) || !line.endsWith(pieces.at(-1)!)) return false;
  let at = pieces[0]!.length;
  for (const piece of pieces.slice(1, -1)) {
    const index = line.indexOf(piece, at);
    if (index < 0) return false;
    at = index + piece.length;
  }
  return at <= line.length - pieces.at(-1)!.length;
}

/**
 * The lines of `expected` that `output` does not hold: each expected line is a
 * whole output line (trimmed, colours removed) in which `…` stands for any
 * text, and they appear in this order.
 */
export function missingOutput(expected: string, output: string): string[] {
  // deno-lint-ignore no-control-regex
  const lines = output.replace(/\x1b\[[0-9;]*m/g, "").split("\n").map((l) => l.trim());
  const missing: string[] = [];
  let from = 0;
  for (const pattern of expected.split("\n").map((l) => l.trim()).filter((l) => l !== "")) {
    const index = lines.findIndex((line, i) => i >= from && matchesLine(pattern, line));
    if (index < 0) missing.push(pattern);
    else from = index + 1;
  }
  return missing;
}

/** The Markdown files whose shell blocks are run: README.md and docs/*.md, sorted. */
export async function docFiles(root: string): Promise<string[]> {
  const files = ["README.md"];
  for await (const entry of Deno.readDir(`${root}/docs`)) {
    if (entry.isFile && entry.name.endsWith(".md")) files.push(`docs/${entry.name}`);
  }
  return files.sort();
}
