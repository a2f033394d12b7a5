/**
 * `components upgrade-check`: what a `helm upgrade` of a release providing
 * Tasks would do to the Pipelines of the namespace that use them.
 *
 * The release's Tasks as they are live (current) are compared with the Tasks
 * the new chart renders (`helm template`, as `--helm-chart` renders). For
 * every Pipeline referencing a Task of the release, Tekton's run checks
 * ({@link checkPipelineRun}, as `pipelines check`) run twice: with the live
 * Tasks and with the new ones substituted; what fails only after is a break,
 * named per pipeline task, Task and field. A param the pipeline task passes
 * that the new Task no longer declares (which Tekton silently drops), and a
 * param or consumed result whose type changes are breaks too. Everything else
 * the field-level diff ({@link diffTasks}) finds is listed as changed. Every
 * new Task is also checked against Tekton's own Task rules
 * ({@link taskRuleProblems}, what its validating webhook refuses): a Task
 * breaking one is "invalid", which breaks every Pipeline using it.
 *
 * @module
 */
import type { Deps } from "../deps.ts";
import { ClusterError, UsageError, ValidationError } from "../errors.ts";
import { renderChartTasks } from "../charts/offline_releases.ts";
import type { ValuesFile } from "../charts/render.ts";
import { apiStatusOf } from "../k8s/api_errors.ts";
import { describeStatus, toKubeError, typedPatchFailure } from "../k8s/errors.ts";
import type { ObjectClient } from "../k8s/object_client.ts";
import type { KubeObject } from "../k8s/objects.ts";
import type { ClusterOptions } from "../tekton/cluster.ts";
import { checkPipelineRun } from "../tekton/pipeline_run_checks.ts";
import { taskRuleProblems } from "../tekton/task_rules.ts";
import { type ChangeSubject, diffTasks, type TaskChange } from "../tekton/task_diff.ts";
import type { Task } from "../tekton/types.ts";
import { isMapping } from "../yaml/mapping.ts";
import { DEFAULT_CONCURRENCY, mapConcurrent } from "./_concurrency.ts";
import { helmReleaseOf, readLive, TASK_API_VERSION, taskRefsOf } from "./live.ts";

/** Options of {@link upgradeCheck}. */
export interface UpgradeCheckOptions {
  /** The new chart: an archive (`.tgz`) or a directory. */
  chart: string;
  /** The Helm release to be upgraded. */
  release: string;
  cluster: ClusterOptions;
  /** `--set` values, as `helm upgrade` would get them. @default [] */
  set?: readonly string[];
  /** `-f` values files, as `helm upgrade` would get them. @default [] */
  valuesFiles?: readonly string[];
}

/** A release Task, current against new. */
export interface TaskImpact {
  task: string;
  /** `invalid`: Tekton's webhook would refuse the new Task (its problems lead `changes`). */
  status: "removed" | "added" | "changed" | "unchanged" | "invalid";
  changes: Omit<TaskChange, "subject" | "types">[];
}

/** One pipeline task using a Task of the release. */
export interface PipelineTaskImpact {
  pipelineTask: string;
  task: string;
  /** What would make Tekton refuse the run, or lose what the pipeline task passes. */
  breaking: string[];
  /** `Task "T": <field>: <change>`, the rest of the Task's changes. */
  changed: string[];
}

/** One Pipeline using Tasks of the release. */
export interface PipelineImpact {
  pipeline: string;
  breaks: boolean;
  /** Breaks not of one pipeline task (`spec.results`). */
  breaking: string[];
  tasks: PipelineTaskImpact[];
  /** Problems the Pipeline has now already, which the upgrade keeps. */
  alreadyBroken: string[];
  /** Problems the Pipeline has now, which the upgrade fixes. */
  fixed: string[];
}

/** What {@link upgradeCheck} found. */
export interface UpgradeReport {
  namespace: string;
  release: string;
  chart: string;
  /** Whether a Pipeline breaks or a new Task is invalid (`components upgrade-check` then exits 11). */
  breaks: boolean;
  tasks: TaskImpact[];
  pipelines: PipelineImpact[];
  /** What could not be checked as asked (the server's dry run refused). */
  warnings: string[];
}

