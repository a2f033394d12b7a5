/**
 * Renders a Task that holds Helm expressions the way the components chart
 * would: through `helm template` of a one-Task chart planned by the same
 * {@link planChart}, with the values the operator gives. `pipelines deploy`
 * uses it for local and URL Tasks, so a Task deployed from a file equals the
 * same Task installed from the chart, except for the chart's Helm labels
 * (`CHART_LABELS`, `app.kubernetes.io/name`), which it must not carry: with
 * `managed-by: Helm` draconctl's own Task would look Helm-owned.
 *
 * @module
 */
import type { Deps } from "../deps.ts";
import { combineErrors, HelmError } from "../errors.ts";
import { isMapping, parseYamlDocuments } from "../yaml/yaml.ts";
import type { Task } from "../tekton/types.ts";
import { type ChartFile, type ChartOptions, type ChartTask, planChart } from "./chart_plan.ts";
import { valuesPathsIn } from "./values_plan.ts";
import { renderTemplate, type TemplateScope, UnsupportedTemplateError } from "./template_engine.ts";
import { writeChart } from "./package.ts";
import { templateWithValues, type ValuesFile } from "./helm_template.ts";
import type { RenderMemo } from "./render_memo.ts";

export type { ValuesFile } from "./helm_template.ts";

/** The values a rendered Task gets, as `helm install` of the chart would. */
export interface RenderValues {
  /** Values files, in order (`-f`). @default [] */
  values?: readonly ValuesFile[];
  /** `key=value` overrides, in order (`--set`). @default [] */
  set?: readonly string[];
  /** What `{{ .Chart.AppVersion }}` renders to (the image tag). @default "latest" */
  appVersion?: string;
  /** The run's renders so far: an identical render is taken from it ({@link RenderMemo}). */
  memo?: RenderMemo;
}

/** Options of {@link renderTask}. */
export interface RenderOptions extends RenderValues {
  /** What `{{ .Release.Namespace }}` renders to. */
  namespace: string;
  /**
   * `auto`: in-process ({@link renderTemplate}) when no `--set`/`-f` is given
   * and the template stays in its subset, else helm; `helm` or `in-process`
   * only (tests compare the two). @default "auto"
   */
  engine?: "auto" | "helm" | "in-process";
}

/** The release name `{{ .Release.Name }}` renders to on the deploy path. */
export const RENDER_RELEASE = "draconctl";
/** The chart name and version `{{ .Chart.Name }}`/`{{ .Chart.Version }}` render to. */
export const RENDER_CHART = { name: "draconctl-render", version: "0.0.0" } as const;
/** Default of {@link RenderValues.appVersion}. */
export const DEFAULT_RENDER_APP_VERSION = "latest";

/**
 * Renders one (valid) Task through helm; the result is processed like every
 * deployed Task.
 *
 * @throws {HelmError} when helm is missing or rendering fails
 */
export async function renderTask(
  task: Task,
  origin: string,
  deps: Pick<Deps, "fs" | "helm">,
  options: RenderOptions,
): Promise<Task> {
  return (await renderTasks([{ origin, task }], deps, options))[0]!;
}

/**
 * Renders (valid) Tasks, each exactly as {@link renderTask} alone would, in
 * order: in-process where it can, and every other Task in one chart through
 * one `helm template`, whatever their number. Tasks that one chart cannot
 * hold as they would render alone (the same name, or a value one reads as a
 * map and another as a string: each Task's defaults are its own) go into
 * further charts, one helm call each.
 *
 * @throws {HelmError} when helm is missing or rendering fails (every failure at once)
 */
