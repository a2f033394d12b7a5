/**
 * The seed's `Orchestrator`: `prepare` resolves and checks every component
 * against the namespace's Helm releases before anything is written;
 * `deploy` applies the local and URL Tasks, then the Pipeline — and never
 * the Pipeline after a failure. Values in, values out; no state.
 *
 * @module
 */
import { ClusterError, combineErrors, ExitCode, ValidationError } from "../errors.ts";
import type { StopSignal } from "../io/signals.ts";
import type { Applier, ChangeSetEntry } from "../k8s/applier.ts";
import { canonicalJson } from "../k8s/ssa_applier.ts";
import { COMPONENT_LABEL, isComponentType } from "../dracon/component_type.ts";
import type { ResolvedComponent } from "./component.ts";
import { type Pipeline, type Task } from "../tekton/types.ts";
import { subjectOf } from "../k8s/objects.ts";
import { holdsHelmExpression, tektonTaskProblems } from "../tekton/task.ts";
import { DEFAULT_APPLY_CONCURRENCY, mapConcurrent } from "./_concurrency.ts";
import { assemblePlan, type HelmRef, type PipelinePlan } from "./plan.ts";

/**
 * The seed's `Orchestrator`, as values in and out: {@link prepare} turns a
 * rendered plan and the namespace's Helm releases into a {@link Prepared}
 * deploy (or every problem at once); {@link deploy} applies a `Prepared`
 * through an {@link Applier} and returns the change set. There is no state
 * between the two, so a deploy cannot run before its preparation.
 */
export interface Orchestrator {
  prepare(plan: PipelinePlan, releases: HelmReleases, options: PrepareOptions): Prepared;
  deploy(prepared: Prepared, applier: Applier, options?: DeployOptions): Promise<ChangeSetEntry[]>;
}

/** Helm-managed Tasks of a namespace by release, then by name (`HelmTaskLookup`). */
export type HelmReleases = Map<string, Map<string, Task>>;

/** Options of {@link prepare}. */
export interface PrepareOptions {
  /** The namespace every object goes to, or `undefined` to leave it to the cluster's context. */
  namespace: string | undefined;
}

/** Everything a deploy will apply, in order. */
export interface Prepared {
  namespace: string | undefined;
  /** Local and URL Tasks (namespaced when the namespace is known). */
  tasks: Task[];
  /** Helm-managed components, as found in the releases (never re-applied). */
  helm: ResolvedComponent[];
  pipeline: Pipeline;
  /** What was noticed that does not stop a deploy. */
  warnings: string[];
}

/** Options of {@link deploy}. */
export interface DeployOptions {
  /**
   * Aborted (with the {@link StopSignal} as reason) when the user asks to
   * stop: no further apply starts, the Pipeline is never applied, and
   * {@link DeployInterruptedError} says what was. @default never
   */
  stop?: AbortSignal;
  /** Server-side dry run: nothing is persisted. @default false */
  dryRun?: boolean;
  /** Take over fields owned by other field managers. @default false */
  force?: boolean;
  /** Tasks applied at once. @default DEFAULT_APPLY_CONCURRENCY */
  concurrency?: number;
  /** Called with each object's entry as soon as it is applied (or failed, or skipped). */
  onApplied?: (entry: ChangeSetEntry) => void;
}

/** A deploy that stopped after a failure; `changes` says what was done. */
export class DeployError extends ClusterError {
  constructor(readonly changes: ChangeSetEntry[], readonly failures: unknown[]) {
    const failed = changes.filter((c) => c.action === "failed");
    const pipelineFailed = failed.some((c) => c.kind === "Pipeline");
    const first = failures[0];
    const applied = changes.filter((c) => c.action === "created" || c.action === "configured");
    super(
      `Deploy failed: ${listed(failed.map((c) => c.subject))} could not be applied` +
        (pipelineFailed
          ? ` after ${applied.length} Task(s) were applied or changed`
          : ", so the Pipeline was not applied") +
        (first instanceof Error ? `: ${first.message}` : ""),
      first instanceof ClusterError && first.hint !== undefined
        ? { hint: first.hint, cause: first }
        : { cause: first },
    );
  }
}

/** Up to three subjects, then how many more: a message stays short however many failed. */
function listed(subjects: readonly string[]): string {
  if (subjects.length <= 3) return subjects.join(", ");
  return `${subjects.slice(0, 3).join(", ")} and ${subjects.length - 3} more`;
}

