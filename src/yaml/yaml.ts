/**
 * YAML in and out.
 *
 * Reading takes two parsers. `js-yaml` (YAML 1.2 core schema, strict: it
 * passes the YAML test suite) reads first: one ES module, a few times faster
 * to load and to parse than `yaml`, which matters on the deploy path where
 * every Task file, the kustomization and the kubeconfig are read on each run.
 * Text it refuses goes to `yaml`, loaded only then, which also reads what Go's
 * YAML libraries (and so kubectl) accept beyond the spec, such as a flow
 * sequence closed at its key's indentation (six Dracon consumer Tasks), and
 * words every error (file, line, column). A document both accept reads the
 * same in both: the two implement the same spec and schema. Both refuse
 * duplicate keys; whichever parser read the text, aliases that would expand
 * a document beyond {@link MAX_EXPANDED_NODES} nodes, or loop, are refused.
 *
 * Only the core schema's tags are read (`!!str`, `!!int`, `!!float`,
 * `!!bool`, `!!null`, `!!map`, `!!seq`, and the non-specific `!`): any other
 * (`!!binary`, `!!set`, `!!omap`, `!!pairs`, `!!timestamp`, `!custom`, a
 * `%TAG` prefix) is refused by both parsers, naming the file, line and tag.
 * Merge keys (`<<: *anchor`, `<<: [*a, *b]`) are resolved as kubectl
 * resolves them, and refused where kubectl and the YAML spec disagree (see
 * `_schema.ts`); text only the lenient parser reads may not hold them.
 *
 * Writing uses `yaml` (YAML 1.1-compatible output that Go tools read
 * identically), loaded on first use: a deploy that prints no YAML never pays
 * for its CommonJS build.
 *
 * @module
 */
import {
  constructFromEvents,
  CORE_SCHEMA,
  type Event,
  EVENT_ID,
  getScalarValue,
  mergeTag,
  parseEvents,
  YAMLException,
} from "js-yaml";
import { ManifestSyntaxError } from "../errors.ts";
import { checkMergeKeys, isCoreTag, TAG_HINT, tagReason } from "./_schema.ts";

/** A parsed YAML document with its 1-based start line. */
export interface ParsedDocument {
  value: unknown;
  line: number;
}

/** Most alias nodes (`*name`) one document may hold. */
export const MAX_ALIASES = 100;
/** Most nodes a document may hold once every alias is expanded; more is an alias bomb. */
export const MAX_EXPANDED_NODES = 100_000;

/**
 * Parses every document of a YAML stream: strictly first, then, for text the
 * strict parser refuses, as Go's YAML libraries would (see the module doc).
 * Empty documents (a lone `---`) are dropped.
 *
 * @throws {ManifestSyntaxError} naming `file`, line and column
 */
export async function parseYamlDocuments(text: string, file: string): Promise<ParsedDocument[]> {
  let documents: ParsedDocument[];
  try {
    documents = strictDocuments(text, file);
  } catch (error) {
    if (!(error instanceof LenientFallback)) throw error;
    documents = await lenientDocuments(text, file);
  }
  return checkAliases(documents, file);
}

/**
 * Parses every document of a YAML stream with the strict parser only, for
 * callers that must stay synchronous (the kubeconfig). Empty documents are
 * dropped.
 *
 * @throws {ManifestSyntaxError} naming `file`, line and column
 */
export function parseStrictYamlDocuments(text: string, file: string): ParsedDocument[] {
  return checkAliases(strictDocuments(text, file), file);
}

function strictDocuments(text: string, file: string): ParsedDocument[] {
  let events: Event[];
  let values: unknown[];
  try {
    events = parseEvents(text, { filename: file });
  } catch (error) {
    throw syntaxErrorOf(error, file, LenientFallback);
  }
  // Only when the text holds a "<<": the check walks the events once more.
  const conflict = text.includes("<<") ? checkMergeKeys(events, text) : undefined;
  if (conflict !== undefined) {
    const { line, column } = positionOf(text, conflict.offset);
    throw new ManifestSyntaxError(file, line, column, conflict.reason);
  }
  try {
    values = constructFromEvents(events, {
      source: text,
      schema: STRICT_SCHEMA,
      maxAliases: MAX_ALIASES,
    });
  } catch (error) {
    throw syntaxErrorOf(error, file, ManifestSyntaxError);
  }
  const roots = documentRoots(events);
  const result: ParsedDocument[] = [];
  values.forEach((value, i) => {
    const root = roots[i];
    if (root === undefined) return; // an empty document
    result.push({ value, line: positionOf(text, root).line });
  });
  return result;
}

/** The core schema with merge keys, which kubectl resolves (see `_schema.ts`). */
const STRICT_SCHEMA = CORE_SCHEMA.withTags(mergeTag);

/** A syntax error of the strict parser: the lenient parser may still read the text. */
class LenientFallback extends ManifestSyntaxError {}

/**
 * A js-yaml error as a {@link ManifestSyntaxError}; an unknown tag is always
 * final (the lenient parser would read it), other errors are of class `as`.
 */
