/**
 * Tekton's variable references (`$(params.name)`, `$(params["name"])`,
 * `$(results.name.path)`, …), read as `pkg/substitution/substitution.go` of
 * tektoncd/pipeline v1.15.0 reads them.
 *
 * @module
 */

/** One reference to a variable under a prefix. */
export interface Reference {
  /** The variable's name, without an array index (`x` of `$(params.x[0])`). */
  name: string;
  /** The whole expression, `$(params.x[0])`. */
  text: string;
  /** Whether it names a whole array (`[*]`). */
  star: boolean;
  /** Whether it indexes an element (`[0]`). */
  indexed: boolean;
  /** Dot notation with more than two components after the prefix (Tekton refuses it). */
  tooDeep: boolean;
  /** No key after the name (`$(params.o)`, `$(params.o[*])`, not `$(params.o.key)`). */
  whole: boolean;
}

/** `braceMatchingRegex` with `parameterSubstitution` (`.*?(\[\*\])?`), for one prefix. */
function pattern(prefix: string): RegExp {
  const sub = String.raw`.*?(?:\[\*\])?`;
  return new RegExp(
    String.raw`\$\(${prefix}(?:\.(${sub})|\["(${sub})"\]|\['(${sub})'\])\)`,
    "g",
  );
}

const PATTERNS = new Map<string, RegExp>();

/**
 * Every reference under `prefix` (a regex source, such as `params` or
 * `context\\.task`) in `value`, as Tekton's `ExtractVariablesFromString`
 * finds them: dot notation keeps the first component of up to two.
 */
export function referencesIn(value: string, prefix: string): Reference[] {
  if (!value.includes("$(")) return [];
  let re = PATTERNS.get(prefix);
  if (re === undefined) PATTERNS.set(prefix, re = pattern(prefix));
  const found: Reference[] = [];
  for (const match of value.matchAll(re)) {
    const dotted = match[1];
    let raw = dotted ?? match[2] ?? match[3] ?? "";
    let tooDeep = false;
    const whole = dotted === undefined || !dotted.includes(".");
    if (dotted !== undefined && dotted.includes(".")) {
      tooDeep = dotted.split(".").length > 2;
      raw = dotted.slice(0, dotted.indexOf("."));
    }
    const star = raw.endsWith("[*]");
    const indexed = /\[\d*\]$/.test(raw);
    const name = raw.replace(/\[\d*\*?\]/g, "");
    found.push({ name, text: match[0], star, indexed, tooDeep, whole });
  }
  return found;
}