/** A deploy stopped by SIGINT/SIGTERM between applies; `changes` says what was done. */
export class DeployInterruptedError extends DeployError {
  override readonly exitCode: ExitCode;
  constructor(changes: ChangeSetEntry[], readonly signal: StopSignal) {
    super(changes, []);
    this.exitCode = signal === "SIGINT" ? ExitCode.interrupted : ExitCode.terminated;
    const applied = changes.filter((c) => c.action !== "skipped" && c.action !== "failed");
    this.message = `interrupted (${signal}): ${applied.length} of ${
      changes.length - 1
    } Task(s) applied, the rest and the Pipeline skipped`;
  }
}

/**
 * Resolves the plan's Helm references in `releases`, refuses local Tasks that
 * a release owns (unless identical: the release provides them), and
 * assembles the Pipeline. The plan's Tasks are already rendered.
 *
 * @throws {ValidationError} listing every problem at once
 */
export function prepare(
  plan: PipelinePlan,
  releases: HelmReleases,
  options: PrepareOptions,
): Prepared {
  const errors: unknown[] = [];
  const warnings: string[] = [];
  const helm: ResolvedComponent[] = [];
  const namespace = options.namespace;
  for (const ref of plan.helm) {
    try {
      helm.push(resolveHelmRef(ref, releases, namespace ?? "default"));
    } catch (error) {
      errors.push(error);
    }
  }
  const local: ResolvedComponent[] = [];
  for (const component of plan.local) {
    const owned = helmOwnerOf(component.name, releases);
    if (owned === undefined) local.push(component);
    else if (sameSpec(component.task, owned.task)) {
      // The release already provides exactly this Task: use it, never take it over.
      helm.push({ ...component, task: owned.task });
      warnings.push(providedByHelm(component, owned.release));
    } else errors.push(ownedByHelm(component, owned.release));
  }
  let pipeline: Pipeline | undefined;
  try {
    pipeline = assemblePlan({ ...plan, local }, helm);
  } catch (error) {
    errors.push(error);
  }
  if (errors.length > 0 || pipeline === undefined) throw combineErrors(errors);
  return {
    namespace,
    tasks: local.map((c) => withNamespace(c.task, namespace)),
    helm,
    pipeline: withNamespace(pipeline, namespace),
    warnings,
  };
}

/**
 * Applies a prepared deploy: every local and URL Task, then — only when all
 * of them were applied — the Pipeline. What the first round of LISTs knows
 * (a kind not served, no right to read it) is refused before the first write.
 *
 * @throws {DeployError} after a failure, with what was done
 * @throws {DeployInterruptedError} after a stop signal, with what was done
 */
export async function deploy(
  prepared: Prepared,
  applier: Applier,
  options: DeployOptions = {},
): Promise<ChangeSetEntry[]> {
  await applier.check([...prepared.tasks, prepared.pipeline]);
  const failures: unknown[] = [];
  const stop = options.stop;
  const told = (entry: ChangeSetEntry) => (options.onApplied?.(entry), entry);
  const changes = await mapConcurrent(
    prepared.tasks,
    options.concurrency ?? DEFAULT_APPLY_CONCURRENCY,
    async (task) => {
      // Once stopped, no new apply starts; those in flight finish and are reported.
      if (stop?.aborted) return told({ ...entryOf(task), action: "skipped" as const });
      try {
        return told(await applier.apply(task, options));
      } catch (error) {
        failures.push(error);
        return told(failedEntry(task, error));
      }
    },
  );
  const skipped = { ...entryOf(prepared.pipeline), action: "skipped" as const };
  if (stop?.aborted || failures.length > 0) told(skipped);
  if (stop?.aborted) {
    throw new DeployInterruptedError([...changes, skipped], stop.reason as StopSignal);
  }
  if (failures.length > 0) throw new DeployError([...changes, skipped], failures);
  try {
    changes.push(told(await applier.apply(prepared.pipeline, options)));
  } catch (error) {
    // The Tasks are on the cluster: say so, then fail.
    const failed = told(failedEntry(prepared.pipeline, error));
    throw new DeployError([...changes, failed], [error]);
  }
  return changes;
}

/** The seed's {@link Orchestrator}, for Tekton on a real or in-memory cluster. */
export const tektonOrchestrator: Orchestrator = { prepare, deploy };

