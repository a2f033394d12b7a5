/**
 * The cache across runs (docs/cache.md): a port that stores text values by
 * a content-addressed key, so a run whose inputs are byte-identical to an
 * earlier run's takes the earlier result instead of parsing and rendering
 * again. Keys are made by the callers with {@link cacheKey} over every input
 * of the result and {@link Cache.codeDigest} of the code that produces it;
 * values are the callers' JSON. A cache never decides anything: a missing,
 * unreadable or corrupt entry is a miss, and every failure to read or write
 * leaves the run exactly as it is without a cache.
 *
 * The real implementation is `DiskCache` (`disk_cache.ts`); tests hand in
 * an in-memory one (`tests/_fakes/memory_cache.ts`).
 *
 * @module
 */
import { sha256Hex } from "../base/sha256.ts";

/** Values stored by content-addressed key; see the module documentation. */
export interface Cache {
  /**
   * A digest of the source of `modules` (absolute `file:` URLs) and of every
   * module they import, transitively (npm packages by their resolved
   * version), and of the Deno version: it changes whenever that code
   * changes. `undefined` when it cannot be known: nothing is cached then.
   */
  codeDigest(modules: readonly string[]): Promise<string | undefined>;
  /** The value stored under `key`, checked intact; `undefined` for none (or a bad entry). */
  get(key: string): Promise<string | undefined>;
  /** Stores `value` under `key` (replacing an entry); a failure is not an error. */
  put(key: string, value: string): Promise<void>;
}

/**
 * The key of a value: the lowercase hex SHA-256 of `parts` as JSON. `parts`
 * must hold everything the value depends on, the code digest included.
 */
export function cacheKey(parts: readonly unknown[]): string {
  return sha256Hex(JSON.stringify(parts));
}

/**
 * Whether `value` comes back from JSON exactly as it is: strings, booleans,
 * `null`, finite numbers other than `-0`, arrays without holes and plain
 * objects (no `__proto__` key) of such values. Only such values are stored,
 * so a hit equals the miss it replaces.
 */
export function isJsonExact(value: unknown): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0);
    case "object": {
      if (value === null) return true;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          if (!(i in value) || !isJsonExact(value[i])) return false;
        }
        return true;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return false;
      for (const key of Object.keys(value)) {
        if (key === "__proto__" || !isJsonExact((value as Record<string, unknown>)[key])) {
          return false;
        }
      }
      return true;
    }
    default:
      return false;
  }
}
