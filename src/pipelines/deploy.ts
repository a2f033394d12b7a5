/**
 * The `pipelines deploy` action: one flow for every strategy, as helm's
 * `Install` has one action and a `DryRunStrategy`.
 *
 * | strategy   | connects                          | Helm Tasks from                 | writes |
 * | ---------- | --------------------------------- | ------------------------------- | ------ |
 * | `client`   | only to read `helm://` Tasks      | `--helm-chart`, else cluster, else unavailable | no |
 * | `server`   | yes                               | the cluster (one LIST)          | no (`dryRun=All`) |
 * | `validate` | yes                               | the cluster                     | no (`dryRun=All`), summary |
 * | `apply`    | yes                               | the cluster                     | yes    |
 * | `check`    | yes                               | the cluster                     | no (reads Tasks, feature flags) |
 *
 * Every strategy takes the same steps in the same order: read and check the
 * inputs ({@link planPipeline}), one namespace rule ({@link deployNamespace}),
 * one Helm-Task lookup ({@link HelmTaskLookup}: cluster LIST, charts rendered
 * offline, or unavailable), one rendering step (Tasks holding Helm
 * expressions through helm, with the same values: a client dry run prints
 * what apply sends), then the seed's {@link Orchestrator}: `prepare`, and —
 * except `client` and `check` — `deploy` through the cluster's {@link Applier}.
 * Every connecting strategy (`apply` and `server` unless `check: false`,
 * `--no-check`) first makes the checks Tekton's PipelineRun reconciler makes
 * before the first TaskRun ({@link checkRun}); any problem ends it with every
 * problem listed, before the first (dry-run) apply.
 *
 * @module
 */
import { isKustomizationUrl } from "./component_ref.ts";
import { redactUrl } from "../base/redact.ts";
import { ChartHelmTaskLookup, type OfflineRelease } from "../charts/offline_releases.ts";
import type { RenderValues } from "../charts/render.ts";
import { renderTasksCached } from "../charts/render_cache.ts";
import { CACHED_MODULES } from "./task_load.ts";
import type { Deps } from "../deps.ts";
import { ClusterError, LockMismatchError, UsageError } from "../errors.ts";
import type { ChangeSetEntry } from "../k8s/applier.ts";
import type { Cluster, ClusterOptions, HelmTaskLookup } from "../tekton/cluster.ts";
import { HelmTasksUnavailableError, UnavailableHelmTaskLookup } from "../tekton/helm_tasks.ts";
import { toYamlStream } from "../yaml/yaml.ts";
import { holdsHelmExpression } from "../tekton/task.ts";
import type { ParamValue, Pipeline, Task } from "../tekton/types.ts";
import type { RunCheck } from "../tekton/pipeline_run_checks.ts";
import { checkFailed, checkRun } from "./run_check.ts";
import { DEFAULT_APPLY_CONCURRENCY } from "./_concurrency.ts";
import {
  type HelmReleases,
  type Orchestrator,
  type Prepared,
  renderComponents,
  tektonOrchestrator,
  withNamespace,
} from "./orchestrator.ts";
import type { RunReader } from "./run_reader.ts";
import { openPlanSource, type PipelinePlan, type PlanOptions, planPipeline } from "./plan.ts";
import { stampPipeline, stampTask } from "./inventory.ts";
import { isMarked, unmark } from "./live.ts";
import {
  enforcePolicy,
  type PolicyChoice,
  policyUnavailable,
  readRunPolicy,
} from "./policy_deploy.ts";
import type { Policy } from "./policy.ts";
import type { PolicyReport } from "./policy_gate.ts";
import type { ObjectClient } from "../k8s/object_client.ts";
import type { KubeObject } from "../k8s/objects.ts";
import { ApiStatusError } from "../k8s/api_errors.ts";
import { toKubeError } from "../k8s/errors.ts";
import { VERSION } from "../version.ts";
import { checkLock, type Lock, lockOf, type ReadLock } from "./lock_file.ts";

/** How far a deploy goes. */
export type DeployStrategy = "client" | "server" | "validate" | "apply" | "check";