/**
 * Reads the namespace (one LIST of Pipelines, one of Tasks), renders the new
 * chart and reports, per Pipeline using the release's Tasks, what breaks and
 * what changes. Writes nothing.
 *
 * @throws {UsageError} a chart or values file that is not there (exit 2)
 * @throws {ValidationError} a release without Tasks in the namespace, a chart rendering none (exit 3)
 */
export async function upgradeCheck(
  deps: Pick<Deps, "fs" | "helm" | "cluster">,
  options: UpgradeCheckOptions,
): Promise<UpgradeReport> {
  const values = await readFlagFiles(deps.fs, options);
  const connected = await deps.cluster(options.cluster);
  const namespace = connected.namespace;
  const live = await readLive(connected.client, namespace);
  const current = new Map(
    live.tasks.filter((t) => helmReleaseOf(t) === options.release)
      .map((t) => [t.metadata.name, t as Task]),
  );
  if (current.size === 0) {
    throw new ValidationError(
      [`Helm release "${options.release}" provides no Task in namespace "${namespace}"`],
      {
        hint:
          `"draconctl components list -n ${namespace}" lists the releases that provide Tasks there`,
      },
    );
  }
  const rendered = await renderChartTasks(options.release, options.chart, deps, {
    namespace,
    set: options.set ?? [],
    values,
  });
  const warnings: string[] = [];
  const served = await asServed(rendered, connected.client, namespace, warnings);
  const next = new Map(served.map((t) => [t.metadata.name, t]));
  // What Tekton's validating webhook would refuse: the dry run above runs the
  // webhook only where it is installed (a test API server has none).
  const invalid = new Map(
    served.map((t) => [t.metadata.name, taskRuleProblems(t)] as const)
      .filter(([, problems]) => problems.length > 0),
  );
  const diffs = new Map<string, TaskChange[]>();
  for (const [name, task] of current) {
    const after = next.get(name);
    if (after === undefined) continue;
    // A new Task of another API version is compared with the live one read at that version.
    const live = after.apiVersion === TASK_API_VERSION
      ? task
      : await connected.client.get(after.apiVersion, "Task", namespace, name) as Task | undefined;
    diffs.set(name, diffTasks(live ?? task, after));
  }
  const tasks: TaskImpact[] = [...new Set([...current.keys(), ...next.keys()])].sort()
    .map((task) => {
      const changes = [
        ...(invalid.get(task) ?? []).map(ruleChange),
        ...(diffs.get(task) ?? []).map(({ field, change, incompatible }) => ({
          field,
          change,
          incompatible,
        })),
      ];
      const status = invalid.has(task)
        ? "invalid"
        : !next.has(task)
        ? "removed"
        : !current.has(task)
        ? "added"
        : changes.length > 0
        ? "changed"
        : "unchanged";
      return { task, status, changes };
    });

  const liveTasks = new Map(live.tasks.map((t) => [t.metadata.name, t as Task]));
  const before = (name: string) => liveTasks.get(name);
  const after = (name: string) =>
    current.has(name) || next.has(name) ? next.get(name) : liveTasks.get(name);
  // The release's Tasks after the upgrade: those of the new chart (an added Task too) and the removed.
  const involved = (name: string) => current.has(name) || next.has(name);
  const pipelines = live.pipelines
    .filter((p) => taskRefsOf(p).some(involved))
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
    .map((pipeline) => pipelineImpact(pipeline, { involved, diffs, invalid, before, after }));
  return {
    namespace,
    release: options.release,
    chart: options.chart,
    breaks: invalid.size > 0 || pipelines.some((p) => p.breaks),
    tasks,
    pipelines,
    warnings,
  };
}

/** A Tekton rule problem (`<field path>: <problem>`) as an incompatible change of that field. */
function ruleChange(problem: string): Omit<TaskChange, "subject" | "types"> {
  const at = problem.indexOf(": ");
  return at < 0
    ? { field: "spec", change: problem, incompatible: true }
    : { field: problem.slice(0, at), change: problem.slice(at + 2), incompatible: true };
}

/** The field manager of the dry-run applies; nothing is ever written under it. */
const PROBE_FIELD_MANAGER = "draconctl-upgrade-check";

/**
 * The new Tasks as the API server would store and serve them: each applied
 * with `dryRun=All` under a name no object has (so no live field is merged
 * in), its `spec` as the server answers it — pruned to the CRD's schema,
 * defaulted and converted as the live Tasks were. A Task the server refuses
 * fails the check (helm upgrade would fail too); when the dry run is not
 * allowed (forbidden, unreachable), the Tasks are compared as rendered, with
 * a warning.
 *
 * @throws {ValidationError} the server refuses a new Task (exit 3)
 */
