/**
 * What `manifest.ts` accepts beyond plain YAML syntax: the tags of the core
 * schema only, and merge keys (`<<`) only where draconctl resolves them the
 * way kubectl does.
 *
 * kubectl reads YAML with sigs.k8s.io/yaml, which decodes with go-yaml v2
 * (`go.yaml.in/yaml/v2`, `decode.go`: `mapping()` and `merge()`): the entries
 * of a mapping are stored in document order, a `<<` entry stores every entry
 * of the mapping it names (of each mapping in a list, the last first, so the
 * earlier ones win), and a later entry overwrites an earlier one. js-yaml's
 * merge tag implements the YAML merge-key spec instead, where the mapping's
 * own keys always win and the first merge wins. The two give the same result
 * unless a key is set before a `<<` that sets it again; such a document is
 * refused ({@link checkMergeKeys}), so what draconctl reads is what kubectl
 * reads.
 *
 * @module
 */
import { type Event, EVENT_ID, getScalarValue, SCALAR_STYLE_PLAIN } from "js-yaml";

/** The resolved names of the tags of the YAML 1.2 core schema, plus the merge key's. */
const CORE_TAGS: ReadonlySet<string> = new Set(
  ["str", "int", "float", "bool", "null", "map", "seq", "merge"].map((t) =>
    `tag:yaml.org,2002:${t}`
  ),
);

/** Hint for a refused tag. */
export const TAG_HINT =
  "Kubernetes objects hold only strings, numbers, booleans, null, lists and mappings: remove the tag";

/**
 * Whether a resolved tag name is allowed: a core-schema tag, or the
 * non-specific `!` (a plain string, sequence or mapping).
 */
export function isCoreTag(resolved: string): boolean {
  return resolved === "!" || CORE_TAGS.has(resolved);
}

/** A resolved tag name as a reader writes it: `!!binary`, `!custom`, `!<tag:example.com,2000:x>`. */
function shortTag(resolved: string): string {
  if (resolved.startsWith("tag:yaml.org,2002:")) return `!!${resolved.slice(18)}`;
  return resolved.startsWith("!") ? resolved : `!<${resolved}>`;
}

/** Why a tag is refused, for a `ManifestSyntaxError`. */
export function tagReason(resolved: string): string {
  return `tag "${shortTag(resolved)}" is outside the YAML core schema`;
}

/** A merge key that kubectl would resolve differently, at `offset` in the text. */
export interface MergeConflict {
  offset: number;
  reason: string;
}

/**
 * The first `<<` in the events of a stream that re-sets a key its mapping
 * already set (explicitly or by an earlier `<<`), or `undefined`. Linear in
 * the events; the key sets of anchored mappings are computed once.
 */
export function checkMergeKeys(events: readonly Event[], text: string): MergeConflict | undefined {
  const anchors = new Map<string, ReadonlySet<string>>();
  let conflict: MergeConflict | undefined;
  const name = (start: number, end: number) => text.slice(start + 1, end).trim();
  // Returns the index after the node at i and the keys it provides to a merge.
  const walk = (i: number): [number, ReadonlySet<string>] => {
    const event = events[i]!;
    let keys: ReadonlySet<string> = new Set();
    let next = i + 1;
    if (event.type === EVENT_ID.ALIAS) {
      keys = anchors.get(name(event.anchorStart, event.anchorEnd)) ?? keys;
    } else if (event.type === EVENT_ID.SEQUENCE) {
      while (next < events.length && events[next]!.type !== EVENT_ID.POP) next = walk(next)[0];
      next++;
    } else if (event.type === EVENT_ID.MAPPING) {
      [next, keys] = mapping(i);
    }
    if ("anchorStart" in event && event.type !== EVENT_ID.ALIAS && event.anchorStart >= 0) {
      anchors.set(name(event.anchorStart, event.anchorEnd), keys);
    }
    return [next, keys];
  };
  const mapping = (i: number): [number, ReadonlySet<string>] => {
    const set = new Set<string>();
    let j = i + 1;
    while (j < events.length && events[j]!.type !== EVENT_ID.POP) {
      const key = events[j]!;
      const [valueAt] = walk(j);
      if (key.type === EVENT_ID.SCALAR && isMergeKey(key, text)) {
        const [after, merged] = mergedKeys(valueAt);
        const again = [...merged].find((k) => set.has(k));
        if (again !== undefined && conflict === undefined) {
          conflict = {
            offset: key.valueStart,
            reason: `key "${again}" is set before the merge key "<<" that sets it again ` +
              `(kubectl lets the merge win, the YAML merge spec does not): put "<<" first`,
          };
        }
        for (const k of merged) set.add(k);
        j = after;
        continue;
      }
      if (key.type === EVENT_ID.SCALAR) set.add(getScalarValue(text, key));
      j = walk(valueAt)[0];
    }
    return [j + 1, set];
  };
  // The keys a `<<` value provides: a mapping's, an alias's, or those of each in a list.
  const mergedKeys = (i: number): [number, ReadonlySet<string>] => {
    if (events[i]?.type !== EVENT_ID.SEQUENCE) return walk(i);
    const all = new Set<string>();
    let j = i + 1;
    while (j < events.length && events[j]!.type !== EVENT_ID.POP) {
      const [next, keys] = walk(j);
      for (const k of keys) all.add(k);
      j = next;
    }
    return [j + 1, all];
  };
  for (let i = 0; i < events.length && conflict === undefined;) {
    i = events[i]!.type === EVENT_ID.DOCUMENT || events[i]!.type === EVENT_ID.POP
      ? i + 1
      : walk(i)[0];
  }
  return conflict;
}

/** A plain `<<` key, untagged or tagged `!!merge`: what go-yaml's `isMerge` accepts. */
function isMergeKey(key: Extract<Event, { type: typeof EVENT_ID.SCALAR }>, text: string): boolean {
  if (key.style !== SCALAR_STYLE_PLAIN || getScalarValue(text, key) !== "<<") return false;
  if (key.tagStart < 0) return true;
  const tag = text.slice(key.tagStart, key.tagEnd);
  return tag === "!!merge" || tag === "!<tag:yaml.org,2002:merge>";
}
