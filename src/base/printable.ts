/**
 * Text from a kubeconfig made safe to print: control characters (terminal
 * escapes, BEL, newlines) become `U+00XX`, as client-go cleans an
 * `installHint`, and long values are cut.
 *
 * @module
 */

// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** `text` with control characters shown as `U+00XX`, at most `max` characters. */
export function printable(text: string, max = 200): string {
  const clean = text.replace(
    CONTROL,
    (c) => `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`,
  );
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}
