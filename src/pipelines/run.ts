/**
 * The `pipelines run` action: checks a PipelineRun of a deployed Pipeline
 * (Tekton's reconciler checks, {@link checkRun}), creates it, and with
 * `wait` follows its TaskRuns to the end. The Pipeline is named directly
 * (read from the cluster) or by its kustomization (checked with the deploy
 * action's `check` strategy; the Pipeline must be deployed).
 *
 * @module
 */
import type { Deps } from "../deps.ts";
import {
  ClusterError,
  DraconError,
  type DraconErrorOptions,
  ExitCode,
  LockMismatchError,
  PipelineRunFailedError,
  PipelineRunTimedOutError,
} from "../errors.ts";
import type { Signals, StopSignal } from "../io/signals.ts";
import { type Sleep, sleep as realSleep } from "../io/clock.ts";
import type { KubeObject } from "../k8s/objects.ts";
import type { ObjectClient } from "../k8s/object_client.ts";
import { toKubeError } from "../k8s/errors.ts";
import { canonicalJson } from "../k8s/ssa_applier.ts";
import type { Cluster, ClusterFactory, ClusterOptions } from "../tekton/cluster.ts";
import type { ParamValue, Pipeline } from "../tekton/types.ts";
import { deployPipeline, type DeployPipelineOptions } from "./deploy.ts";
import { LOCK_ANNOTATION, taskDigest } from "./inventory.ts";
import { ownerOf, TASK_API_VERSION, taskRefsOf } from "./live.ts";
import type { ReadLock } from "./lock_file.ts";
import { checkFailed, checkRun } from "./run_check.ts";

/** A workspace binding of `-w name=…`. */
export type WorkspaceSource =
  | { name: string; kind: "emptyDir" }
  | { name: string; kind: "pvc"; size: string }
  | { name: string; kind: "secret" | "configmap"; object: string };

/** Options of {@link runPipeline}. */
export interface RunPipelineOptions {
  /** `kustomization`: the target is a kustomization path; `pipeline`: a Pipeline's name. */
  target: { kustomization: string; deploy: Omit<DeployPipelineOptions, "strategy"> } | {
    pipeline: string;
    cluster: ClusterOptions;
  };
  /** `--param k=v` (strings: an array param splits at ","), then the params file's values. */
  params: ReadonlyMap<string, ParamValue>;
  workspaces: readonly WorkspaceSource[];
  serviceAccount?: string;
  /** `metadata.generateName`. @default "<pipeline>-run-" */
  generateName?: string;
  /** `metadata.annotations` of the run (Tekton copies them to TaskRuns and Pods). @default none */
  annotations?: ReadonlyMap<string, string>;
  /** `spec.timeouts.pipeline`, a Go duration (`30m`). @default Tekton's */
  timeout?: string;
  /**
   * `--locked`: a kustomization must resolve as this lock says, and the live
   * Pipeline (named, or the kustomization's) must carry this lock's digest;
   * otherwise nothing is created (exit 9, docs/lock.md). @default none
   */
  lock?: ReadLock;
  /** Print, do not create. */
  dryRun: boolean;
  /** Follow the run to its end. */
  wait: boolean;
  /** Between two polls. @default 1000 */
  pollMs?: number;
  sleep?: Sleep;
  /** `wait`: a line per TaskRun change. @default none */
  onProgress?: (line: string) => void | Promise<void>;
  /**
   * `wait`: on SIGINT/SIGTERM, cancel the run (`spec.status: Cancelled`)
   * instead of leaving it running on the cluster. @default false
   */
  cancelOnInterrupt?: boolean;
}

/**
 * `pipelines run --wait` stopped following on SIGINT (exit 130) or SIGTERM
 * (143): the message says where the run stands and whether it keeps running.
 */
export class RunInterruptedError extends DraconError {
  override readonly exitCode: ExitCode;
  constructor(readonly signal: StopSignal, message: string, options: DraconErrorOptions = {}) {
    super(message, options);
    this.exitCode = signal === "SIGINT" ? ExitCode.interrupted : ExitCode.terminated;
  }
}

