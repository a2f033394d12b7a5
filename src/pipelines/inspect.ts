/**
 * The read-only commands after a deploy: `pipelines list` (what draconctl
 * deployed and where each Task comes from), `pipelines status` (per object:
 * in sync, drifted, missing, provided by Helm) and `components list` (the
 * Helm releases providing Tasks, and which Pipelines use each).
 *
 * A target is a kustomization (a path that exists: read and assembled as a
 * client dry run does, so its Pipeline name and desired Tasks are known) or
 * a Pipeline name.
 *
 * @module
 */
import { isKustomizationUrl } from "./component_ref.ts";
import type { Deps } from "../deps.ts";
import { UsageError } from "../errors.ts";
import { DEFAULT_FETCH_OPTIONS } from "../fetch/fetcher.ts";
import { subjectOf } from "../k8s/objects.ts";
import type { KubeObject } from "../k8s/objects.ts";
import { canonicalJson } from "../k8s/ssa_applier.ts";
import type { Cluster, ClusterOptions } from "../tekton/cluster.ts";
import { invalidNameReason } from "../tekton/task.ts";
import { deployPipeline, type DeployResult } from "./deploy.ts";
import { type Lock, lockDifferences, type ReadLock } from "./lock_file.ts";
import { lockPathOf, readLock } from "./lock.ts";
import type { PolicyChoice } from "./policy_deploy.ts";
import {
  DIGEST_ANNOTATION,
  isManagedByDraconctl,
  KUSTOMIZATION_ANNOTATION,
  LOCK_ANNOTATION,
  taskDigest,
  VERSION_ANNOTATION,
} from "./inventory.ts";
import {
  type ForeignManager,
  foreignManagers,
  ownerOf,
  PIPELINE_API_VERSION,
  pipelinesUsing,
  readLive,
  TASK_API_VERSION,
  taskRefsOf,
} from "./live.ts";

/** What the inspecting actions need. */
export type InspectDeps = Pick<Deps, "fs" | "fetcher" | "cluster" | "helm" | "signals">;

/** A Task of a listed Pipeline and where it comes from. */
export interface ListedTask {
  name: string;
  /** `draconctl` (local or URL), `helm`, `other` (applied by someone else), `missing`. */
  from: "draconctl" | "helm" | "other" | "missing";
  /** The reference as written (draconctl's Tasks). */
  source?: string;
  digest?: string;
  release?: string;
  chart?: string;
}

/** One Pipeline draconctl deployed. */
export interface ListedPipeline {
  name: string;
  namespace: string;
  kustomization: string | undefined;
  version: string | undefined;
  tasks: ListedTask[];
}

/** `pipelines list`: the Pipelines draconctl deployed (`namespace` `""`: every namespace). */
export async function listPipelines(
  deps: Pick<Deps, "cluster">,
  cluster: ClusterOptions,
  allNamespaces: boolean,
): Promise<ListedPipeline[]> {
  const connected = await deps.cluster(cluster);
  const live = await readLive(connected.client, allNamespaces ? "" : connected.namespace);
  return live.pipelines.filter(isManagedByDraconctl).map((pipeline) => {
    const namespace = pipeline.metadata.namespace ?? connected.namespace;
    const annotations = pipeline.metadata.annotations ?? {};
    return {
      name: pipeline.metadata.name,
      namespace,
      kustomization: annotations[KUSTOMIZATION_ANNOTATION],
      version: annotations[VERSION_ANNOTATION],
      tasks: taskRefsOf(pipeline).map((name) =>
        listedTask(
          name,
          live.tasks.find((t) => t.metadata.name === name && t.metadata.namespace === namespace),
        )
      ),
    };
  }).sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
}

function listedTask(name: string, task: KubeObject | undefined): ListedTask {
  if (task === undefined) return { name, from: "missing" };
  const owner = ownerOf(task);
  if (owner.kind === "helm") {
    return { name, from: "helm", release: owner.release, ...opt("chart", owner.chart) };
  }
  if (owner.kind === "draconctl") {
    return {
      name,
      from: "draconctl",
      ...opt("source", owner.source),
      ...opt("digest", owner.digest),
    };
  }
  return { name, from: "other" };
}

/** The state of one object of a pipeline. */
export type ObjectState = "in-sync" | "drifted" | "missing" | "helm";

/** One line of `pipelines status`. */
export interface ObjectStatus {
  subject: string;
  kind: "Task" | "Pipeline";
  name: string;
  state: ObjectState;
  /** Why drifted, or the Helm release. */
  detail?: string;
  /** Field managers other than draconctl's that own fields, with what they own. */
  managers?: ForeignManager[];
}

/**
 * Whether the cluster still matches the reviewed lock (docs/lock.md):
 * `in-sync` (the kustomization resolves as its lock says, and the live
 * Pipeline was deployed with that lock), `stale` (something resolves
 * differently now: a Helm release upgraded, a file edited), `drifted`
 * (the live Pipeline carries another lock's digest, or none), `unverified`
 * (a Pipeline name: only the digest it was deployed with is known).
 */
