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

/** A change of one declaration, before its field and subject are known. */
type DeclarationChange = Omit<TaskChange, "field" | "subject">;

/** How one list of named declarations (params, results, workspaces) is compared. */
interface DeclarationSection {
  key: "params" | "results" | "workspaces";
  kind: "param" | "result" | "workspace";
  /** The keys {@link DeclarationSection.compare} judges; any other changed key is listed as changed. */
  own: string[];
  compare(before: Named, after: Named): DeclarationChange[];
  added(after: Named): DeclarationChange;
}

function typeChange(before: string, after: string): DeclarationChange[] {
  return before === after ? [] : [{
    change: `type "${before}" → "${after}"`,
    incompatible: true,
    types: { before, after },
  }];
}

const PARAMS: DeclarationSection = {
  key: "params",
  kind: "param",
  own: ["type", "default"],
  compare: (p, q) => [
    ...typeChange(declaredType(p), declaredType(q)),
    ...(p.default !== undefined && q.default === undefined
      ? [{ change: "default removed: now required", incompatible: true }]
      : !same(p.default, q.default)
      ? [{ change: `default ${shown(p.default)} → ${shown(q.default)}`, incompatible: false }]
      : []),
  ],
  added: (q) =>
    q.default === undefined
      ? { change: "added without default: required", incompatible: true }
      : { change: `added (default ${shown(q.default)})`, incompatible: false },
};

const RESULTS: DeclarationSection = {
  key: "results",
  kind: "result",
  own: ["type"],
  compare: (r, s) => typeChange(resultType(r), resultType(s)),
  added: () => ({ change: "added", incompatible: false }),
};

const WORKSPACES: DeclarationSection = {
  key: "workspaces",
  kind: "workspace",
  own: ["optional"],
  compare: (w, v) =>
    w.optional === true && v.optional !== true
      ? [{ change: "now required (was optional)", incompatible: true }]
      : w.optional !== true && v.optional === true
      ? [{ change: "now optional", incompatible: false }]
      : [],
  added: (v) =>
    v.optional !== true
      ? { change: "added, required", incompatible: true }
      : { change: "added, optional", incompatible: false },
};

/**
 * One section's changes, by name: each declaration of `before` removed
 * (incompatible) or compared, then each only `after` has, added.
 */
function declarationChanges(section: DeclarationSection, a: unknown, b: unknown): TaskChange[] {
  const before = named(a);
  const after = named(b);
  const changes: TaskChange[] = [];
  const push = (name: string, change: DeclarationChange) =>
    changes.push({
      field: `${section.key} "${name}"`,
      ...change,
      subject: { kind: section.kind, name },
    });
  for (const [name, x] of before) {
    const y = after.get(name);
    if (y === undefined) {
      push(name, { change: "removed", incompatible: true });
      continue;
    }
    for (const change of section.compare(x, y)) push(name, change);
    const other = changedKeys(x, y, ["name", ...section.own]);
    if (other.length > 0) {
      push(name, { change: `${other.join(", ")} changed`, incompatible: false });
    }
  }
  for (const [name, y] of after) if (!before.has(name)) push(name, section.added(y));
  return changes;
}

/** Every change from `before` to `after`, params first, then results, workspaces, steps, the rest. */
export function diffTasks(before: Task, after: Task): TaskChange[] {
  const a = before.spec;
  const b = after.spec;
  const changes = [PARAMS, RESULTS, WORKSPACES]
    .flatMap((section) => declarationChanges(section, a[section.key], b[section.key]));
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
