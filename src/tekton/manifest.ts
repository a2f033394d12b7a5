/**
 * YAML in and out. Parsing keeps line and column for errors and refuses alias
 * bombs; printing is stable (sorted where order carries no meaning is the
 * caller's job) and YAML 1.1-compatible for Go tools.
 *
 * @module
 */
import { LineCounter, parseAllDocuments, stringify } from "yaml";
import { ManifestSyntaxError } from "../errors.ts";

/** A parsed YAML document with its 1-based start line. */
export interface ParsedDocument {
  value: unknown;
  line: number;
}

/**
 * Limits that keep hostile YAML cheap to refuse. `logLevel: "error"`: the
 * parser's warnings (e.g. a mapping used as a key) would go to stderr through
 * `process.emitWarning`, beside draconctl's own message about the same input.
 */
const PARSE_OPTIONS = {
  maxAliasCount: 100,
  uniqueKeys: true,
  prettyErrors: false,
  logLevel: "error",
} as const;

/**
 * Parses every document of a YAML stream. Empty documents (a lone `---`) are
 * dropped.
 *
 * @throws {ManifestSyntaxError} naming `file`, line and column
 */
export function parseYamlDocuments(text: string, file: string): ParsedDocument[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { ...PARSE_OPTIONS, lineCounter });
  if (!Array.isArray(docs)) return []; // an empty stream
  const result: ParsedDocument[] = [];
  for (const doc of docs) {
    const error = doc.errors[0];
    if (error) {
      const pos = lineCounter.linePos(error.pos[0]);
      throw new ManifestSyntaxError(file, pos.line, pos.col, firstLine(error.message));
    }
    if (doc.contents === null) continue;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: PARSE_OPTIONS.maxAliasCount });
    } catch (cause) {
      const pos = lineCounter.linePos(doc.contents.range?.[0] ?? 0);
      throw new ManifestSyntaxError(file, pos.line, pos.col, firstLine(String(cause)), { cause });
    }
    const line = lineCounter.linePos(doc.contents.range?.[0] ?? 0).line;
    result.push({ value, line });
  }
  return result;
}

/** Whether a parsed value is a YAML mapping (a plain object). */
export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Stringifies one object as YAML that Go's YAML libraries read identically. */
export function toYaml(value: unknown): string {
  return stringify(value, { version: "1.1", lineWidth: 0, aliasDuplicateObjects: false });
}

/** Stringifies objects as one multi-document stream, each document opened by `---`. */
export function toYamlStream(values: readonly unknown[]): string {
  return values.map((value) => `---\n${toYaml(value)}`).join("");
}

function firstLine(message: string): string {
  return message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "").trim();
}