function syntaxErrorOf(
  error: unknown,
  file: string,
  as: typeof ManifestSyntaxError,
): ManifestSyntaxError {
  if (!(error instanceof YAMLException)) throw error;
  const line = (error.mark?.line ?? 0) + 1;
  const column = (error.mark?.column ?? 0) + 1;
  const tag = /^unknown (?:scalar |sequence |mapping )?tag !<(.*)>$/.exec(error.reason)?.[1];
  if (tag !== undefined) return new TagError(file, line, column, tag, { cause: error });
  const reason = error.reason.startsWith("cannot merge mappings")
    ? 'a merge key "<<" needs a mapping, an alias of one or a list of them'
    : error.reason;
  return new as(file, line, column, reason, { cause: error });
}

/** A tag outside the core schema; carries {@link TAG_HINT}. */
class TagError extends ManifestSyntaxError {
  override readonly hint = TAG_HINT;
  constructor(file: string, line: number, column: number, tag: string, options?: ErrorOptions) {
    super(file, line, column, tagReason(tag), options);
  }
}

/**
 * Limits that keep hostile YAML cheap to refuse. `logLevel: "error"`: the
 * parser's warnings (e.g. a mapping used as a key) would go to stderr through
 * `process.emitWarning`, beside draconctl's own message about the same input.
 */
const LENIENT_OPTIONS = {
  maxAliasCount: MAX_ALIASES,
  uniqueKeys: true,
  // `!!binary`, `!!set`, … stay unresolved, so the check below sees them as tags.
  resolveKnownTags: false,
  prettyErrors: false,
  logLevel: "error",
} as const;

async function lenientDocuments(text: string, file: string): Promise<ParsedDocument[]> {
  const { LineCounter, parseAllDocuments } = await import("yaml");
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { ...LENIENT_OPTIONS, lineCounter });
  if (!Array.isArray(docs)) return []; // an empty stream
  const result: ParsedDocument[] = [];
  for (const doc of docs) {
    const error = doc.errors[0];
    if (error) {
      const pos = lineCounter.linePos(error.pos[0]);
      throw new ManifestSyntaxError(file, pos.line, pos.col, firstLine(error.message));
    }
    const range = doc.contents?.range;
    if (!range || range[0] === range[1]) continue; // an empty document
    const refused = await refusedNode(doc);
    if (refused !== undefined) {
      const pos = lineCounter.linePos(refused.offset);
      const Refusal = refused.tag === undefined ? ManifestSyntaxError : TagError;
      throw new Refusal(file, pos.line, pos.col, refused.tag ?? refused.reason);
    }
    // A core tag on a value it does not fit (`!!int x`): the strict parser refuses it too.
    const unfit = doc.warnings.find((w) => w.code === "TAG_RESOLVE_FAILED");
    if (unfit) {
      const pos = lineCounter.linePos(unfit.pos[0]);
      throw new ManifestSyntaxError(file, pos.line, pos.col, firstLine(unfit.message));
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: LENIENT_OPTIONS.maxAliasCount });
    } catch (cause) {
      const pos = lineCounter.linePos(range[0]);
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw new ManifestSyntaxError(file, pos.line, pos.col, firstLine(reason), { cause });
    }
    const line = lineCounter.linePos(range[0]).line;
    result.push({ value, line });
  }
  return result;
}

/**
 * The first node of a lenient document with a tag outside the core schema,
 * or the first merge key (which this path does not resolve).
 */
async function refusedNode(
  doc: import("yaml").Document.Parsed,
): Promise<{ offset: number; tag?: string; reason: string } | undefined> {
  const { isScalar, visit } = await import("yaml");
  let found: { offset: number; tag?: string; reason: string } | undefined;
  visit(doc, {
    Node(_, node) {
      if (node.tag !== undefined && !isCoreTag(node.tag)) {
        found = { offset: node.range?.[0] ?? 0, tag: node.tag, reason: "" };
        return visit.BREAK;
      }
    },
    Pair(_, pair) {
      const key = pair.key;
      if (isScalar(key) && key.value === "<<" && key.type === "PLAIN") {
        found = {
          offset: key.range?.[0] ?? 0,
          reason: 'merge key "<<" in YAML that only the lenient parser reads: ' +
            "write the merged keys out, or fix the indentation the strict parser refuses",
        };
        return visit.BREAK;
      }
    },
  });
  return found;
}

function firstLine(message: string): string {
  return message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "").trim();
}

export { isMapping } from "./mapping.ts";

/**
 * The 1-based line of the node at `path` in the first document of `text`
 * (of its key, with `onKey`, when the last step is a mapping key), or
 * `undefined` when the text does not parse or holds no such node. For
 * messages about a document that already parsed.
 *
 * @example
 * ```ts
 * lineOfPath("a: 1\nb:\n  - x\n  - y\n", ["b", 1]); // 4
 * ```
 */