/** What {@link runPipeline} did. */
export interface RunResult {
  /** The PipelineRun as created (or, `dryRun`, as it would be). */
  run: KubeObject;
  /** `wait`: `Succeeded`. */
  status?: string;
  warnings: string[];
}

/** Creates (and with `wait` follows) a PipelineRun; throws before creating anything when a check fails. */
export async function runPipeline(
  deps: Pick<Deps, "fs" | "fetcher" | "cluster" | "helm" | "signals" | "logger">,
  options: RunPipelineOptions,
): Promise<RunResult> {
  const warnings: string[] = [];
  let client: ObjectClient;
  let namespace: string;
  let pipeline: Pipeline;
  /** A kustomization target: the Pipeline as it resolves now (as the lock says, with `lock`). */
  let desired: KubeObject | undefined;
  if ("kustomization" in options.target) {
    const { deploy } = options.target;
    // One connection for the check, the create and the wait: the check's
    // (opened in the kustomization's namespace, or -n's) is the run's.
    let connection: Promise<Cluster> | undefined;
    const once: ClusterFactory = (clusterOptions) => connection ??= deps.cluster(clusterOptions);
    // The run's params are checked below, against the Pipeline as deployed.
    const checked = await deployPipeline(options.target.kustomization, { ...deps, cluster: once }, {
      ...deploy,
      ...(options.lock === undefined ? {} : { lock: options.lock }),
      strategy: "check",
    });
    const cluster = await once({
      ...deploy.cluster,
      ...(checked.namespace === undefined ? {} : { namespace: checked.namespace }),
    });
    client = requireClient(cluster.client);
    namespace = cluster.namespace;
    warnings.push(...checked.warnings);
    desired = checked.objects.find((o) => o.kind === "Pipeline");
    pipeline = await getPipeline(
      client,
      namespace,
      checked.pipeline!,
      options.target.kustomization,
    );
  } else {
    const cluster = await deps.cluster(options.target.cluster);
    client = requireClient(cluster.client);
    namespace = cluster.namespace;
    pipeline = await getPipeline(client, namespace, options.target.pipeline, undefined);
  }
  if (options.lock !== undefined) {
    await checkDeployedFrom(options.lock, { live: pipeline, desired }, client, namespace);
  }
  const params = typed(options.params, pipeline);
  const check = await checkRun(pipeline, [], { client, namespace }, { runParams: params });
  check.problems.push(...workspaceProblems(pipeline, options.workspaces));
  if (check.problems.length > 0) {
    throw checkFailed(check, `PipelineRun of Pipeline "${pipeline.metadata.name}"`);
  }
  if (!("kustomization" in options.target)) warnings.push(...check.warnings);
  const run = pipelineRun(pipeline.metadata.name, namespace, params, options);
  if (options.dryRun) return { run, warnings };
  const created = { ...await client.create(run), apiVersion: run.apiVersion, kind: run.kind };
  if (!options.wait) return { run: created, warnings };
  const status = await follow(client, created, options, deps.signals);
  return { run: created, status, warnings };
}

/**
 * `--locked`: the live Pipeline is the lock's, deployed with `--locked` from
 * this very lock file (its annotation holds the file's digest), and so is
 * every Task it references that draconctl applied, unedited since (its
 * content still matches its digest annotation). Helm's Tasks are not
 * stamped: the kustomization's lock check compares them as served. With
 * the Pipeline the kustomization resolves to (`desired`), the live one's
 * spec must be that (as `pipelines status` compares them).
 *
 * @throws {LockMismatchError} (exit 9) every problem at once
 */
