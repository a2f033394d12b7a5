/**
 * A field-level diff of two versions of a Task: what a user of the Task
 * (a pipeline task) may lose — a param, result or workspace removed, a type
 * changed, a param without default or a required workspace added — and what
 * merely changes (images, defaults, scripts, anything else). `components
 * upgrade-check` reports it per pipeline task; which of the incompatible
 * changes actually break a Pipeline is decided there, with Tekton's run
 * checks ({@link checkPipelineRun}).
 *
 * @module
 */
import { canonicalJson } from "../k8s/ssa_applier.ts";
import { isMapping } from "../yaml/mapping.ts";
import { declaredType } from "./pipeline_run_checks.ts";
import type { Task } from "./types.ts";

/** What a change is about, for deciding whether a pipeline task is affected. */
export type ChangeSubject =
  | { kind: "param"; name: string }
  | { kind: "result"; name: string }
  | { kind: "workspace"; name: string }
  | { kind: "step"; name: string }
  | { kind: "spec"; name: string };

/** One changed field of a Task. */
export interface TaskChange {
  /** The field: `params "x"`, `steps "scan" image`, `spec.volumes`. */
  field: string;
  /** What happened to it, one line: `removed`, `type "string" → "array"`. */
  change: string;
  /**
   * Whether a user of the Task may break: a param, result or workspace
   * removed, a param or result type changed, a param without default or a
   * required workspace added, a workspace made required.
   */
  incompatible: boolean;
  subject: ChangeSubject;
  /** For a type change: the types before and after. */
  types?: { before: string; after: string };
}

type Named = Record<string, unknown> & { name: string };

function named(list: unknown): Map<string, Named> {
  const out = new Map<string, Named>();
  for (const item of Array.isArray(list) ? list : []) {
    if (isMapping(item) && typeof item.name === "string") out.set(item.name, item as Named);
  }
  return out;
}

