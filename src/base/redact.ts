/**
 * Making URLs safe to print.
 *
 * @module
 */

/**
 * A URL safe to print: userinfo becomes `***@` and every query value `***`.
 * Works on unparsable input too, by text.
 *
 * @example
 * ```ts
 * redactUrl("https://u:p@example.com/t.yaml?token=abc"); // "https://***@example.com/t.yaml?token=***"
 * ```
 */
export function redactUrl(url: string | URL): string {
  return String(url)
    .replace(/^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)[^/?#]*@/, "$1***@")
    .replace(/([?&][^=&#]*=)[^&#]*/g, "$1***");
}