/** Options of {@link deployPipeline}. */
export interface DeployPipelineOptions extends PlanOptions {
  strategy: DeployStrategy;
  /** The connection flags; `namespace` is `-n`. */
  cluster: ClusterOptions;
  /** Values for Tasks holding Helm expressions. @default the chart's defaults */
  render?: RenderValues;
  /**
   * The run's reader, already opened by `openRunReader` for the same
   * kustomization and options (so its Worker starts while this module
   * loads); the deploy owns and closes it. @default opened here
   */
  opened?: Promise<RunReader>;
  /**
   * `client` only: charts standing in for installed releases, so
   * `helm://<release>/…` is read from `helm template` of the chart and no
   * cluster is contacted.
   */
  helmCharts?: readonly OfflineRelease[];
  /** Take over fields owned by other field managers. @default false */
  forceConflicts?: boolean;
  /**
   * Called when everything is checked, just before the first write, with the
   * objects to apply in order; what it throws ends the deploy with nothing
   * applied. @default none
   */
  beforeApply?: (objects: readonly (Task | Pipeline)[]) => Promise<void>;
  /**
   * `apply` and `server`: make the checks of `pipelines check` first, before
   * any write (`--no-check`: false). `check` and `validate` always make them.
   * @default true
   */
  check?: boolean;
  /** `check`: the params of the PipelineRun to check as well. @default none */
  runParams?: ReadonlyMap<string, ParamValue>;
  /**
   * The plan, already made by {@link planPipeline} for this kustomization
   * and options (`pipelines deploy` of several kustomizations, or of one to
   * several contexts, checks every input once, before connecting anywhere):
   * nothing is read again. @default planned here
   */
  planned?: PipelinePlan;
  /** The orchestrator (tests hand in another). @default tektonOrchestrator */
  orchestrator?: Orchestrator;
  /** Called with each object's entry as soon as it is applied (not for `client`). */
  onApplied?: (entry: ChangeSetEntry) => void;
  /**
   * `--locked`: refuse, before any write, when anything resolves differently
   * from this lock; the objects carry its digest (docs/lock.md). @default none
   */
  lock?: ReadLock;
  /**
   * `client`: refuse (a cluster error) rather than print without the
   * Pipeline when `helm://` Tasks cannot be read (`pipelines lock`). @default false
   */
  helmRequired?: boolean;
  /** The image policy gate (docs/policy.md): which policy, if any. @default none */
  policy?: PolicyChoice;
}

/** What a deploy did, or (dry runs) would do. */
export interface DeployResult {
  strategy: DeployStrategy;
  /** The namespace the objects go to; `undefined` when a client dry run left it to the context. */
  namespace: string | undefined;
  /** The Pipeline's name, when it was assembled. */
  pipeline: string | undefined;
  /** What apply sends (or sent), in order: the local and URL Tasks, then the Pipeline. */
  objects: (Task | Pipeline)[];
  /** Helm references resolved in the releases, as `reference → Task`. */
  helm: { ref: string; task: string }[];
  /** What each apply did; empty for `client`. */
  changes: ChangeSetEntry[];
  warnings: string[];
  /** `check` and `validate`: what a PipelineRun needs (the check passed). */
  check?: RunCheck;
  /** What the kustomization resolved to, as a lock (docs/lock.md); when the Pipeline was assembled. */
  lock?: Lock;
  /** The policy gate's report (it passed), when a policy applied. */
  policy?: PolicyReport;
}

/**
 * The namespace rule of every strategy: `-n`, else the kustomization's; a
 * mismatch of both is a usage error (as `kubectl apply -n` with an object
 * in another namespace). `undefined` leaves it to the kubeconfig context.
 */
export function deployNamespace(
  fromFlag: string | undefined,
  fromFile: string | undefined,
  file: string,
): string | undefined {
  if (fromFile !== undefined && fromFlag !== undefined && fromFile !== fromFlag) {
    throw new UsageError(
      `namespace "${fromFlag}" from --namespace does not match "${fromFile}" in ${file}`,
      { hint: "drop --namespace, or remove the namespace from the kustomization" },
    );
  }
  return fromFlag ?? fromFile;
}

/**
 * Deploys a kustomization with a strategy. Input errors come first, then
 * (connecting strategies) the cluster state; nothing is written before
 * everything is checked, and the Pipeline never after a failed Task.
 */