function same(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** A value for a one-line message: JSON, shortened. */
function shown(value: unknown): string {
  if (value === undefined) return "(none)";
  const text = typeof value === "string" ? JSON.stringify(value) : canonicalJson(value);
  return text.length > 80 ? `${text.slice(0, 60)}…${text.slice(-15)}` : text;
}

/** The keys, other than `skip`, whose values differ between `a` and `b`. */
function changedKeys(a: Record<string, unknown>, b: Record<string, unknown>, skip: string[]) {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((key) => !skip.includes(key) && !same(a[key], b[key])).sort();
}

/** A result declaration's type (Tekton's default: string). */
function resultType(result: Record<string, unknown>): string {
  return typeof result.type === "string" && result.type !== "" ? result.type : "string";
}

/** Every change from `before` to `after`, params first, then results, workspaces, steps, the rest. */
export function diffTasks(before: Task, after: Task): TaskChange[] {
  const changes: TaskChange[] = [];
  const a = before.spec;
  const b = after.spec;

  const paramsA = named(a.params);
  const paramsB = named(b.params);
  for (const [name, p] of paramsA) {
    const subject = { kind: "param", name } as const;
    const field = `params "${name}"`;
    const q = paramsB.get(name);
    if (q === undefined) {
      changes.push({ field, change: "removed", incompatible: true, subject });
      continue;
    }
    const [ta, tb] = [declaredType(p), declaredType(q)];
    if (ta !== tb) {
      changes.push({
        field,
        change: `type "${ta}" → "${tb}"`,
        incompatible: true,
        subject,
        types: { before: ta, after: tb },
      });
    }
    if (p.default !== undefined && q.default === undefined) {
      changes.push({
        field,
        change: "default removed: now required",
        incompatible: true,
        subject,
      });
    } else if (!same(p.default, q.default)) {
      changes.push({
        field,
        change: `default ${shown(p.default)} → ${shown(q.default)}`,
        incompatible: false,
        subject,
      });
    }
    const other = changedKeys(p, q, ["name", "type", "default"]);
    if (other.length > 0) {
      changes.push({ field, change: `${other.join(", ")} changed`, incompatible: false, subject });
    }
  }
  for (const [name, q] of paramsB) {
    if (paramsA.has(name)) continue;
    const required = q.default === undefined;
    changes.push({
      field: `params "${name}"`,
      change: required ? "added without default: required" : `added (default ${shown(q.default)})`,
      incompatible: required,
      subject: { kind: "param", name },
    });
  }

  const resultsA = named(a.results);
  const resultsB = named(b.results);
  for (const [name, r] of resultsA) {
    const subject = { kind: "result", name } as const;
    const field = `results "${name}"`;
    const s = resultsB.get(name);
    if (s === undefined) {
      changes.push({ field, change: "removed", incompatible: true, subject });
      continue;
    }
    const [ta, tb] = [resultType(r), resultType(s)];
    if (ta !== tb) {
      changes.push({
        field,
        change: `type "${ta}" → "${tb}"`,
        incompatible: true,
        subject,
        types: { before: ta, after: tb },
      });
    }
    const other = changedKeys(r, s, ["name", "type"]);
    if (other.length > 0) {
      changes.push({ field, change: `${other.join(", ")} changed`, incompatible: false, subject });
    }
  }
  for (const name of resultsB.keys()) {
    if (resultsA.has(name)) continue;
    changes.push({
      field: `results "${name}"`,
      change: "added",
      incompatible: false,
      subject: { kind: "result", name },
    });
  }

  const wsA = named(a.workspaces);
  const wsB = named(b.workspaces);
  for (const [name, w] of wsA) {
    const subject = { kind: "workspace", name } as const;
    const field = `workspaces "${name}"`;
    const v = wsB.get(name);
    if (v === undefined) {
      changes.push({ field, change: "removed", incompatible: true, subject });
      continue;
    }
    if (w.optional === true && v.optional !== true) {
      changes.push({ field, change: "now required (was optional)", incompatible: true, subject });
    } else if (w.optional !== true && v.optional === true) {
      changes.push({ field, change: "now optional", incompatible: false, subject });
    }
    const other = changedKeys(w, v, ["name", "optional"]);
    if (other.length > 0) {
      changes.push({ field, change: `${other.join(", ")} changed`, incompatible: false, subject });
    }
  }
  for (const [name, v] of wsB) {
    if (wsA.has(name)) continue;
    const required = v.optional !== true;
    changes.push({
      field: `workspaces "${name}"`,
      change: required ? "added, required" : "added, optional",
      incompatible: required,
      subject: { kind: "workspace", name },
    });
  }

  changes.push(...containerChanges("steps", a.steps, b.steps));
  changes.push(...containerChanges("sidecars", a.sidecars, b.sidecars));

  for (const key of changedKeys(a, b, ["params", "results", "workspaces", "steps", "sidecars"])) {
    changes.push({
      field: `spec.${key}`,
      change: a[key] === undefined ? "added" : b[key] === undefined ? "removed" : "changed",
      incompatible: false,
      subject: { kind: "spec", name: key },
    });
  }
  return changes;
}

/** Steps or sidecars, matched by name (by position when unnamed): image, script, other fields. */
function containerChanges(section: "steps" | "sidecars", a: unknown, b: unknown): TaskChange[] {
  const list = (value: unknown) =>
    (Array.isArray(value) ? value : []).filter(isMapping).map((c, i) => ({
      key: typeof c.name === "string" && c.name !== "" ? `"${c.name}"` : `[${i}]`,
      container: c,
    }));
  const before = new Map(list(a).map((c) => [c.key, c.container]));
  const after = new Map(list(b).map((c) => [c.key, c.container]));
  const changes: TaskChange[] = [];
  const change = (key: string, what: string, text: string) =>
    changes.push({
      field: `${section} ${key}${what === "" ? "" : ` ${what}`}`,
      change: text,
      incompatible: false,
      subject: { kind: section === "steps" ? "step" : "spec", name: key },
    });
  for (const [key, c] of before) {
    const d = after.get(key);
    if (d === undefined) {
      change(key, "", "removed");
      continue;
    }
    if (!same(c.image, d.image)) change(key, "image", `${shown(c.image)} → ${shown(d.image)}`);
    if (!same(c.script, d.script)) change(key, "script", "changed");
    const other = changedKeys(c, d, ["name", "image", "script"]);
    if (other.length > 0) change(key, "", `${other.join(", ")} changed`);
  }
  for (const key of after.keys()) if (!before.has(key)) change(key, "", "added");
  return changes;
}