export interface LockStatus {
  state: "in-sync" | "stale" | "drifted" | "unverified";
  /** The lock file compared (a kustomization target with one beside it). */
  file?: string;
  /** The live Pipeline's lock annotation. */
  deployed?: string;
  /** `sha256:<hex>` of the lock file. */
  digest?: string;
  detail: string;
  /** `stale`: every difference. */
  differences?: string[];
}

/** What `pipelines status` found. */
export interface PipelineStatus {
  namespace: string;
  pipeline: string;
  objects: ObjectStatus[];
  /** Present when a lock file is beside the kustomization or the live Pipeline carries a lock digest. */
  lock?: LockStatus;
  inSync: boolean;
}

/** A target resolved: the Pipeline's name and, for a kustomization, what a deploy would apply. */
export interface ResolvedTarget {
  pipeline: string;
  desired: DeployResult | undefined;
}

/** How a kustomization target is read (deploy's flags of the same names). */
export interface TargetOptions {
  baseDir?: string;
  loadRestrictor?: "rootOnly" | "none";
  /** Allow `http://` component URLs. @default false */
  allowInsecureHttp?: boolean;
  /** `--anchor-image`: the anchor step's image. @default DEFAULT_ANCHOR_IMAGE */
  anchorImage?: string;
  /** `--locked`: refuse when the kustomization resolves differently from this lock. */
  lock?: ReadLock;
  /** The policy gate (diff): which policy, if any. @default none */
  policy?: PolicyChoice;
}

/**
 * A kustomization (an existing path, or an http(s):// URL) read as a client dry run reads it, or
 * a Pipeline name (checked as Kubernetes checks names).
 *
 * @throws {UsageError} a target that is neither
 */
export async function resolveTarget(
  target: string,
  deps: InspectDeps,
  cluster: ClusterOptions,
  options: TargetOptions = {},
): Promise<ResolvedTarget> {
  if (isKustomizationUrl(target) || await deps.fs.stat(target) !== undefined) {
    const desired = await deployPipeline(target, deps, {
      ...options,
      strategy: "client",
      cluster,
      fetch: { ...DEFAULT_FETCH_OPTIONS, allowInsecureHttp: options.allowInsecureHttp ?? false },
    });
    if (desired.pipeline === undefined) {
      throw new UsageError(`${target}: the Pipeline cannot be assembled: ${desired.warnings[0]}`);
    }
    return { pipeline: desired.pipeline, desired };
  }
  const reason = invalidNameReason(target);
  if (reason !== undefined || target.includes("/")) {
    throw new UsageError(
      `"${target}" is neither a kustomization (no such file or directory) nor a Pipeline name` +
        (reason === undefined ? "" : ` (${reason})`),
      { hint: "pass a kustomization path, or the name of a Pipeline (pipelines list shows them)" },
    );
  }
  return { pipeline: target, desired: undefined };
}

/** `pipelines status`: every object of the pipeline, live against what was applied (and would be). */
export async function pipelineStatus(
  target: string,
  deps: InspectDeps,
  cluster: ClusterOptions,
  options: TargetOptions = {},
): Promise<PipelineStatus> {
  const resolved = await resolveTarget(target, deps, cluster, options);
  const lockFile = resolved.desired === undefined
    ? undefined
    : await lockPathOf(target, undefined, deps.fs);
  const lock = lockFile !== undefined && await deps.fs.stat(lockFile) !== undefined
    ? await readLock(lockFile, deps.fs, DEFAULT_FETCH_OPTIONS.maxBytes)
    : undefined;
  const connected = await deps.cluster(cluster);
  const { client, namespace } = connected;
  const live = await client.get(PIPELINE_API_VERSION, "Pipeline", namespace, resolved.pipeline);
  const objects: ObjectStatus[] = [];
  const desiredPipeline = resolved.desired?.objects.find((o) => o.kind === "Pipeline");
  const pipelineSubject = `pipeline.tekton.dev/${resolved.pipeline}`;
  if (live === undefined) {
    objects.push({
      subject: pipelineSubject,
      kind: "Pipeline",
      name: resolved.pipeline,
      state: "missing",
    });
  } else {
    const drift = driftOf(live, cluster.fieldManager);
    const differs = desiredPipeline !== undefined &&
      canonicalJson(desiredPipeline.spec) !== canonicalJson(live.spec);
    objects.push(
      drift ??
        (differs
          ? {
            ...entry(live),
            state: "drifted",
            detail: "differs from the kustomization: deploy would change it",
          }
          : { ...entry(live), state: "in-sync" }),
    );
  }
  const names = resolved.desired !== undefined
    ? resolved.desired.objects.filter((o) => o.kind === "Task").map((o) => o.metadata.name)
      .concat(resolved.desired.helm.map((h) => h.task))
    : live === undefined
    ? []
    : taskRefsOf(live);
  const tasks = await Promise.all(
    names.map((name) => client.get(TASK_API_VERSION, "Task", namespace, name)),
  );
  for (const [i, name] of names.entries()) {
    const task = tasks[i];
    const desired = resolved.desired?.objects.find((o) =>
      o.kind === "Task" && o.metadata.name === name
    );
    objects.push(taskStatus(name, task, desired, cluster.fieldManager));
  }
  const lockStatus = lockStatusOf(lock, resolved.desired?.lock, live);
  return {
    namespace,
    pipeline: resolved.pipeline,
    objects,
    ...(lockStatus === undefined ? {} : { lock: lockStatus }),
    inSync: objects.every((o) => o.state === "in-sync" || o.state === "helm") &&
      (lockStatus === undefined || lockStatus.state === "in-sync" ||
        lockStatus.state === "unverified"),
  };
}

