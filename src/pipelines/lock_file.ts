/**
 * The lock file (`draconctl.lock`, docs/lock.md): what a kustomization
 * resolved to when it was reviewed. Each component's reference as written,
 * its kind and the SHA-256 of its canonical content (local file and URL: the
 * text read; `helm://`: the Task's spec as the cluster serves it, with the
 * release and the chart from its `helm.sh/chart` label), the assembled
 * Pipeline's digest and draconctl's version. Pure: building, writing,
 * reading and comparing locks; the actions that read kustomizations are
 * `lock.ts` and `deploy.ts`.
 *
 * @module
 */
import { sha256Hex } from "../base/sha256.ts";
import { posix } from "node:path";
import { LockMismatchError, ValidationError } from "../errors.ts";
import { canonicalJson } from "../k8s/ssa_applier.ts";
import type { Task } from "../tekton/types.ts";
import { isMapping, parseYamlDocuments, toYaml } from "../yaml/yaml.ts";
import type { ResolvedComponent } from "./component.ts";
import { DIGEST_ANNOTATION, taskDigest } from "./inventory.ts";
import type { Prepared } from "./orchestrator.ts";
import type { PipelinePlan } from "./plan.ts";

/** The lock format's `apiVersion`: a change of format is a new version. */
export const LOCK_API_VERSION = "draconctl.dracon.ocurity.com/v1alpha1";
/** The lock format's `kind`. */
export const LOCK_KIND = "PipelineLock";
/** The lock file's name, beside the kustomization. */
export const LOCK_FILE_NAME = "draconctl.lock";

/** The kind of a locked component. */
export type LockedKind = "local" | "url" | "helm";

/** One component of a lock. */
export interface LockedComponent {
  /** The reference as written in the kustomization. */
  ref: string;
  kind: LockedKind;
  /** `helm`: the release that provides the Task. */
  release?: string;
  /** `helm`: the chart's name, from the Task's `helm.sh/chart` label. */
  chart?: string;
  /** `helm`: the chart's version, from the same label. */
  chartVersion?: string;
  /** `sha256:<hex>` of the canonical content (docs/lock.md). */
  digest: string;
  /**
   * `local` and `url` Tasks draconctl applies: the Task as applied (processed,
   * Helm expressions rendered with `--set`/`-f`), the inventory's digest
   * annotation. Absent for one a Helm release provides.
   */
  applied?: string;
}

/** A lock: what a kustomization resolved to. */
export interface Lock {
  apiVersion: typeof LOCK_API_VERSION;
  kind: typeof LOCK_KIND;
  /** The draconctl that wrote it (informational: not compared). */
  draconctl: string;
  /** The assembled Pipeline: its name and {@link taskDigest}. */
  pipeline: { name: string; digest: string };
  /** Every component, sorted by `ref`. */
  components: LockedComponent[];
}

/**
 * The lock of a deploy: the plan's local and URL components (the digest of
 * the text read, and of the Task as applied: the inventory's digest
 * annotation of the stamped Task) and the prepared deploy's `helm://`
 * components and Pipeline. Independent of the kustomization's order of
 * components and of the namespace.
 */
export function lockOf(plan: PipelinePlan, prepared: Prepared, version: string): Lock {
  const applied = new Map(
    prepared.tasks.map((t) => [t.metadata.name, t.metadata.annotations?.[DIGEST_ANNOTATION]]),
  );
  const local = plan.local.map((c): LockedComponent => {
    const digest = applied.get(c.name);
    return {
      ref: c.ref.raw,
      kind: c.ref.kind === "url" ? "url" : "local",
      // Every component the plan loaded has the digest of its text.
      digest: c.digest ?? taskDigest(c.task),
      ...(digest === undefined ? {} : { applied: digest }),
    };
  });
  const helm = prepared.helm.filter((c) => c.ref.kind === "helm").map(lockedHelm);
  return {
    apiVersion: LOCK_API_VERSION,
    kind: LOCK_KIND,
    draconctl: version,
    pipeline: { name: prepared.pipeline.metadata.name, digest: taskDigest(prepared.pipeline) },
    components: [...local, ...helm].sort((a, b) => compareText(a.ref, b.ref)),
  };
}

function lockedHelm(component: ResolvedComponent): LockedComponent {
  const chart = chartOf(component.task);
  return {
    ref: component.ref.raw,
    kind: "helm",
    ...(component.ref.kind === "helm" ? { release: component.ref.release } : {}),
    ...chart,
    digest: specDigest(component.task),
  };
}

