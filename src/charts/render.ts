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
import { HelmError } from "../errors.ts";
import { isMapping, parseYamlDocuments } from "../yaml/yaml.ts";
import type { Task } from "../tekton/types.ts";
import { planChart } from "./chart_plan.ts";
import { writeChart } from "./package.ts";

/** A values file (`-f`), already read: helm gets this text, not the path. */
export interface ValuesFile {
  /** The path as given, named in helm's messages. */
  file: string;
  text: string;
}

/** The values a rendered Task gets, as `helm install` of the chart would. */
export interface RenderValues {
  /** Values files, in order (`-f`). @default [] */
  values?: readonly ValuesFile[];
  /** `key=value` overrides, in order (`--set`). @default [] */
  set?: readonly string[];
  /** What `{{ .Chart.AppVersion }}` renders to (the image tag). @default "latest" */
  appVersion?: string;
}

/** Options of {@link renderTask}. */
export interface RenderOptions extends RenderValues {
  /** What `{{ .Release.Namespace }}` renders to. */
  namespace: string;
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
  const files = planChart([{ origin, task }], {
    name: RENDER_CHART.name,
    chartVersion: RENDER_CHART.version,
    appVersion: options.appVersion ?? DEFAULT_RENDER_APP_VERSION,
    helmLabels: false,
  });
  const temp = await deps.fs.makeTempDir("draconctl-render-");
  try {
    const chartDir = `${temp}/${RENDER_CHART.name}`;
    await writeChart(files, chartDir, deps.fs);
    const yaml = await templateWithValues(chartDir, temp, deps, {
      ...options,
      releaseName: RENDER_RELEASE,
    });
    const rendered = (await parseYamlDocuments(yaml, `${origin} (rendered by helm)`))
      .map((doc) => doc.value)
      .find((value) => isMapping(value) && value.kind === "Task");
    if (rendered === undefined) {
      throw new HelmError(`${origin}: helm template rendered no Task`);
    }
    return rendered as Task;
  } finally {
    await deps.fs.remove(temp);
  }
}

/**
 * `helm template` of `chart` with the values files written under `dir`
 * (helm reads values only from files); helm's messages name the user's files.
 *
 * @throws {HelmError} when helm is missing or rendering fails
 */
export async function templateWithValues(
  chart: string,
  dir: string,
  deps: Pick<Deps, "fs" | "helm">,
  options: RenderOptions & { releaseName: string },
): Promise<string> {
  const values = options.values ?? [];
  const paths = values.map((_, i) => `${dir}/values-${i}.yaml`);
  for (const [i, value] of values.entries()) await deps.fs.writeTextFile(paths[i]!, value.text);
  try {
    return await deps.helm.template(chart, {
      releaseName: options.releaseName,
      namespace: options.namespace,
      valuesFiles: paths,
      set: options.set ?? [],
    });
  } catch (error) {
    if (!(error instanceof HelmError) || values.length === 0) throw error;
    let message = error.message;
    values.forEach((value, i) => message = message.replaceAll(paths[i]!, value.file));
    throw new HelmError(message, { cause: error, ...(error.hint ? { hint: error.hint } : {}) });
  }
}