export async function deployPipeline(
  kustomizationPath: string,
  deps:
    & Pick<Deps, "fs" | "fetcher" | "cluster" | "helm" | "signals">
    & Partial<Pick<Deps, "logger" | "cache">>,
  options: DeployPipelineOptions,
): Promise<DeployResult> {
  const { strategy } = options;
  const phase = (message: string) => deps.logger?.debug(message);
  phase(`${strategy}: reading ${kustomizationPath}`);
  const orchestrator = options.orchestrator ?? tektonOrchestrator;
  const source = options.planned === undefined
    ? await openPlanSource(options.opened ?? kustomizationPath, deps, options)
    : undefined;
  const read = source ?? options.planned!;
  let plan: PipelinePlan;
  let asked: string | undefined;
  let connecting: Promise<Cluster> | undefined;
  let policy: Policy | undefined;
  try {
    // The kustomization's directory (absolute): where the default policy file sits.
    const dir = source?.dir ?? read.file.slice(0, read.file.lastIndexOf("/"));
    policy = await readRunPolicy(options.policy, dir, deps.fs);
    asked = deployNamespace(options.cluster.namespace, read.kustomization.namespace, read.file);
    const clusterOptions = {
      ...options.cluster,
      ...(asked === undefined ? {} : { namespace: asked }),
    };
    if (strategy !== "client") {
      // Connect (and start the LISTs) while the components load: the round
      // trips overlap the file and URL work. Both only read; nothing is
      // written before everything is checked. Input errors are reported first.
      connecting = deps.cluster(clusterOptions);
      connecting.catch(() => {}); // awaited below, after the plan
    }
    plan = source === undefined ? options.planned! : await planPipeline(source, deps, options);
    phase(
      `read ${read.file}: ${plan.local.length} local or URL component(s), ` +
        `${plan.helm.length} helm:// reference(s)`,
    );
    if (strategy === "client" && plan.helm.length > 0 && !options.helmCharts?.length) {
      connecting = deps.cluster(clusterOptions); // read-only: one Task LIST
    }
  } finally {
    source?.reader.close(); // every local input is read: the reader's Worker ends here
  }
  const { cluster, lookup } = await helmTaskSource(connecting, plan, deps, options, asked);
  const namespace = cluster?.namespace ?? asked;
  if (cluster !== undefined) {
    phase(`connected to ${cluster.server}, namespace "${cluster.namespace}"`);
  }
  const warnings = [...plan.warnings];
  const toRender = plan.local.filter((c) => holdsHelmExpression(c.task));
  if (toRender.length > 0) {
    phase(
      `rendering ${toRender.length} Task(s) holding Helm expressions: ${
        toRender.map((c) => c.name).join(", ")
      }`,
    );
  }
  const rendered: PipelinePlan = {
    ...plan,
    local: await renderComponents(
      plan.local,
      (components) =>
        renderTasksCached(
          components,
          deps,
          {
            ...options.render,
            values: plan.values,
            namespace: namespace ?? "default",
          },
          loadRenderer,
          CACHED_MODULES,
        ),
    ),
  };
  let releases: HelmReleases;
  try {
    releases = await lookup.listHelmTasks();
  } catch (error) {
    if (!(error instanceof HelmTasksUnavailableError)) throw error;
    if (policy !== undefined && plan.helm.length > 0) {
      throw policyUnavailable(policy, plan, error.reason);
    }
    // Only a client dry run gets here: print what can be printed, and say why not the rest.
    const tasks = rendered.local.map((c) => stampTask(withNamespace(c.task, namespace), c.ref.raw));
    if (plan.helm.length > 0) {
      if (options.lock !== undefined) {
        throw new LockMismatchError([
          `${options.lock.file}: ${plan.helm.length} Helm reference(s) cannot be checked ` +
          `against the lock (${
            plan.helm.map((ref) => `"${ref.raw}"`).join(", ")
          }): ${error.reason}`,
        ], { hint: "pass --helm-chart <release>=<chart>, or run it against the cluster" });
      }
      if (options.helmRequired) {
        throw new ClusterError(
          `${plan.file}: ${plan.helm.length} Helm reference(s) cannot be resolved: ${error.reason}`,
          { hint: "pass --helm-chart <release>=<chart>, or make the cluster reachable" },
        );
      }
      warnings.push(
        `${plan.file}: ${plan.helm.length} Helm reference(s) not resolved (${
          plan.helm.map((ref) => `"${ref.raw}"`).join(", ")
        }): ${error.reason}; the Pipeline is not printed`,
      );
      return result(strategy, namespace, undefined, tasks, [], [], warnings);
    }
    releases = new Map();
  }
  phase(`Helm releases with Tasks: ${releases.size}`);
  const prepared = withInventory(
    orchestrator.prepare(rendered, releases, { namespace }),
    rendered,
    // A URL's credentials never reach the cluster (query values redacted).
    isKustomizationUrl(kustomizationPath) ? redactUrl(kustomizationPath) : kustomizationPath,
    options.lock?.digest,
  );
  const lock = lockOf(rendered, prepared, VERSION);
  if (options.lock !== undefined) {
    phase(`checking ${options.lock.file}`);
    checkLock(options.lock, lock); // before any write
  }
  warnings.push(...prepared.warnings);
  // Before any check that reads the cluster, and before any write.
  const report = policy && await enforcePolicy(policy, prepared, rendered, deps.fs);
  const gated = report === undefined ? {} : { policy: report };
  const objects = [...prepared.tasks, prepared.pipeline];
  const helm = prepared.helm.map((c) => ({ ref: c.ref.raw, task: c.name }));
  const pipeline = prepared.pipeline.metadata.name;
  if (cluster === undefined || strategy === "client") {
    return {
      ...result(strategy, namespace, pipeline, objects, helm, [], warnings),
      lock,
      ...gated,
    };
  }
  let check: RunCheck | undefined;
  if (strategy === "check" || strategy === "validate" || options.check !== false) {
    if (strategy === "check") await cluster.applier.check(objects); // Tekton installed: its kinds served
    const known = [...prepared.tasks, ...prepared.helm.map((c) => c.task)];
    check = await checkRun(
      prepared.pipeline,
      known,
      cluster.client === undefined
        ? undefined
        : { client: cluster.client, namespace: cluster.namespace },
      options.runParams === undefined ? {} : { runParams: options.runParams },
    );
    warnings.push(...check.warnings);
    if (check.problems.length > 0) throw checkFailed(check, `Pipeline "${pipeline}"`);
    if (strategy === "check") {
      return {
        ...result(strategy, namespace, pipeline, objects, helm, [], warnings),
        check,
        lock,
        ...gated,
      };
    }
  }
  await options.beforeApply?.(objects);
  phase(
    `applying ${prepared.tasks.length} Task(s), then pipeline.tekton.dev/${pipeline}` +
      (strategy === "apply" ? "" : " (server dry run)"),
  );
  // From here on a SIGINT/SIGTERM stops cleanly: applies in flight finish,
  // no new one starts, the Pipeline is not applied, and the change set says so.
  const stop = new AbortController();
  const unlisten = deps.signals.onStop((signal) => stop.abort(signal));
  try {
    const changes = await orchestrator.deploy(prepared, cluster.applier, {
      dryRun: strategy !== "apply",
      force: options.forceConflicts ?? false,
      stop: stop.signal,
      concurrency: options.concurrency ?? DEFAULT_APPLY_CONCURRENCY,
      ...(options.onApplied ? { onApplied: options.onApplied } : {}),
    });
    // A Pipeline this run did not write was there, unchanged, since the LIST:
    // a concurrent prune of another Pipeline sees it and keeps its Tasks, one
    // of this Pipeline deletes it first (as if run after this deploy).
    if (strategy === "apply" && changes.at(-1)?.action !== "unchanged") {
      phase("checking that every Task of the Pipeline is still there");
      await keepTasks(cluster.client, prepared.tasks, {
        fieldManager: options.cluster.fieldManager,
        force: options.forceConflicts ?? false,
        concurrency: options.concurrency ?? DEFAULT_APPLY_CONCURRENCY,
      });
    }
    return {
      ...result(strategy, namespace, pipeline, objects, helm, changes, warnings),
      ...gated,
      ...(check === undefined ? {} : { check }),
      lock,
    };
  } finally {
    unlisten();
  }
}