export async function renderTasks(
  tasks: readonly ChartTask[],
  deps: Pick<Deps, "fs" | "helm">,
  options: RenderOptions,
): Promise<Task[]> {
  const { memo, ...rest } = options;
  if (memo === undefined) return await renderNow(tasks, deps, options);
  const key = JSON.stringify({
    values: rest.values ?? [],
    set: rest.set ?? [],
    appVersion: rest.appVersion ?? DEFAULT_RENDER_APP_VERSION,
    namespace: rest.namespace,
    engine: rest.engine ?? "auto",
  });
  return await memo.renderAll(
    tasks.map(({ task }) => `${key}\u0000${JSON.stringify(task)}`),
    (indexes) => renderNow(indexes.map((i) => tasks[i]!), deps, rest),
  );
}

async function renderNow(
  tasks: readonly ChartTask[],
  deps: Pick<Deps, "fs" | "helm">,
  options: RenderOptions,
): Promise<Task[]> {
  const appVersion = options.appVersion ?? DEFAULT_RENDER_APP_VERSION;
  const chartOptions = {
    name: RENDER_CHART.name,
    chartVersion: RENDER_CHART.version,
    appVersion,
    helmLabels: false,
  };
  const engine = options.engine ?? "auto";
  const defaultsOnly = (options.set ?? []).length === 0 && (options.values ?? []).length === 0;
  const out: (Task | undefined)[] = tasks.map(() => undefined);
  const errors: unknown[] = [];
  const failed = new Set<number>();
  if (engine === "in-process" || (engine === "auto" && defaultsOnly)) {
    // The chart's own defaults only: rendered in-process when the template
    // stays within the subset helm is proven to render the same way.
    for (const [i, task] of tasks.entries()) {
      try {
        out[i] = (await renderDefaultsInProcess(task, options))?.task;
        if (out[i] === undefined && engine === "in-process") {
          throw new HelmError(`${task.origin}: the Task's template needs helm to render`);
        }
      } catch (error) {
        errors.push(error);
        failed.add(i);
      }
    }
  }
  const left = [...tasks.keys()].filter((i) => out[i] === undefined && !failed.has(i));
  for (const group of chartGroups(left.map((i) => tasks[i]!))) {
    try {
      const rendered = await renderWithHelm(group.map((g) => tasks[left[g]!]!), deps, {
        ...options,
        chartOptions,
      });
      group.forEach((g, j) => out[left[g]!] = rendered[j]!);
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length > 0) throw combineErrors(errors);
  return out as Task[];
}

/**
 * One Task rendered in-process with the chart's own defaults (no `--set`,
 * no values files), as {@link renderTasks} renders it, and whether its
 * template mentions `Release` at all (only then can the namespace,
 * `.Release.Namespace`, change the result); `undefined` when its template
 * needs helm.
 *
 * @throws {HelmError} when rendering fails
 */
export async function renderDefaultsInProcess(
  task: ChartTask,
  options: Pick<RenderOptions, "appVersion" | "namespace">,
): Promise<{ task: Task; readsRelease: boolean } | undefined> {
  const appVersion = options.appVersion ?? DEFAULT_RENDER_APP_VERSION;
  const files = planChart([task], {
    name: RENDER_CHART.name,
    chartVersion: RENDER_CHART.version,
    appVersion,
    helmLabels: false,
  });
  const rendered = await renderInProcess(files, task.origin, {
    Chart: { Name: RENDER_CHART.name, Version: RENDER_CHART.version, AppVersion: appVersion },
    Release: { Name: RENDER_RELEASE, Namespace: options.namespace, Service: "Helm" },
  });
  if (rendered === undefined) return undefined;
  return { task: rendered, readsRelease: taskTemplate(files)!.content.includes("Release") };
}

/**
 * Indexes of `tasks` in groups that one chart renders as each alone: unique
 * Task names, and no `.Values` path one Task reads as a leaf that another
 * reads below it (a chart's defaults are the union of its Tasks').
 */
function chartGroups(tasks: readonly ChartTask[]): number[][] {
  const groups: { members: number[]; names: Set<string>; paths: Set<string> }[] = [];
  for (const [i, { task }] of tasks.entries()) {
    const paths = new Set(valuesPathsIn(task).map((p) => p.join("\u0000")));
    const fits = (g: typeof groups[number]) =>
      !g.names.has(task.metadata.name) &&
      ![...paths].some((p) =>
        [...g.paths].some((q) =>
          p !== q && (p.startsWith(q + "\u0000") || q.startsWith(p + "\u0000"))
        )
      );
    let group = groups.find(fits);
    if (group === undefined) {
      groups.push(group = { members: [], names: new Set(), paths: new Set() });
    }
    group.members.push(i);
    group.names.add(task.metadata.name);
    for (const p of paths) group.paths.add(p);
  }
  return groups.map((g) => g.members);
}

/** One `helm template` of a chart holding `tasks`; their rendered Tasks, in order. */
async function renderWithHelm(
  tasks: readonly ChartTask[],
  deps: Pick<Deps, "fs" | "helm">,
  options: RenderOptions & { chartOptions: ChartOptions },
): Promise<Task[]> {
  const files = planChart(tasks, options.chartOptions);
  const temp = await deps.fs.makeTempDir("draconctl-render-");
  try {
    const chartDir = `${temp}/${RENDER_CHART.name}`;
    await writeChart(files, chartDir, deps.fs);
    const yaml = await templateWithValues(chartDir, temp, deps, {
      ...options,
      releaseName: RENDER_RELEASE,
    });
    const sources = splitSources(yaml);
    return await Promise.all(tasks.map(async ({ origin, task }) => {
      const text = sources.get(`${RENDER_CHART.name}/templates/${task.metadata.name}.yaml`) ?? "";
      const rendered = (await parseYamlDocuments(text, `${origin} (rendered by helm)`))
        .map((doc) => doc.value)
        .find((value) => isMapping(value) && value.kind === "Task");
      if (rendered === undefined) {
        throw new HelmError(`${origin}: helm template rendered no Task`);
      }
      return rendered as Task;
    }));
  } finally {
    await deps.fs.remove(temp);
  }
}

/** `helm template`'s output by template (`# Source: <chart>/templates/<file>`). */
function splitSources(yaml: string): Map<string, string> {
  const sources = new Map<string, string>();
  let current: string | undefined;
  let lines: string[] = [];
  const flush = () => {
    if (current !== undefined) {
      sources.set(current, (sources.get(current) ?? "") + lines.join("\n") + "\n");
    }
  };
  for (const line of yaml.split("\n")) {
    const source = /^# Source: (.+)$/.exec(line);
    if (source) {
      flush();
      current = source[1]!.trim();
      lines = ["---"];
    } else if (line !== "---") lines.push(line);
  }
  flush();
  return sources;
}

/** The template of a one-Task chart that holds its Task. */
function taskTemplate(files: readonly ChartFile[]): ChartFile | undefined {
  return files.find((f) => f.path.startsWith("templates/") && f.path.endsWith(".yaml"));
}

/**
 * The Task of a one-Task chart rendered by {@link renderTemplate}, or
 * `undefined` when its template needs helm.
 */
async function renderInProcess(
  files: readonly ChartFile[],
  origin: string,
  scope: Omit<TemplateScope, "Values">,
): Promise<Task | undefined> {
  const values = files.find((f) => f.path === "values.yaml");
  const template = taskTemplate(files);
  if (values === undefined || template === undefined) return undefined;
  const parsed = (await parseYamlDocuments(values.content, `${origin} (values)`))[0]?.value ?? {};
  if (!isMapping(parsed)) return undefined;
  let text: string;
  try {
    text = renderTemplate(template.content, { ...scope, Values: parsed });
  } catch (error) {
    if (error instanceof UnsupportedTemplateError) return undefined;
    throw error;
  }
  const rendered = (await parseYamlDocuments(text, `${origin} (rendered)`))
    .map((doc) => doc.value)
    .find((value) => isMapping(value) && value.kind === "Task");
  return rendered as Task | undefined;
}
