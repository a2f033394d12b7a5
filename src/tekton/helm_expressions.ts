/**
 * Which `{{ … }}` in a Task's text is a Helm expression that the chart keeps,
 * and which is text that must reach the cluster as it is written.
 *
 * **The rule.** An action `{{ … }}` on one line is *kept* (Helm evaluates it)
 * when it reads at least one of `.Values`, `.Chart` or `.Release` (optionally
 * `$.`-rooted) and otherwise holds only function names, string and number
 * literals, `|` and parentheses. Everything else is *text*: actions reading
 * other fields (`{{ .Name }}` in a Go template, `{{ .foo }}` in jq), bare
 * `{{ . }}`, variables (`$x`), control keywords (`if`, `range`, `end`, …),
 * comments, trim markers (`{{-`, `-}}`), and any lone `{{`. In text, every
 * `{{` is written as `{{ "{{" }}`, which Helm renders back to `{{`; a lone
 * `}}` needs no escape, as Go templates only start actions at `{{`.
 *
 * @example
 * ```ts
 * import { splitHelmText } from "./helm_expressions.ts";
 * splitHelmText('{{ default "ghcr.io/ocurity/dracon" .Values.image.registry }}/x:{{ .Chart.AppVersion }}');
 * // [{ kind: "expression", … }, { kind: "text", text: "/x:" }, { kind: "expression", … }]
 * splitHelmText("echo '{{ .Name }}'"); // one text piece: left for Tekton, escaped in the chart
 * ```
 *
 * @module
 */

/** A piece of a string: literal text, or a Helm expression the chart keeps. */
export type HelmTextPiece =
  | { kind: "text"; text: string }
  | {
    kind: "expression";
    /** The action as written, braces included. */
    text: string;
    /** The `.Values` paths it reads, e.g. `["image", "registry"]`. */
    values: string[][];
  };

/** The roots a kept expression may read. */
export const HELM_ROOTS = ["Values", "Chart", "Release"] as const;

const ACTION = /\{\{([^\n]*?)\}\}/g;
const KEYWORDS = new Set([
  "if",
  "else",
  "end",
  "range",
  "with",
  "define",
  "template",
  "block",
  "break",
  "continue",
  "nil",
]);
/** Tokens of an action once its string literals are removed. */
const TOKEN =
  /\s+|\$?\.[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*|[A-Za-z_]\w*|-?\d+(?:\.\d+)?|[|()]|\$\w*|\S/g;

/** Splits a string into text and kept Helm expressions (see the module doc for the rule). */
export function splitHelmText(value: string): HelmTextPiece[] {
  const pieces: HelmTextPiece[] = [];
  let last = 0;
  for (const match of value.matchAll(ACTION)) {
    const values = keptValuesPaths(match[1]!);
    if (values === undefined) continue;
    if (match.index > last) pieces.push({ kind: "text", text: value.slice(last, match.index) });
    pieces.push({ kind: "expression", text: match[0], values });
    last = match.index + match[0].length;
  }
  if (last < value.length || pieces.length === 0) {
    pieces.push({ kind: "text", text: value.slice(last) });
  }
  return mergeText(pieces);
}

/** Whether a string holds a kept Helm expression. */
export function hasHelmExpression(value: string): boolean {
  // Every action starts with "{{" (ACTION): most strings of a Task hold none.
  if (!value.includes("{{")) return false;
  return splitHelmText(value).some((piece) => piece.kind === "expression");
}

/** Text made safe for a Helm template: every `{{` becomes `{{ "{{" }}`. */
export function escapeHelmText(text: string): string {
  return text.replaceAll("{{", '{{ "{{" }}');
}

/**
 * The `.Values` paths an action reads when it is a kept expression, or
 * `undefined` when the action is text.
 */
function keptValuesPaths(inner: string): string[][] | undefined {
  if (/^-\s|\s-$/.test(inner) || /^\s*\/\*/.test(inner)) return undefined; // trim markers, comments
  const code = withoutStrings(inner);
  if (code === undefined) return undefined;
  const values: string[][] = [];
  let roots = 0;
  for (const [token] of code.matchAll(TOKEN)) {
    if (/^\s+$|^[|()]$|^-?\d/.test(token)) continue;
    if (/^[A-Za-z_]/.test(token)) {
      if (KEYWORDS.has(token)) return undefined;
      continue;
    }
    const reference = /^\$?\.(\w+)((?:\.\w+)*)$/.exec(token);
    if (!reference || !(HELM_ROOTS as readonly string[]).includes(reference[1]!)) return undefined;
    roots++;
    if (reference[1] === "Values") values.push(reference[2]!.split(".").slice(1));
  }
  return roots > 0 ? values : undefined;
}

/** The action with its string literals blanked, or `undefined` if one is unterminated. */
function withoutStrings(inner: string): string | undefined {
  const blanked = inner.replace(/"(?:[^"\\]|\\.)*"|`[^`]*`/g, " ");
  return /["'`]/.test(blanked) ? undefined : blanked;
}

function mergeText(pieces: HelmTextPiece[]): HelmTextPiece[] {
  const merged: HelmTextPiece[] = [];
  for (const piece of pieces) {
    const previous = merged.at(-1);
    if (piece.kind === "text" && previous?.kind === "text") previous.text += piece.text;
    else merged.push(piece);
  }
  return merged;
}