/**
 * `sha256:<hex>` of a Task's spec alone as canonical JSON (object keys
 * sorted, no whitespace): nothing of its metadata, so neither managed fields,
 * resourceVersion nor Helm's labels count.
 */
export function specDigest(task: Pick<Task, "spec">): string {
  return `sha256:${sha256Hex(canonicalJson(task.spec ?? {}))}`;
}

/** The chart name and version of a `helm.sh/chart` label (`<name>-<version>`, `+` written `_`). */
export function chartOf(task: Task): { chart?: string; chartVersion?: string } {
  const label = task.metadata.labels?.["helm.sh/chart"];
  if (label === undefined) return {};
  const match = /^(.+?)-(v?\d+\.\d+\.\d+\S*)$/.exec(label);
  if (match === null) return { chart: label };
  return { chart: match[1]!, chartVersion: match[2]!.replaceAll("_", "+") };
}

/** Code-unit order: the same in every locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const HEADER =
  "# Written by `draconctl pipelines lock`; review changes like code (docs/lock.md).\n";

/** The lock as its file holds it: a comment line, then YAML with a fixed key order. */
export async function lockText(lock: Lock): Promise<string> {
  const ordered = {
    apiVersion: lock.apiVersion,
    kind: lock.kind,
    draconctl: lock.draconctl,
    pipeline: { name: lock.pipeline.name, digest: lock.pipeline.digest },
    components: [...lock.components].sort((a, b) => compareText(a.ref, b.ref)).map((c) => ({
      ref: c.ref,
      kind: c.kind,
      ...(c.release === undefined ? {} : { release: c.release }),
      ...(c.chart === undefined ? {} : { chart: c.chart }),
      ...(c.chartVersion === undefined ? {} : { chartVersion: c.chartVersion }),
      digest: c.digest,
      ...(c.applied === undefined ? {} : { applied: c.applied }),
    })),
  };
  return HEADER + await toYaml(ordered);
}

/** `sha256:<hex>` of a lock file's text: the value of the lock annotation. */
export function lockFileDigest(text: string): string {
  return `sha256:${sha256Hex(text)}`;
}

