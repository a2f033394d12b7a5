/**
 * The `pipelines deploy` action.
 *
 * @module
 */
import { type OfflineRelease, releasesFromCharts } from "../charts/offline_releases.ts";
import type { RenderValues } from "../charts/render.ts";
import type { Deps } from "../deps.ts";
import { ClusterError, combineErrors, UsageError } from "../errors.ts";
import type { ChangeSetEntry, ClusterOptions } from "../k8s/applier.ts";
import { toYamlStream } from "../tekton/manifest.ts";
import { helmExpressionsIn } from "../tekton/task.ts";
import type { Pipeline, Task } from "../tekton/types.ts";
import { resolveHelmRef, TektonOrchestrator } from "./orchestrator.ts";
import type { ResolvedComponent } from "./component.ts";
import {
  assemblePlan,
  openPlanSource,
  type PipelinePlan,
  type PlanOptions,
  planPipeline,
} from "./plan.ts";

/** What a client-side dry run produces. */
export interface DryRunResult {
  /** The Tasks and (when every reference is resolved) the Pipeline, in apply order. */
  objects: (Task | Pipeline)[];
  /** {@link objects} as one multi-document YAML stream. */
  yaml: string;
  warnings: string[];
}

/** Options of {@link dryRunPipeline}. */
export interface DryRunOptions extends PlanOptions {
  /**
   * Render Tasks holding Helm expressions with these values (through helm).
   * @default none: such Tasks are printed verbatim with a warning, so a plain
   * client dry run never needs helm and prints the same on every machine
   */
  render?: RenderValues;
  /** What `{{ .Release.Namespace }}` renders to. @default the kustomization's, else "default" */
  namespace?: string;
  /**
   * Where to read Helm-managed Tasks from (one LIST, nothing written) so that
   * a plan with `helm://` references can still be assembled. Without it, or
   * when the cluster cannot be read, those references stay unresolved and a
   * warning names them.
   */
  cluster?: ClusterOptions;
  /**
   * Charts standing in for installed releases: `helm://<release>/…` is read
   * from `helm template` of the chart (with {@link render}'s values) instead
   * of the cluster, so no cluster is contacted at all.
   */
  helmCharts?: readonly OfflineRelease[];
}

/**
 * Plans a deploy and renders it without writing anywhere: every local and URL
 * Task, then the Pipeline. A plan without `helm://` references contacts no
 * cluster. Helm references are read from the cluster (one LIST, read-only)
 * when `options.cluster` is given; when the cluster cannot be read, the
 * Pipeline cannot be assembled and a warning names the references.
 */
export async function dryRunPipeline(
  kustomizationPath: string,
  deps: Pick<Deps, "fs" | "fetcher" | "helm" | "cluster">,
  options: DryRunOptions,
): Promise<DryRunResult> {
  const planned = await planPipeline(kustomizationPath, deps, options);
  const warnings = [...planned.warnings];
  const namespace = options.namespace ?? planned.kustomization.namespace ?? "default";
  const plan = options.render === undefined
    ? planned
    : await renderPlan(planned, deps, { ...options.render, values: planned.values, namespace });
  warnings.push(...plan.local.flatMap(unrenderedWarning));
  const tasks = plan.local.map((component) => component.task);
  let helm: ResolvedComponent[] = [];
  if (plan.helm.length > 0) {
    const read = await readHelmComponents(plan, deps, options);
    if (typeof read === "string") {
      warnings.push(
        `${plan.file}: ${plan.helm.length} Helm reference(s) not resolved (` +
          `${
            plan.helm.map((ref) => `"${ref.raw}"`).join(", ")
          }): ${read}; the Pipeline is not printed`,
      );
      return { objects: tasks, yaml: await toYamlStream(tasks), warnings };
    }
    helm = read;
  }
  const objects = [...tasks, assemblePlan(plan, helm)];
  return { objects, yaml: await toYamlStream(objects), warnings };
}

/**
 * The Helm components of a plan, read from the charts given for their
 * releases, else from the cluster (one LIST); or, when the cluster cannot be
 * read, why not. A reference the release does not hold is an error, as in a
 * deploy.
 */
async function readHelmComponents(
  plan: PipelinePlan,
  deps: Pick<Deps, "cluster" | "helm" | "fs">,
  options: DryRunOptions,
): Promise<ResolvedComponent[] | string> {
  let releases: Map<string, Map<string, Task>>;
  let resolvedNamespace: string;
  if (options.helmCharts !== undefined && options.helmCharts.length > 0) {
    resolvedNamespace = options.namespace ?? plan.kustomization.namespace ?? "default";
    releases = await releasesFromCharts(options.helmCharts, deps, {
      ...options.render,
      values: plan.values,
      namespace: resolvedNamespace,
    });
    return resolveAll(plan, releases, resolvedNamespace);
  }
  if (options.cluster === undefined) return "no cluster to read them from";
  const namespace = options.cluster.namespace ?? plan.kustomization.namespace;
  try {
    const cluster = await deps.cluster({
      ...options.cluster,
      ...(namespace === undefined ? {} : { namespace }),
    });
    resolvedNamespace = cluster.namespace;
    releases = await cluster.helmTasks.listHelmTasks();
  } catch (error) {
    if (error instanceof ClusterError) return `the cluster could not be read: ${error.message}`;
    throw error;
  }
  return resolveAll(plan, releases, resolvedNamespace);
}