function lockStatusOf(
  lock: ReadLock | undefined,
  now: Lock | undefined,
  live: KubeObject | undefined,
): LockStatus | undefined {
  const deployed = live?.metadata.annotations?.[LOCK_ANNOTATION];
  const was = deployed === undefined ? {} : { deployed };
  if (lock === undefined) {
    if (deployed === undefined) return undefined;
    return {
      state: "unverified",
      ...was,
      detail: `deployed with lock ${deployed}; pass the kustomization to compare its lock`,
    };
  }
  const known = { file: lock.file, digest: lock.digest, ...was };
  const differences = now === undefined ? [] : lockDifferences(lock.lock, now);
  if (differences.length > 0) {
    return {
      state: "stale",
      ...known,
      detail: `${differences.length} difference(s) from the lock: ${differences[0]}`,
      differences,
    };
  }
  if (deployed !== lock.digest) {
    return {
      state: "drifted",
      ...known,
      detail: deployed === undefined
        ? "the live Pipeline was not deployed with --locked"
        : `the live Pipeline was deployed with lock ${deployed}, the lock file is ${lock.digest}`,
    };
  }
  return { state: "in-sync", ...known, detail: `resolves as the lock says (${lock.digest})` };
}

function taskStatus(
  name: string,
  task: KubeObject | undefined,
  desired: KubeObject | undefined,
  fieldManager: string,
): ObjectStatus {
  if (task === undefined) {
    return { subject: `task.tekton.dev/${name}`, kind: "Task", name, state: "missing" };
  }
  const owner = ownerOf(task);
  if (owner.kind === "helm") {
    return { ...entry(task), state: "helm", detail: `provided by Helm release "${owner.release}"` };
  }
  if (owner.kind === "other") {
    const drift = driftOf(task, fieldManager);
    return {
      ...entry(task),
      state: "drifted",
      detail: "not applied by draconctl (no inventory label)",
      ...(drift?.managers ? { managers: drift.managers } : {}),
    };
  }
  const drift = driftOf(task, fieldManager);
  if (drift !== undefined) return drift;
  if (owner.digest !== taskDigest(task)) {
    return { ...entry(task), state: "drifted", detail: "its content no longer matches its digest" };
  }
  if (desired !== undefined && desired.metadata.annotations?.[DIGEST_ANNOTATION] !== owner.digest) {
    return {
      ...entry(task),
      state: "drifted",
      detail: "differs from the kustomization: deploy would change it",
    };
  }
  return { ...entry(task), state: "in-sync" };
}

/** `drifted`, naming the field managers, when someone else owns fields of the object. */
function driftOf(object: KubeObject, fieldManager: string): ObjectStatus | undefined {
  const managers = foreignManagers(object, fieldManager);
  if (managers.length === 0) return undefined;
  const detail = managers.map((m) => `${m.manager} (${m.operation}) changed ${m.fields.join(", ")}`)
    .join("; ");
  return { ...entry(object), state: "drifted", detail, managers };
}

function entry(object: KubeObject): Pick<ObjectStatus, "subject" | "kind" | "name"> {
  return {
    subject: subjectOf(object),
    kind: object.kind === "Pipeline" ? "Pipeline" : "Task",
    name: object.metadata.name,
  };
}

/** One Helm release providing Tasks. */
export interface ListedRelease {
  release: string;
  chart: string | undefined;
  tasks: { name: string; usedBy?: string[] }[];
}

/** `components list`: the Helm releases of the namespace that provide Tasks, with `usages` their users. */
export async function listComponents(
  deps: Pick<Deps, "cluster">,
  cluster: ClusterOptions,
  usages: boolean,
): Promise<{ namespace: string; releases: ListedRelease[] }> {
  const connected: Cluster = await deps.cluster(cluster);
  const live = await readLive(connected.client, connected.namespace);
  const releases = new Map<string, ListedRelease>();
  for (const task of live.tasks) {
    const owner = ownerOf(task);
    if (owner.kind !== "helm") continue;
    const release = releases.get(owner.release) ??
      { release: owner.release, chart: owner.chart, tasks: [] };
    release.tasks.push({
      name: task.metadata.name,
      ...(usages ? { usedBy: pipelinesUsing(live.pipelines, task.metadata.name) } : {}),
    });
    releases.set(owner.release, release);
  }
  const sorted = [...releases.values()].sort((a, b) => a.release.localeCompare(b.release));
  for (const r of sorted) r.tasks.sort((a, b) => a.name.localeCompare(b.name));
  return { namespace: connected.namespace, releases: sorted };
}

function opt<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}