/** Where the lock of a kustomization argument is: beside the kustomization file. */
export function defaultLockPath(kustomization: string, isDirectory: boolean): string {
  return posix.join(isDirectory ? kustomization : posix.dirname(kustomization), LOCK_FILE_NAME);
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const KINDS: readonly string[] = ["local", "url", "helm"];

/**
 * Reads a lock file's text.
 *
 * @throws {ValidationError} (exit 3) naming the file and every field that is wrong
 */
export async function parseLock(text: string, file: string): Promise<Lock> {
  const docs = (await parseYamlDocuments(text, file)).filter((d) => d.value != null);
  const value = docs[0]?.value;
  if (docs.length !== 1 || !isMapping(value)) {
    throw new ValidationError([`${file}: expected one YAML mapping, a ${LOCK_KIND}`], {
      hint: 'write it again with "draconctl pipelines lock"',
    });
  }
  const problems: string[] = [];
  const bad = (what: string) => problems.push(`${file}: ${what}`);
  if (value.apiVersion !== LOCK_API_VERSION || value.kind !== LOCK_KIND) {
    bad(
      `apiVersion "${String(value.apiVersion)}", kind "${String(value.kind)}" is not a lock ` +
        `this draconctl reads (${LOCK_API_VERSION}, ${LOCK_KIND})`,
    );
  }
  const pipeline = value.pipeline;
  if (
    !isMapping(pipeline) || typeof pipeline.name !== "string" ||
    typeof pipeline.digest !== "string" || !DIGEST.test(pipeline.digest)
  ) {
    bad("pipeline: expected name and digest (sha256:<64 hex>)");
  }
  const components: LockedComponent[] = [];
  if (!Array.isArray(value.components)) bad("components: expected a list");
  for (const [i, entry] of (Array.isArray(value.components) ? value.components : []).entries()) {
    const problem = componentProblem(entry);
    if (problem !== undefined) bad(`components[${i}]: ${problem}`);
    else components.push(entry as LockedComponent);
  }
  const refs = components.map((c) => c.ref);
  for (const ref of new Set(refs.filter((r, i) => refs.indexOf(r) !== i))) {
    bad(`component "${ref}" is listed more than once`);
  }
  if (problems.length > 0) {
    throw new ValidationError(problems, {
      hint: 'write it again with "draconctl pipelines lock"',
    });
  }
  const p = pipeline as { name: string; digest: string };
  return {
    apiVersion: LOCK_API_VERSION,
    kind: LOCK_KIND,
    draconctl: typeof value.draconctl === "string" ? value.draconctl : "",
    pipeline: { name: p.name, digest: p.digest },
    components,
  };
}

function componentProblem(entry: unknown): string | undefined {
  if (!isMapping(entry)) return "expected a mapping";
  if (typeof entry.ref !== "string" || entry.ref === "") return "expected ref";
  if (typeof entry.kind !== "string" || !KINDS.includes(entry.kind)) {
    return `"${entry.ref}": kind must be one of ${KINDS.join(", ")}`;
  }
  for (const key of ["digest", "applied"]) {
    const value = entry[key];
    if (
      (key === "digest" || value !== undefined) &&
      !(typeof value === "string" && DIGEST.test(value))
    ) {
      return `"${entry.ref}": ${key} must be sha256:<64 hex>`;
    }
  }
  for (const key of ["release", "chart", "chartVersion"]) {
    if (entry[key] !== undefined && typeof entry[key] !== "string") {
      return `"${entry.ref}": ${key} must be a string`;
    }
  }
  return undefined;
}

/**
 * Every difference between a lock and what resolves now, one line each,
 * naming the component and both values: added, removed, kind, release,
 * chart or chart version, digest, and the Pipeline's name and digest. The
 * `draconctl` version is not compared. Empty when they agree.
 */
export function lockDifferences(locked: Lock, now: Lock): string[] {
  const problems: string[] = [];
  const before = new Map(locked.components.map((c) => [c.ref, c]));
  const after = new Map(now.components.map((c) => [c.ref, c]));
  const refs = [...new Set([...before.keys(), ...after.keys()])].sort(compareText);
  for (const ref of refs) {
    const a = before.get(ref);
    const b = after.get(ref);
    if (a === undefined) {
      problems.push(`component "${ref}": not in the lock (resolves to ${b!.digest})`);
    } else if (b === undefined) {
      problems.push(
        `component "${ref}": in the lock (${a.digest}), no longer in the kustomization`,
      );
    } else {
      for (const field of ["kind", "release"] as const) {
        if (a[field] !== b[field]) {
          problems.push(
            `component "${ref}": ${field} ${show(a[field])} in the lock, now ${show(b[field])}`,
          );
        }
      }
      if (a.chart !== b.chart || a.chartVersion !== b.chartVersion) {
        problems.push(
          `component "${ref}": chart ${chartLine(a)} in the lock, now ${chartLine(b)}`,
        );
      }
      if (a.digest !== b.digest) {
        problems.push(`component "${ref}": digest ${a.digest} in the lock, now ${b.digest}`);
      }
      if (a.applied !== b.applied) {
        problems.push(
          `component "${ref}": Task as applied ${a.applied ?? "(none)"} in the lock, ` +
            `now ${b.applied ?? "(none)"}` +
            (a.digest === b.digest
              ? " (same text: --set, -f, --app-version or --anchor-image changed it)"
              : ""),
        );
      }
    }
  }
  if (locked.pipeline.name !== now.pipeline.name) {
    problems.push(
      `pipeline: name "${locked.pipeline.name}" in the lock, now "${now.pipeline.name}"`,
    );
  }
  if (locked.pipeline.digest !== now.pipeline.digest) {
    problems.push(
      `pipeline "${now.pipeline.name}": digest ${locked.pipeline.digest} in the lock, now ${now.pipeline.digest}`,
    );
  }
  return problems;
}

function show(value: string | undefined): string {
  return value === undefined ? "(none)" : `"${value}"`;
}

function chartLine(c: LockedComponent): string {
  if (c.chart === undefined) return "(none)";
  return `"${c.chart}${c.chartVersion === undefined ? "" : ` ${c.chartVersion}`}"`;
}

/** A lock read from its file, with the digest of the file's text (the lock annotation). */
export interface ReadLock {
  file: string;
  lock: Lock;
  digest: string;
}

/**
 * Refuses a deploy whose kustomization resolves differently from its lock.
 *
 * @throws {LockMismatchError} (exit 9) listing every difference
 */
export function checkLock(expected: ReadLock, now: Lock): void {
  const problems = lockDifferences(expected.lock, now);
  if (problems.length === 0) return;
  throw new LockMismatchError(problems.map((p) => `${expected.file}: ${p}`), {
    hint:
      'review the change, then "draconctl pipelines lock <kustomization>" writes the lock again',
  });
}
