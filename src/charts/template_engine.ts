/**
 * Rendering a one-Task chart template in-process, as `helm template` would,
 * for exactly the subset of Go templates that the chart's escaping rule
 * keeps (`src/tekton/helm_expressions.ts`) and that draconctl's own
 * templates use: actions of one pipeline whose commands are `.Values`,
 * `.Chart` (`Name`, `Version`, `AppVersion`) and `.Release` (`Name`,
 * `Namespace`, `Service`) fields, string literals, and the functions
 * `default` and `quote`. Anything else — another function, a number,
 * parentheses, a trim marker, a value that is not a string — is
 * {@link UnsupportedTemplateError}, and the caller renders with helm.
 *
 * Like helm, it substitutes each action into the template *text* (a missing
 * value prints nothing, as helm's `<no value>` replacement), so parsing the
 * result as YAML gives what parsing helm's output gives. Proven identical to
 * helm v3 and v4 on every corpus and example Task and on generated
 * expressions (`tests/cluster/render_differential_test.ts`).
 *
 * @example
 * ```ts
 * const scope = {
 *   Values: { image: { registry: "" } },
 *   Chart: { Name: "c", Version: "0.1.0", AppVersion: "1.0" },
 *   Release: { Name: "r", Namespace: "dracon", Service: "Helm" },
 * };
 * renderTemplate(`image: '{{ default "ghcr.io/x" .Values.image.registry }}/y:{{ .Chart.AppVersion }}'`, scope);
 * // "image: 'ghcr.io/x/y:1.0'"
 * ```
 * @module
 */

/** The objects a template reads. */
export interface TemplateScope {
  Values: Record<string, unknown>;
  Chart: { Name: string; Version: string; AppVersion: string };
  Release: { Name: string; Namespace: string; Service: string };
}

/** A template holds something this engine does not render the way helm would. */
export class UnsupportedTemplateError extends Error {
  constructor(what: string) {
    super(`not rendered in-process: ${what}`);
    this.name = "UnsupportedTemplateError";
  }
}

const ACTION = /\{\{([\s\S]*?)\}\}/g;

/**
 * `text` with every action replaced by its value.
 *
 * @throws {UnsupportedTemplateError} for anything outside the subset
 */
export function renderTemplate(text: string, scope: TemplateScope): string {
  return text.replace(ACTION, (_, inner: string) => printed(evaluatePipeline(inner, scope)));
}

/** A value as text/template prints it; only strings (and nothing) are certain to match helm. */
function printed(value: unknown): string {
  if (value === undefined || value === null) return ""; // helm: "<no value>" → ""
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return String(value);
  throw new UnsupportedTemplateError(`printing a ${Array.isArray(value) ? "list" : typeof value}`);
}

type Token =
  | { kind: "string"; value: string }
  | { kind: "field"; path: string[] }
  | { kind: "name"; name: string }
  | { kind: "pipe" };

function tokenize(inner: string): Token[] {
  if (/^-\s|\s-$/.test(inner)) throw new UnsupportedTemplateError("a trim marker");
  const tokens: Token[] = [];
  const pattern =
    /\s+|"((?:[^"\\\n]|\\.)*)"|`([^`]*)`|(\$?\.[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)|([A-Za-z_]\w*)|(\|)|(\S)/gy;
  for (const m of inner.matchAll(pattern)) {
    if (m[1] !== undefined) {
      let value: string;
      try {
        value = JSON.parse(`"${m[1]}"`);
      } catch {
        throw new UnsupportedTemplateError("a string escape JSON does not share with Go");
      }
      if (/\\[xu0-7aUv]/.test(m[1])) {
        throw new UnsupportedTemplateError("a string escape JSON does not share with Go");
      }
      tokens.push({ kind: "string", value });
    } else if (m[2] !== undefined) tokens.push({ kind: "string", value: m[2] });
    else if (m[3] !== undefined) {
      tokens.push({ kind: "field", path: m[3].replace(/^\$?\./, "").split(".") });
    } else if (m[4] !== undefined) tokens.push({ kind: "name", name: m[4] });
    else if (m[5] !== undefined) tokens.push({ kind: "pipe" });
    else if (m[6] !== undefined) throw new UnsupportedTemplateError(`"${m[6]}"`);
  }
  return tokens;
}

function evaluatePipeline(inner: string, scope: TemplateScope): unknown {
  const tokens = tokenize(inner);
  const commands: Token[][] = [[]];
  for (const token of tokens) {
    if (token.kind === "pipe") commands.push([]);
    else commands.at(-1)!.push(token);
  }
  let piped: { value: unknown } | undefined;
  for (const command of commands) {
    if (command.length === 0) throw new UnsupportedTemplateError("an empty command");
    piped = { value: evaluateCommand(command, scope, piped) };
  }
  return piped?.value;
}

function evaluateCommand(
  command: Token[],
  scope: TemplateScope,
  piped: { value: unknown } | undefined,
): unknown {
  const [head, ...rest] = command as [Token, ...Token[]];
  if (head.kind !== "name") {
    if (rest.length > 0 || piped !== undefined) {
      throw new UnsupportedTemplateError("a value given arguments");
    }
    return operand(head, scope);
  }
  const args = rest.map((token) => operand(token, scope));
  if (piped !== undefined) args.push(piped.value);
  switch (head.name) {
    case "default": {
      if (args.length !== 2) throw new UnsupportedTemplateError("default without two arguments");
      return isEmpty(args[1]) ? args[0] : args[1];
    }
    case "quote":
      return args.filter((a) => a !== undefined && a !== null).map(goQuote).join(" ");
    default:
      throw new UnsupportedTemplateError(`the function "${head.name}"`);
  }
}

function operand(token: Token, scope: TemplateScope): unknown {
  if (token.kind === "string") return token.value;
  if (token.kind === "field") return lookup(token.path, scope);
  throw new UnsupportedTemplateError(
    `"${token.kind === "name" ? token.name : "|"}" as an argument`,
  );
}

const CHART_FIELDS = new Set(["Name", "Version", "AppVersion"]);
const RELEASE_FIELDS = new Set(["Name", "Namespace", "Service"]);

function lookup(path: string[], scope: TemplateScope): unknown {
  const [root, ...rest] = path;
  if (root === "Values") {
    let value: unknown = scope.Values;
    for (const key of rest) {
      if (value === undefined || value === null) return undefined;
      if (typeof value !== "object" || Array.isArray(value)) {
        throw new UnsupportedTemplateError("a field of a value that is not a map");
      }
      value = (value as Record<string, unknown>)[key];
    }
    return value;
  }
  const known = root === "Chart" ? CHART_FIELDS : root === "Release" ? RELEASE_FIELDS : undefined;
  if (known === undefined || rest.length !== 1 || !known.has(rest[0]!)) {
    throw new UnsupportedTemplateError(`the field .${path.join(".")}`);
  }
  return (scope[root as "Chart" | "Release"] as Record<string, string>)[rest[0]!];
}

/** sprig's `empty`: nil, "", false, 0, an empty list or map. */
function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === "" || value === false || value === 0) {
    return true;
  }
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === "object") return Object.keys(value).length === 0;
  return false;
}

/** Go's `%q` of a string, for the strings it writes as `"…"` unchanged. */
function goQuote(value: unknown): string {
  if (typeof value !== "string") throw new UnsupportedTemplateError("quote of a non-string");
  if (!/^[\x20-\x7e]*$/.test(value) || /["\\]/.test(value)) {
    throw new UnsupportedTemplateError("quote of a string Go would escape");
  }
  return `"${value}"`;
}