/**
 * The cluster (connecting strategies, or a client dry run that reads
 * `helm://` Tasks) and where Helm-managed Tasks come from: the charts given
 * with `--helm-chart`, the cluster's one LIST, or nowhere (a client dry run
 * whose cluster cannot be read, or that has no `helm://` reference).
 */
async function helmTaskSource(
  connecting: Promise<Cluster> | undefined,
  plan: PipelinePlan,
  deps: Pick<Deps, "fs" | "helm">,
  options: DeployPipelineOptions,
  asked: string | undefined,
): Promise<{ cluster: Cluster | undefined; lookup: HelmTaskLookup }> {
  if (options.strategy === "client") {
    if (options.helmCharts?.length) {
      const lookup = new ChartHelmTaskLookup(options.helmCharts, deps, {
        ...options.render,
        values: plan.values,
        namespace: asked ?? "default",
      });
      return { cluster: undefined, lookup };
    }
    if (connecting === undefined) {
      return { cluster: undefined, lookup: new UnavailableHelmTaskLookup("no helm:// reference") };
    }
    try {
      const cluster = await connecting;
      return { cluster, lookup: cluster.helmTasks };
    } catch (error) {
      if (!(error instanceof ClusterError)) throw error;
      const reason = `the cluster could not be read: ${error.message}`;
      return { cluster: undefined, lookup: new UnavailableHelmTaskLookup(reason) };
    }
  }
  const cluster = await connecting!;
  return { cluster, lookup: cluster.helmTasks };
}