async function asServed(
  tasks: readonly Task[],
  client: ObjectClient,
  namespace: string,
  warnings: string[],
): Promise<Task[]> {
  const answers = await mapConcurrent(tasks, DEFAULT_CONCURRENCY, async (task, i) => {
    const probe = {
      ...task,
      metadata: { name: `${PROBE_FIELD_MANAGER}-${i}`, namespace },
    };
    try {
      const answer = await client.apply(probe, {
        fieldManager: PROBE_FIELD_MANAGER,
        force: true,
        dryRun: true,
      });
      return { task: { ...task, spec: (answer as Task).spec } };
    } catch (error) {
      return { error, task };
    }
  });
  const problems: string[] = [];
  for (const [i, { task, error }] of answers.entries()) {
    if (error === undefined) continue;
    const probe = `${PROBE_FIELD_MANAGER}-${i}`;
    const api = apiStatusOf(error);
    if (
      api !== undefined &&
      (api.code === 400 || api.code === 422 || typedPatchFailure(api.status) !== undefined)
    ) {
      const { message } = describeStatus(api.code, api.status, { namespace });
      problems.push(
        `Task "${task.metadata.name}" of the new chart: the API server refuses it: ${
          (message ?? `HTTP ${api.code}`).replaceAll(probe, task.metadata.name)
        }`,
      );
      continue;
    }
    const mapped = toKubeError(error, { server: client.server, kind: "Task", namespace });
    if (!(mapped instanceof ClusterError)) throw mapped; // a bug, not an answer
    if (warnings.length === 0) {
      warnings.push(
        `the new Tasks could not be dry-run on the API server (${mapped.message}): they are compared as rendered, so fields the server would drop or default may show as changed`,
      );
    }
  }
  if (problems.length > 0) {
    throw new ValidationError(problems, {
      hint: "helm upgrade would fail likewise: fix the chart",
    });
  }
  return warnings.length > 0 ? [...tasks] : answers.map((a) => a.task);
}

/** The chart and values files must be there (exit 2, as deploy's `-f` and `--helm-chart`); values are read. */
async function readFlagFiles(
  fs: Deps["fs"],
  options: UpgradeCheckOptions,
): Promise<ValuesFile[]> {
  const checks = [
    { flag: "--chart", path: options.chart, directory: true },
    ...(options.valuesFiles ?? []).map((path) => ({ flag: "-f/--values", path, directory: false })),
  ];
  for (const { flag, path, directory } of checks) {
    const info = await fs.stat(path);
    const problem = info === undefined
      ? "no such file or directory"
      : info.isDirectory && !directory
      ? "is a directory"
      : !info.isDirectory && !info.isFile
      ? `is not a regular file (a ${info.type})`
      : undefined;
    if (problem !== undefined) {
      throw new UsageError(`${flag} "${path}": ${problem}`, {
        hint: `check the path given to ${flag}`,
      });
    }
  }
  return await Promise.all(
    (options.valuesFiles ?? []).map(async (file) => ({ file, text: await fs.readTextFile(file) })),
  );
}

/** The pipeline task a check message is about (`pipeline task "x" (spec.tasks[0])…`). */
const PIPELINE_TASK_PREFIX = /^pipeline task "([^"]+)" \([^)]*\)(?:, |: )?/;

/** What {@link pipelineImpact} compares a Pipeline with. */
interface ImpactInputs {
  /** Whether a Task name is the release's, now or after the upgrade. */
  involved: (name: string) => boolean;
  diffs: ReadonlyMap<string, TaskChange[]>;
  /** Tekton's rule problems of the invalid new Tasks. */
  invalid: ReadonlyMap<string, string[]>;
  before: (name: string) => Task | undefined;
  after: (name: string) => Task | undefined;
}