export function lineOfPath(
  text: string,
  path: readonly (string | number)[],
  onKey = false,
): number | undefined {
  let events: Event[];
  try {
    events = parseEvents(text, {});
  } catch {
    return undefined;
  }
  // Recursive descent over the flat event stream; `end(i)` is the index after the node at i.
  const end = (i: number): number => {
    const type = events[i]?.type;
    if (type !== EVENT_ID.MAPPING && type !== EVENT_ID.SEQUENCE) return i + 1;
    let j = i + 1;
    while (j < events.length && events[j]!.type !== EVENT_ID.POP) j = end(j);
    return j + 1;
  };
  const find = (i: number, depth: number): number | undefined => {
    const event = events[i];
    if (event === undefined) return undefined;
    if (depth === path.length) return startOf(event);
    const step = path[depth]!;
    let j = i + 1;
    for (let index = 0; j < events.length && events[j]!.type !== EVENT_ID.POP; index++) {
      if (event.type === EVENT_ID.SEQUENCE) {
        if (index === step) return find(j, depth + 1);
        j = end(j);
      } else if (event.type === EVENT_ID.MAPPING) {
        const key = events[j]!;
        const value = end(j);
        if (key.type === EVENT_ID.SCALAR && getScalarValue(text, key) === String(step)) {
          return onKey && depth === path.length - 1 ? startOf(key) : find(value, depth + 1);
        }
        j = end(value);
      } else return undefined;
    }
    return undefined;
  };
  const offset = events[0]?.type === EVENT_ID.DOCUMENT ? find(1, 0) : undefined;
  return offset === undefined || offset < 0 ? undefined : positionOf(text, offset).line;
}

/** Stringifies one object as YAML that Go's YAML libraries read identically. */
export async function toYaml(value: unknown): Promise<string> {
  const [{ Document }, { quoteAmbiguousStrings }] = await Promise.all([
    import("yaml"),
    import("./plain_strings.ts"),
  ]);
  const doc = new Document(value, { version: "1.1", aliasDuplicateObjects: false });
  quoteAmbiguousStrings(doc); // a string stays a string for Go's readers and YAML 1.2's
  return doc.toString({ lineWidth: 0 });
}

/** Stringifies objects as one multi-document stream, each document opened by `---`. */
export async function toYamlStream(values: readonly unknown[]): Promise<string> {
  const documents = await Promise.all(values.map(toYaml));
  return documents.map((document) => `---\n${document}`).join("");
}

/**
 * Refuses documents whose aliases would expand them beyond
 * {@link MAX_EXPANDED_NODES} nodes, or refer to a node that contains them.
 * Both parsers share one object between an anchor and its aliases, but
 * everything downstream (JSON for the API server, YAML output) expands them,
 * so a few nested aliases ("billion laughs") would exhaust memory there and a
 * cycle would never end. Linear in the distinct nodes: each shared node's
 * expanded size is counted once.
 */
function checkAliases(documents: ParsedDocument[], file: string): ParsedDocument[] {
  for (const { value, line } of documents) {
    const sizes = new Map<object, number>();
    const open = new Set<object>();
    let shared = false;
    const size = (node: unknown): number => {
      if (node === null || typeof node !== "object") return 1;
      const known = sizes.get(node);
      if (known !== undefined) {
        shared = true;
        return known;
      }
      if (open.has(node)) {
        throw new ManifestSyntaxError(file, line, 1, "an alias refers to a node that contains it");
      }
      open.add(node);
      let total = 1;
      for (const child of Object.values(node)) total += size(child);
      open.delete(node);
      sizes.set(node, total);
      return total;
    };
    if (size(value) > MAX_EXPANDED_NODES && shared) {
      throw new ManifestSyntaxError(
        file,
        line,
        1,
        `aliases expand the document to more than ${MAX_EXPANDED_NODES} nodes (an alias bomb?)`,
      );
    }
  }
  return documents;
}

/** Offset of each document's root node, `undefined` for an empty document. */
function documentRoots(events: readonly Event[]): (number | undefined)[] {
  const roots: (number | undefined)[] = [];
  events.forEach((event, i) => {
    if (event.type !== EVENT_ID.DOCUMENT) return;
    const root = events[i + 1];
    const empty = root === undefined || root.type === EVENT_ID.POP ||
      (root.type === EVENT_ID.SCALAR && root.valueStart < 0 && root.tagStart < 0 &&
        root.anchorStart < 0);
    roots.push(empty ? undefined : startOf(root));
  });
  return roots;
}

/** Where a node starts: its anchor or tag when it has one, else its content. */
function startOf(event: Event): number {
  const starts = event.type === EVENT_ID.SCALAR
    ? [event.anchorStart, event.tagStart, event.valueStart]
    : event.type === EVENT_ID.MAPPING || event.type === EVENT_ID.SEQUENCE
    ? [event.anchorStart, event.tagStart, event.start]
    : event.type === EVENT_ID.ALIAS
    ? [event.anchorStart]
    : [];
  const present = starts.filter((offset) => offset >= 0);
  return present.length === 0 ? 0 : Math.min(...present);
}

/** 1-based line and column of `offset` in `text`. */
function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}
