/**
 * The one check of a parsed YAML value that every reader needs.
 *
 * @module
 */

/** Whether a parsed value is a YAML mapping (a plain object). */
export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