async function checkDeployedFrom(
  lock: ReadLock,
  { live: pipeline, desired }: { live: Pipeline; desired: KubeObject | undefined },
  client: ObjectClient,
  namespace: string,
): Promise<void> {
  const hint =
    `deploy what was reviewed first: draconctl pipelines deploy <kustomization> --locked`;
  if (pipeline.metadata.name !== lock.lock.pipeline.name) {
    throw new LockMismatchError([
      `${lock.file}: pipeline "${lock.lock.pipeline.name}" in the lock, the run's is "${pipeline.metadata.name}"`,
    ], { hint });
  }
  const problems: string[] = [];
  const notFrom = (subject: string, deployed: string | undefined) =>
    `${lock.file}: ${subject} in namespace "${namespace}" was not deployed from this lock (${
      deployed === undefined ? "deployed without --locked" : `deployed with lock ${deployed}`
    }, the lock file is ${lock.digest})`;
  const deployed = pipeline.metadata.annotations?.[LOCK_ANNOTATION];
  if (deployed !== lock.digest) {
    problems.push(notFrom(`pipeline.tekton.dev/${pipeline.metadata.name}`, deployed));
  } else if (
    desired !== undefined && canonicalJson(desired.spec) !== canonicalJson(pipeline.spec)
  ) {
    problems.push(
      `${lock.file}: pipeline.tekton.dev/${pipeline.metadata.name} was edited since it was deployed (its spec is not the one the lock resolves to)`,
    );
  }
  const names = taskRefsOf(pipeline);
  const tasks = await Promise.all(
    names.map((name) => client.get(TASK_API_VERSION, "Task", namespace, name)),
  );
  for (const [i, name] of names.entries()) {
    const task = tasks[i];
    if (task === undefined) continue; // the run's check says it is missing
    const owner = ownerOf(task);
    const subject = `task.tekton.dev/${name}`;
    if (owner.kind === "helm") continue;
    if (owner.kind === "other") {
      problems.push(`${lock.file}: ${subject} was not applied by draconctl, so not from this lock`);
    } else if (task.metadata.annotations?.[LOCK_ANNOTATION] !== lock.digest) {
      problems.push(notFrom(subject, task.metadata.annotations?.[LOCK_ANNOTATION]));
    } else if (owner.digest !== taskDigest(task)) {
      problems.push(
        `${lock.file}: ${subject} was edited since it was deployed (its content no longer matches its digest)`,
      );
    }
  }
  if (problems.length > 0) throw new LockMismatchError(problems, { hint });
}

function requireClient(client: ObjectClient | undefined): ObjectClient {
  if (client === undefined) throw new ClusterError("this cluster connection cannot create objects");
  return client;
}

async function getPipeline(
  client: ObjectClient,
  namespace: string,
  name: string,
  kustomization: string | undefined,
): Promise<Pipeline> {
  const found = await client.get("tekton.dev/v1", "Pipeline", namespace, name);
  if (found === undefined) {
    throw new ClusterError(
      `pipeline.tekton.dev/${name} does not exist in namespace "${namespace}"`,
      {
        hint: kustomization === undefined
          ? "check the name (kubectl get pipelines), or deploy it with draconctl pipelines deploy"
          : `deploy it first: draconctl pipelines deploy ${kustomization} -n ${namespace}`,
      },
    );
  }
  return found as Pipeline;
}

/** `--param` strings as the Pipeline's types: an array param splits at ",". */
function typed(
  params: ReadonlyMap<string, ParamValue>,
  pipeline: Pipeline,
): Map<string, ParamValue> {
  const types = new Map((pipeline.spec.params ?? []).map((p) => [p.name, p.type]));
  return new Map(
    [...params].map((
      [name, value],
    ) => [
      name,
      typeof value === "string" && types.get(name) === "array" ? value.split(",") : value,
    ]),
  );
}

