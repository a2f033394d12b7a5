/**
 * Deciding, without a request, that a server-side apply would change nothing.
 *
 * Server-side apply of a configuration `C` by field manager `M` to a live
 * object `L` sets every field of `C` to its value in `C` and removes the
 * fields `M` owned before but `C` no longer sets (when no one else owns
 * them). So when `M`'s `Apply` entry in `L.metadata.managedFields` owns
 * **exactly** the fields of `C` (same API version), and `L` already holds
 * `C`'s value in each of them, the merge gives `L` back unchanged: nothing
 * is set, nothing removed, no ownership moves, and the API server persists
 * nothing. (Admission then sees the object it already admitted; mutating
 * admission must be idempotent, as Kubernetes requires of webhooks.)
 *
 * The check never needs the schema: a desired map must match the manager's
 * field set key for key; everything else (scalars, lists of any list type,
 * empty maps) must be owned as one leaf and be deep-equal to the live value,
 * which is at least as strict as any list or map type. Anything it cannot
 * prove returns `false`, and the caller asks the server (a dry run).
 *
 * A field the server drops from what is applied (pruned by the CRD's schema)
 * is one of those: live lacks it, so it looks like a field to add. The live
 * object cannot say whether the server drops it or would now keep it (a
 * Tekton upgrade, a conversion webhook installed), so it stays a dry run.
 * The corpus's `producer-kics` meets it on a server whose Task CRD has no
 * conversion (the test environment): its v1beta1 step's `resources` is
 * pruned by the v1 storage schema, whose Step has `computeResources`.
 *
 * @example
 * ```ts
 * const desired = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { a: "1" } };
 * const ours = { manager: "draconctl", operation: "Apply", apiVersion: "v1", fieldsType: "FieldsV1",
 *   fieldsV1: { "f:data": { "f:a": {} } } };
 * const live = { ...desired, metadata: { name: "c", managedFields: [ours] } };
 * appliesAsNoOp(desired, live, "draconctl"); // true: unchanged, no request
 * appliesAsNoOp({ ...desired, data: { a: "2" } }, live, "draconctl"); // false: ask the server
 * ```
 * @module
 */
import type { KubeObject } from "./objects.ts";

/** One entry of `metadata.managedFields`. */
interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  fieldsType?: string;
  fieldsV1?: unknown;
  subresource?: string;
}

type FieldSet = Record<string, unknown>;

/**
 * Whether applying `desired` with `fieldManager` to `live` is provably a
 * no-op (see the module doc). `false` means "unknown", not "changes".
 */
export function appliesAsNoOp(
  desired: KubeObject,
  live: KubeObject,
  fieldManager: string,
): boolean {
  if (desired.apiVersion !== live.apiVersion || desired.kind !== live.kind) return false;
  const entries = (live.metadata.managedFields ?? []) as ManagedFieldsEntry[];
  const ours = entries.filter((e) => e.manager === fieldManager && e.operation === "Apply");
  if (ours.length !== 1) return false;
  const entry = ours[0]!;
  if (
    entry.apiVersion !== desired.apiVersion || entry.fieldsType !== "FieldsV1" ||
    (entry.subresource ?? "") !== "" || !isFieldSet(entry.fieldsV1)
  ) {
    return false;
  }
  return matches(applyConfiguration(desired), live, entry.fieldsV1);
}

/**
 * The fields of `object` that a field set names: all but `apiVersion`,
 * `kind`, `metadata.name` and `metadata.namespace`, which identify the
 * object and are never listed as owned.
 */
function applyConfiguration(object: KubeObject): Record<string, unknown> {
  const { apiVersion: _a, kind: _k, metadata, ...rest } = object;
  const { name: _n, namespace: _ns, ...meta } = metadata;
  return Object.keys(meta).length > 0 ? { ...rest, metadata: meta } : rest;
}

/** `desired` (a map with keys) against the live value and the owned field set. */
function matches(desired: Record<string, unknown>, live: unknown, owned: FieldSet): boolean {
  if (!isPlainObject(live)) return false;
  // Keys whose value is undefined are not sent (JSON drops them).
  const keys = Object.keys(desired).filter((key) => desired[key] !== undefined);
  const ownedKeys = Object.keys(owned);
  // Exactly the desired keys, as `f:<key>`; a ".", "k:" or "v:" entry is not provable here.
  if (ownedKeys.length !== keys.length) return false;
  for (const key of keys) {
    const child = owned[`f:${key}`];
    if (!isFieldSet(child)) return false;
    const value = desired[key];
    const liveValue = live[key];
    if (isPlainObject(value) && Object.keys(value).length > 0) {
      if (!matches(value, liveValue, child)) return false;
    } else {
      // A leaf: owned as a whole, and deep-equal to what is live.
      if (Object.keys(child).length > 0 || liveValue === undefined) return false;
      if (!deepEqual(value, liveValue)) return false;
    }
  }
  return true;
}

/** JSON deep equality; key order in maps does not count, list order does. */
function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  if (!isPlainObject(a) || !isPlainObject(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length &&
    keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
}

function isFieldSet(value: unknown): value is FieldSet {
  return isPlainObject(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
