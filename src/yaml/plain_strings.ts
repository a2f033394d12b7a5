/**
 * Which strings may be written as plain YAML scalars. draconctl's YAML goes
 * to readers of two YAML versions: Go's (kubectl, helm, the API server's
 * sigs.k8s.io/yaml: YAML 1.1 rules, with Go's `strconv` number syntax) and
 * YAML 1.2 core-schema readers (ours, js-yaml). A string one of them reads as
 * a number, a boolean or null must be quoted, or it changes type on the way:
 * `yaml`'s 1.1 writer leaves `0o17` plain (no 1.1 integer), which a 1.2
 * reader and Go's `strconv.ParseInt` read as 15.
 *
 * @module
 */
import { type Document, parse, visit } from "yaml";

/** Strings that could read as something else: a leading digit, sign, dot or `~`, a keyword, or empty. */
const CANDIDATE =
  /^(?:$|[-+.0-9~]|(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL)$)/;

/** Go's `strconv.ParseInt(s, 0, 64)`, as yaml.v2/v3 call it after dropping every `_`. */
const GO_INT = /^[-+]?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|[0-9]+)$/;
/** yaml.v2/v3's `yamlStyleFloat`, the floats they hand to `strconv.ParseFloat`. */
const GO_FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;

/**
 * Whether every reader reads `text`, written as a plain scalar, back as this
 * same string (YAML 1.1 and 1.2 core schemas, and Go's number syntax).
 *
 * @example
 * readsAsPlainString("500m"); // true
 * readsAsPlainString("0o17"); // false: 15 for YAML 1.2 and Go
 */
export function readsAsPlainString(text: string): boolean {
  if (!CANDIDATE.test(text)) return true;
  const go = text.replaceAll("_", "");
  if (GO_INT.test(go) || GO_FLOAT.test(go)) return false;
  for (const version of ["1.1", "1.2"] as const) {
    try {
      if (parse(text, { version }) !== text) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/** Double-quotes every string scalar of `doc` (keys too) that some reader would not read back as that string. */
export function quoteAmbiguousStrings(doc: Document): void {
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value !== "string" || (node.type !== undefined && node.type !== "PLAIN")) {
        return;
      }
      if (!readsAsPlainString(node.value)) node.type = "QUOTE_DOUBLE";
    },
  });
}