/** `ValidateWorkspaceBindings`: every required workspace of the Pipeline bound, none unknown. */
function workspaceProblems(pipeline: Pipeline, given: readonly WorkspaceSource[]): string[] {
  const declared = new Map((pipeline.spec.workspaces ?? []).map((w) => [w.name, w.optional]));
  const problems: string[] = [];
  for (const ws of given) {
    if (!declared.has(ws.name)) {
      problems.push(`-w ${ws.name}: the Pipeline declares no workspace "${ws.name}"`);
    }
  }
  for (const [name, optional] of declared) {
    if (optional !== true && !given.some((w) => w.name === name)) {
      problems.push(
        `workspace "${name}": the Pipeline requires it and the PipelineRun does not bind it (-w ${name}=emptyDir|pvc:<size>|secret:<name>|configmap:<name>)`,
      );
    }
  }
  return problems;
}

function pipelineRun(
  pipeline: string,
  namespace: string,
  params: ReadonlyMap<string, ParamValue>,
  options: RunPipelineOptions,
): KubeObject {
  return {
    apiVersion: "tekton.dev/v1",
    kind: "PipelineRun",
    metadata: {
      generateName: options.generateName ?? `${pipeline}-run-`,
      namespace,
      ...(options.annotations?.size
        ? { annotations: Object.fromEntries(options.annotations) }
        : {}),
    } as unknown as KubeObject["metadata"],
    spec: {
      pipelineRef: { name: pipeline },
      ...(params.size === 0
        ? {}
        : { params: [...params].map(([name, value]) => ({ name, value })) }),
      ...(options.workspaces.length === 0 ? {} : { workspaces: options.workspaces.map(binding) }),
      ...(options.serviceAccount === undefined
        ? {}
        : { taskRunTemplate: { serviceAccountName: options.serviceAccount } }),
      ...(options.timeout === undefined ? {} : { timeouts: { pipeline: options.timeout } }),
    },
  } as KubeObject;
}

function binding(ws: WorkspaceSource): Record<string, unknown> {
  switch (ws.kind) {
    case "emptyDir":
      return { name: ws.name, emptyDir: {} };
    case "pvc":
      return {
        name: ws.name,
        volumeClaimTemplate: {
          spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: ws.size } } },
        },
      };
    case "secret":
      return { name: ws.name, secret: { secretName: ws.object } };
    case "configmap":
      return { name: ws.name, configMap: { name: ws.object } };
  }
}

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

function succeeded(object: KubeObject | undefined): Condition | undefined {
  const conditions = (object as { status?: { conditions?: Condition[] } } | undefined)?.status
    ?.conditions;
  return conditions?.find((c) => c.type === "Succeeded");
}

/**
 * Polls the run and its TaskRuns, logging each TaskRun's change; throws
 * unless it succeeded. A SIGINT/SIGTERM stops the polling at once (a poll in
 * flight is not waited for) and ends it with {@link RunInterruptedError},
 * after cancelling the run with `cancelOnInterrupt`.
 */
async function follow(
  client: ObjectClient,
  run: KubeObject,
  options: RunPipelineOptions,
  signals: Signals,
): Promise<string> {
  const stop = new AbortController();
  const stopped = new Promise<StopSignal>((resolve) => {
    stop.signal.addEventListener("abort", () => resolve(stop.signal.reason as StopSignal));
  });
  const unlisten = signals.onStop((signal) => stop.abort(signal));
  const seen = new Map<string, string>();
  try {
    const polling = poll(client, run, options, seen, stop.signal);
    polling.catch(() => {}); // after a signal, what the poll in flight ends with is moot
    const ended = await Promise.race([polling, stopped]);
    if (!stop.signal.aborted) return ended;
  } finally {
    unlisten();
  }
  return await interrupted(client, run, options, seen, stop.signal.reason as StopSignal);
}