/**
 * After the Pipeline is written (created or configured), makes sure each
 * of its Tasks is still there and not about to be pruned by a concurrent `pipelines delete
 * --prune-tasks` (delete.ts): a Task carrying the pruning mark loses it (a
 * write, so the delete's resourceVersion precondition fails and the Task
 * stays), and one already pruned is applied again. So no Pipeline is left
 * with a dangling taskRef, whatever the interleaving.
 */
async function keepTasks(
  client: ObjectClient,
  tasks: readonly Task[],
  options: { fieldManager: string; force: boolean; concurrency: number },
): Promise<void> {
  const first = tasks[0];
  if (first === undefined) return;
  const namespace = first.metadata.namespace ?? "default";
  const { concurrency, ...applyOptions } = options;
  // Fresh reads, sent after the Pipeline's write was answered (not the
  // applier's LIST: that one is from before the applies). As many GETs as
  // go out in one round: a GET is read from etcd at once, while the API
  // server serves a LIST from its watch cache only once that cache is
  // proven current (a consistent read), which right after writes to other
  // kinds waits ~50–90 ms for etcd's progress notification (bench/RESULTS.md).
  // More Tasks than one round of GETs: one LIST.
  let listed: Map<string, KubeObject> | undefined;
  if (tasks.length > concurrency) {
    try {
      const items = await client.list(first.apiVersion, "Task", namespace);
      listed = new Map(items.map((item) => [item.metadata.name, item]));
    } catch (error) {
      throw toKubeError(error, { server: client.server, object: first });
    }
  }
  await Promise.all(tasks.map(async (task) => {
    for (let attempt = 0; attempt < KEEP_ATTEMPTS; attempt++) {
      try {
        const live = attempt === 0 && listed !== undefined
          ? listed.get(task.metadata.name)
          : await client.get(task.apiVersion, "Task", namespace, task.metadata.name);
        if (live === undefined) {
          await client.apply(task, { ...applyOptions, dryRun: false });
        } else if (isMarked(live)) {
          await unmark(client, live);
        }
        return;
      } catch (error) {
        // The Task changed between the GET and the write (deleted, marked again): look again.
        if (!(error instanceof ApiStatusError && error.code === 409)) {
          throw toKubeError(error, { server: client.server, object: task });
        }
      }
    }
    throw new ClusterError(
      `task.tekton.dev/${task.metadata.name} kept changing while the deploy checked it ` +
        `(a concurrent "pipelines delete --prune-tasks"?)`,
      { hint: "run the deploy again" },
    );
  }));
}

/** How often {@link keepTasks} looks at a Task that changes under it. */
const KEEP_ATTEMPTS = 5;

/**
 * Every object the deploy applies, with the inventory (`inventory.ts`): the
 * Tasks their reference as written and digest, the Pipeline the
 * kustomization as given and the version, both the lock's digest
 * (`--locked`). Helm's Tasks are not applied and not stamped. A client dry
 * run prints these very objects.
 */
function withInventory(
  prepared: Prepared,
  plan: PipelinePlan,
  kustomization: string,
  lock: string | undefined,
): Prepared {
  const sources = new Map(plan.local.map((c) => [c.name, c.ref.raw]));
  return {
    ...prepared,
    tasks: prepared.tasks.map((task) =>
      stampTask(task, sources.get(task.metadata.name) ?? task.metadata.name, lock)
    ),
    pipeline: stampPipeline(prepared.pipeline, {
      kustomization,
      version: VERSION,
      ...(lock === undefined ? {} : { lock }),
    }),
  };
}

function result(
  strategy: DeployStrategy,
  namespace: string | undefined,
  pipeline: string | undefined,
  objects: (Task | Pipeline)[],
  helm: DeployResult["helm"],
  changes: ChangeSetEntry[],
  warnings: string[],
): DeployResult {
  return { strategy, namespace, pipeline, objects, helm, changes, warnings };
}

/** A client dry run's objects as one multi-document YAML stream, as `-o yaml` prints them. */
export function yamlOf(objects: readonly (Task | Pipeline)[]): Promise<string> {
  return toYamlStream(objects);
}

/**
 * The Helm renderer, loaded on first use: it brings the chart writer and its
 * YAML library, which a pipeline without Helm expressions never needs.
 */
function loadRenderer(): Promise<typeof import("../charts/render.ts")> {
  return import("../charts/render.ts");
}