/** Every Helm reference of `plan` resolved in `releases`; all misses reported at once. */
function resolveAll(
  plan: PipelinePlan,
  releases: Map<string, Map<string, Task>>,
  resolvedNamespace: string,
): ResolvedComponent[] {
  const errors: unknown[] = [];
  const components: ResolvedComponent[] = [];
  for (const ref of plan.helm) {
    try {
      components.push(resolveHelmRef(ref, releases, resolvedNamespace));
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length > 0) throw combineErrors(errors);
  return components;
}

/** Options of {@link deployPipeline}. */
export interface DeployPipelineOptions extends PlanOptions {
  cluster: ClusterOptions;
  /** Values for Tasks holding Helm expressions. @default the chart's defaults */
  render?: RenderValues;
  /**
   * `apply` writes; `server-dry-run` sends every object with `dryRun=All`;
   * `validate` checks components and cluster state, then dry-runs. @default "apply"
   */
  mode: "apply" | "server-dry-run" | "validate";
  /** Take over fields owned by other field managers. @default false */
  forceConflicts?: boolean;
  /**
   * Called when everything is checked, just before the first write; what it
   * throws ends the deploy with nothing applied. @default none
   */
  beforeApply?: () => Promise<void>;
}

/** What a deploy did (or, in a dry run, would do). */
export interface DeployResult {
  namespace: string;
  pipeline: string;
  mode: DeployPipelineOptions["mode"];
  /** Helm references resolved on the cluster, as `reference → Task`. */
  helm: { ref: string; task: string }[];
  changes: ChangeSetEntry[];
  warnings: string[];
}

/**
 * Deploys a kustomization: reads it, connects (read-only LISTs start at once)
 * while the components load and validate, lets the {@link TektonOrchestrator}
 * resolve and check everything, then applies.
 */
export async function deployPipeline(
  kustomizationPath: string,
  deps: Pick<Deps, "fs" | "fetcher" | "cluster" | "helm" | "signals">,
  options: DeployPipelineOptions,
): Promise<DeployResult> {
  const source = await openPlanSource(kustomizationPath, deps, options);
  let plan: PipelinePlan;
  let connecting: ReturnType<Deps["cluster"]>;
  try {
    const fromFile = source.kustomization.namespace;
    const fromFlag = options.cluster.namespace;
    if (fromFile !== undefined && fromFlag !== undefined && fromFile !== fromFlag) {
      throw new UsageError(
        `namespace "${fromFlag}" from --namespace does not match "${fromFile}" in ${source.file}`,
        {
          hint: "drop --namespace, or remove the namespace from the kustomization",
        },
      );
    }
    const namespace = fromFlag ?? fromFile;
    // Connect (and start the LISTs) while the components load: the round trips
    // overlap the file and URL work. Both only read; nothing is written before
    // the orchestrator has checked everything. Input errors are reported first.
    connecting = deps.cluster({
      ...options.cluster,
      ...(namespace === undefined ? {} : { namespace }),
    });
    connecting.catch(() => {}); // awaited below, after the plan
    plan = await planPipeline(source, deps, options);
  } finally {
    source.reader.close(); // every local input is read: the reader's Worker ends here
  }
  const cluster = await connecting;
  const orchestrator = new TektonOrchestrator(cluster.helmTasks, {
    namespace: cluster.namespace,
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    renderTask: async (component: ResolvedComponent) =>
      (await loadRenderer()).renderTask(component.task, component.origin, deps, {
        ...options.render,
        values: plan.values,
        namespace: cluster.namespace,
      }),
  });
  const prepared = await orchestrator.prepare(plan);
  await options.beforeApply?.();
  // From here on a SIGINT/SIGTERM stops cleanly: applies in flight finish,
  // no new one starts, the Pipeline is not applied, and the change set says so.
  const stop = new AbortController();
  const unlisten = deps.signals.onStop((signal) => stop.abort(signal));
  let changes: ChangeSetEntry[];
  try {
    changes = await orchestrator.deploy(cluster.applier, {
      dryRun: options.mode !== "apply",
      force: options.forceConflicts ?? false,
      stop: stop.signal,
    });
  } finally {
    unlisten();
  }
  return {
    namespace: cluster.namespace,
    pipeline: prepared.pipeline.metadata.name,
    mode: options.mode,
    helm: prepared.helm.map((c) => ({ ref: c.ref.raw, task: c.name })),
    changes,
    warnings: [...plan.warnings, ...orchestrator.warnings],
  };
}

/** The plan with every Task holding Helm expressions rendered through helm. */
async function renderPlan(
  plan: PipelinePlan,
  deps: Pick<Deps, "fs" | "helm">,
  options: RenderValues & { namespace: string },
): Promise<PipelinePlan> {
  const local: ResolvedComponent[] = [];
  for (const component of plan.local) {
    if (helmExpressionsIn(component.task).length === 0) local.push(component);
    else {
      const { renderTask } = await loadRenderer();
      const task = await renderTask(component.task, component.origin, deps, options);
      local.push({ ...component, task });
    }
  }
  return { ...plan, local };
}

/**
 * The Helm renderer, loaded on first use: it brings the chart writer and its
 * YAML library, which a pipeline without Helm expressions never needs.
 */
function loadRenderer(): Promise<typeof import("../charts/render.ts")> {
  return import("../charts/render.ts");
}

function unrenderedWarning(component: ResolvedComponent): string[] {
  const paths = helmExpressionsIn(component.task);
  if (paths.length === 0) return [];
  return [
    `${component.origin}: Task "${component.name}" holds Helm template expressions (${
      paths.join(", ")
    }): printed verbatim; add --app-version, --set or -f to render them (needs helm)`,
  ];
}