async function poll(
  client: ObjectClient,
  run: KubeObject,
  options: RunPipelineOptions,
  seen: Map<string, string>,
  stop: AbortSignal,
): Promise<string> {
  const sleep = options.sleep ?? realSleep;
  const name = run.metadata.name;
  const namespace = run.metadata.namespace ?? "default";
  const subject = `pipelinerun.tekton.dev/${name}`;
  const progress = async (line: string) => {
    if (!stop.aborted) await options.onProgress?.(line);
  };
  await progress(`${subject} created; waiting for it to finish`);
  while (!stop.aborted) {
    const current = await client.get("tekton.dev/v1", "PipelineRun", namespace, name);
    const taskRuns = await client.list("tekton.dev/v1", "TaskRun", namespace, {
      labelSelector: `tekton.dev/pipelineRun=${name}`,
    });
    if (stop.aborted) break;
    for (const taskRun of taskRuns) {
      const task = taskRun.metadata.labels?.["tekton.dev/pipelineTask"] ?? taskRun.metadata.name;
      const c = succeeded(taskRun);
      const state = c?.status === "True"
        ? "succeeded"
        : c?.status === "False"
        ? `failed (${c.reason ?? "Failed"})`
        : "running";
      if (seen.get(task) !== state) {
        seen.set(task, state);
        await progress(`${subject}: task ${task} ${state}`);
      }
    }
    const c = succeeded(current);
    if (c?.status === "True") return c.reason ?? "Succeeded";
    if (c?.status === "False") {
      const message = `${subject} ${c.reason ?? "Failed"}${c.message ? `: ${c.message}` : ""}`;
      if (c.reason === "PipelineRunTimeout") throw new PipelineRunTimedOutError(message);
      throw new PipelineRunFailedError(message, {
        hint: `kubectl get taskruns -n ${namespace} -l tekton.dev/pipelineRun=${name}`,
      });
    }
    if (current === undefined) {
      throw new ClusterError(`${subject} disappeared from namespace "${namespace}"`);
    }
    await sleep(options.pollMs ?? 1000, stop);
  }
  return "interrupted";
}

/** Where the run stands, as last seen: `2 TaskRun(s) succeeded, 1 running`. */
function standing(seen: ReadonlyMap<string, string>): string {
  if (seen.size === 0) return "no TaskRun seen yet";
  const counts = new Map<string, number>();
  for (const state of seen.values()) {
    const key = state.startsWith("failed") ? "failed" : state;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([state, n]) => `${n} ${state}`).join(", ") + " (TaskRuns)";
}

/** The field manager of the cancelling apply: it owns `spec.status` only, the creator the rest. */
const CANCEL_FIELD_MANAGER = "draconctl-cancel";

/** Ends `--wait` after a signal: cancels the run with `cancelOnInterrupt`, says where it stands. */
async function interrupted(
  client: ObjectClient,
  run: KubeObject,
  options: RunPipelineOptions,
  seen: ReadonlyMap<string, string>,
  signal: StopSignal,
): Promise<never> {
  const name = run.metadata.name;
  const namespace = run.metadata.namespace ?? "default";
  const subject = `pipelinerun.tekton.dev/${name}`;
  const at = `interrupted (${signal}): ${subject}: ${standing(seen)}`;
  if (!options.cancelOnInterrupt) {
    throw new RunInterruptedError(signal, `${at}; it keeps running on the cluster`, {
      hint: `follow it with "kubectl get pipelinerun ${name} -n ${namespace} -w"; ` +
        "--cancel-on-interrupt cancels the run instead",
    });
  }
  try {
    await client.apply({
      apiVersion: "tekton.dev/v1",
      kind: "PipelineRun",
      metadata: { name, namespace },
      spec: { status: "Cancelled" },
    }, { fieldManager: CANCEL_FIELD_MANAGER, force: true, dryRun: false });
  } catch (error) {
    const mapped = toKubeError(error, { server: client.server, object: run });
    const reason = mapped instanceof Error ? mapped.message : String(mapped);
    throw new RunInterruptedError(signal, `${at}; cancelling it failed: ${reason}`, {
      hint: `cancel it with "kubectl patch pipelinerun ${name} -n ${namespace} --type merge ` +
        `-p '{\"spec\":{\"status\":\"Cancelled\"}}'"`,
    });
  }
  throw new RunInterruptedError(signal, `${at}; cancelled it (spec.status: Cancelled)`);
}