function pipelineImpact(
  pipeline: KubeObject,
  { involved, diffs, invalid, before, after }: ImpactInputs,
): PipelineImpact {
  const subject = pipeline as KubeObject & { spec: Record<string, unknown> };
  const then = checkPipelineRun(subject, before);
  const now = checkPipelineRun(subject, after);
  const had = new Set([...then.problems, ...then.warnings]);
  const has = new Set([...now.problems, ...now.warnings]);
  const added = [...has].filter((m) => !had.has(m));
  const byTask = new Map<string, string[]>();
  const breaking: string[] = [];
  for (const found of added) {
    // A param the Task no longer declares: Tekton accepts the run and drops the value.
    const message = found.replace(
      / \(Tekton ignores it\)$/,
      ": after the upgrade Tekton drops the value the pipeline task passes",
    );
    const match = PIPELINE_TASK_PREFIX.exec(message);
    if (match === null) breaking.push(message);
    else byTask.set(match[1]!, [...byTask.get(match[1]!) ?? [], message.slice(match[0].length)]);
  }
  const spec = subject.spec;
  const all = ["tasks", "finally"].flatMap((section) =>
    (Array.isArray(spec[section]) ? spec[section] as unknown[] : []).filter(isMapping)
  );
  const tasks: PipelineTaskImpact[] = [];
  for (const pt of all) {
    const ref = isMapping(pt.taskRef) ? pt.taskRef : undefined;
    const name = String(pt.name);
    if (typeof ref?.name !== "string" || (ref.kind ?? "Task") !== "Task") continue;
    if (!involved(ref.name)) continue;
    const task = ref.name;
    const found = [
      ...(invalid.get(task) ?? []).map((problem) => `Tekton would refuse the new Task: ${problem}`),
      ...byTask.get(name) ?? [],
    ];
    const changes = diffs.get(task) ?? [];
    const passed = new Set(
      (Array.isArray(pt.params) ? pt.params : []).filter(isMapping).map((p) => String(p.name)),
    );
    for (const change of changes) {
      if (change.types === undefined || found.some((m) => mentions(m, change.subject))) continue;
      if (change.subject.kind === "param" && passed.has(change.subject.name)) {
        found.push(
          `Task "${task}": ${change.field}: ${change.change}; the pipeline task passes it`,
        );
      }
      if (change.subject.kind === "result") {
        const users = consumersOf(all, spec, name, change.subject.name);
        if (users.length > 0) {
          found.push(
            `Task "${task}": ${change.field}: ${change.change}; used by ${users.join(", ")}`,
          );
        }
      }
    }
    const changed = changes.filter((c) => !found.some((m) => mentions(m, c.subject)))
      .map((c) => `Task "${task}": ${c.field}: ${c.change}`);
    tasks.push({ pipelineTask: name, task, breaking: found, changed });
  }
  const fixed = [...had].filter((m) => !has.has(m));
  const alreadyBroken = [...had].filter((m) => has.has(m) && then.problems.includes(m));
  return {
    pipeline: pipeline.metadata.name,
    breaks: breaking.length > 0 || tasks.some((t) => t.breaking.length > 0),
    breaking,
    tasks,
    alreadyBroken,
    fixed,
  };
}

/** Whether a break message is about the param, result or workspace of `subject`. */
function mentions(message: string, subject: ChangeSubject): boolean {
  const name = JSON.stringify(subject.name);
  switch (subject.kind) {
    case "param":
      return new RegExp(`params(?:\\[\\d+\\])? ${escape(name)}|param ${escape(name)}`)
        .test(message);
    case "workspace":
      return new RegExp(`workspaces(?:\\[\\d+\\])? ${escape(name)}|workspace ${escape(name)}`)
        .test(message);
    case "result":
      return new RegExp(`results? ${escape(name)}`).test(message);
    default:
      return false;
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Who uses result `result` of pipeline task `from`: other pipeline tasks, the Pipeline's results. */
function consumersOf(
  all: readonly Record<string, unknown>[],
  spec: Record<string, unknown>,
  from: string,
  result: string,
): string[] {
  // `.name` followed by `)`, `[` (an index) or `.` (an object key), or `["name"]`
  // (in JSON, its quotes escaped).
  const ref = new RegExp(
    `\\$\\(tasks\\.${escape(from)}\\.results(?:\\.${escape(result)}(?=[)[.])|\\[\\\\?["']${
      escape(result)
    }\\\\?["']\\])`,
  );
  const users = all.filter((pt) => pt.name !== from && ref.test(JSON.stringify(pt)))
    .map((pt) => `pipeline task "${String(pt.name)}"`);
  if (ref.test(JSON.stringify(spec.results ?? []))) users.push("the Pipeline's results");
  return users;
}