/**
 * Renders every component holding Helm expressions with one call of `render`
 * (the same step for every strategy: what a dry run prints is what apply
 * sends; one call, so the renderer can render them all at once), and checks
 * each rendered Task against Tekton's rules again (a value from a values file
 * meets them only now).
 *
 * @throws {ValidationError} or the renderer's error, every problem at once
 */
export async function renderComponents(
  components: readonly ResolvedComponent[],
  render: (components: readonly ResolvedComponent[]) => Promise<Task[]>,
): Promise<ResolvedComponent[]> {
  const templated = components.filter((c) => holdsHelmExpression(c.task));
  if (templated.length === 0) return [...components];
  const tasks = await render(templated);
  const byComponent = new Map(templated.map((c, i) => [c, tasks[i]!]));
  const problems: string[] = [];
  const rendered = components.map((component) => {
    const task = byComponent.get(component);
    if (task === undefined) return component;
    problems.push(...tektonTaskProblems(task, component.origin));
    return { ...component, task };
  });
  if (problems.length > 0) throw new ValidationError(problems);
  return rendered;
}

/**
 * The Task a `helm://` reference names, from the Helm releases of a namespace
 * ({@link HelmTaskLookup.listHelmTasks}); the errors list what is there.
 */
export function resolveHelmRef(
  ref: HelmRef,
  releases: Map<string, Map<string, Task>>,
  namespace: string,
): ResolvedComponent {
  const tasks = releases.get(ref.release);
  if (tasks === undefined) {
    const present = [...releases.keys()].sort();
    throw new ValidationError([
      `Cannot resolve "${ref.raw}": no Helm release "${ref.release}" with Tasks in namespace "${namespace}"` +
      (present.length
        ? ` (releases there: ${present.map((r) => `"${r}"`).join(", ")})`
        : " (none there)"),
    ], { hint: `run "helm list -n ${namespace}" to see the installed releases` });
  }
  const task = tasks.get(ref.task);
  if (task === undefined) {
    const names = [...tasks.keys()].sort();
    throw new ValidationError([
      `Cannot resolve "${ref.raw}": release "${ref.release}" has no Task "${ref.task}" in namespace "${namespace}"` +
      ` (it has: ${names.join(", ")})`,
    ]);
  }
  const type = task.metadata.labels?.[COMPONENT_LABEL];
  if (!isComponentType(type)) {
    throw new ValidationError([
      `Cannot use "${ref.raw}": the Task has no valid "${COMPONENT_LABEL}" label (found ${
        JSON.stringify(type ?? null)
      })`,
    ]);
  }
  return { ref, name: task.metadata.name, type, task, origin: ref.raw };
}

function helmOwnerOf(
  name: string,
  releases: Map<string, Map<string, Task>>,
): { release: string; task: Task } | undefined {
  for (const [release, tasks] of releases) {
    const task = tasks.get(name);
    if (task !== undefined) return { release, task };
  }
  return undefined;
}

/** Whether two Tasks do the same thing: equal specs (labels and annotations aside). */
function sameSpec(a: Task, b: Task): boolean {
  return canonicalJson(a.spec) === canonicalJson(b.spec);
}

function providedByHelm(component: ResolvedComponent, release: string): string {
  return `${component.origin}: Task "${component.name}" is identical to the one Helm release ` +
    `"${release}" installed; using that one, not applying it`;
}

function ownedByHelm(component: ResolvedComponent, release: string): ValidationError {
  return new ValidationError([
    `${component.origin}: Task "${component.name}" is owned by Helm release "${release}" on the cluster ` +
    `and differs from it; applying it would take it over`,
  ], { hint: `reference it as "helm://${release}/${component.name}" instead` });
}

/** `object` in `namespace`; unchanged when the namespace is left to the context (`undefined`). */
export function withNamespace<T extends Task | Pipeline>(
  object: T,
  namespace: string | undefined,
): T {
  return namespace === undefined
    ? object
    : { ...object, metadata: { ...object.metadata, namespace } };
}

function entryOf(object: Task | Pipeline): Omit<ChangeSetEntry, "action"> {
  const namespace = object.metadata.namespace ?? "";
  return {
    subject: subjectOf(object),
    kind: object.kind,
    namespace,
    name: object.metadata.name,
  };
}

function failedEntry(object: Task | Pipeline, error: unknown): ChangeSetEntry {
  return {
    ...entryOf(object),
    action: "failed",
    error: error instanceof Error ? error.message : String(error),
  };
}
