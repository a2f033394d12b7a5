/**
 * Helm releases without a cluster: `helm template` of a chart (archive or
 * directory) under a release name gives the Tasks that release would hold,
 * so `pipelines deploy --dry-run --helm-chart <release>=<chart>` can resolve
 * `helm://<release>/<task>` and assemble the Pipeline offline.
 *
 * @example
 * ```ts
 * import { HelmCli } from "../helm/helm_cli.ts";
 * import { DenoFileSystem } from "../io/filesystem.ts";
 *
 * const releases = await releasesFromCharts(
 *   [{ release: "dracon-oss-components", chart: "./dracon-components-0.1.0.tgz" }],
 *   { helm: new HelmCli(), fs: new DenoFileSystem() },
 *   { namespace: "dracon", set: ["image.registry=registry.internal"] },
 * );
 * releases.get("dracon-oss-components")?.get("git-clone"); // the rendered Task
 * ```
 * @module
 */
import type { Deps } from "../deps.ts";
import { ValidationError } from "../errors.ts";
import type { HelmTaskLookup } from "../tekton/cluster.ts";
import { groupByRelease } from "../tekton/helm_tasks.ts";
import { isMapping, parseYamlDocuments } from "../yaml/yaml.ts";
import { toTask } from "../tekton/task.ts";
import type { Task } from "../tekton/types.ts";
import type { RenderOptions } from "./render.ts";
import { templateWithValues } from "./helm_template.ts";

/** A chart standing in for an installed release. */
export interface OfflineRelease {
  release: string;
  /** Path of a chart archive or directory. */
  chart: string;
}

/**
 * The Tasks each release would hold, grouped like
 * {@link HelmTaskLookup.listHelmTasks} groups the cluster's: by the Helm
 * labels `helm template` renders onto them.
 */
export async function releasesFromCharts(
  charts: readonly OfflineRelease[],
  deps: Pick<Deps, "helm" | "fs">,
  options: RenderOptions,
): Promise<Map<string, Map<string, Task>>> {
  const tasks: Task[] = [];
  for (const { release, chart } of charts) {
    tasks.push(...await renderChartTasks(release, chart, deps, options));
  }
  return groupByRelease(tasks);
}

/**
 * Every Task `helm template` of `chart` renders under the release name
 * `release`, whatever their labels (`components upgrade-check`: all of them
 * would be the release's).
 *
 * @throws {ValidationError} a chart that renders no Task
 * @throws {HelmError} when helm is missing or rendering fails
 */
export async function renderChartTasks(
  release: string,
  chart: string,
  deps: Pick<Deps, "helm" | "fs">,
  options: RenderOptions,
): Promise<Task[]> {
  const temp = await deps.fs.makeTempDir("draconctl-values-");
  let text: string;
  try {
    text = await templateWithValues(chart, temp, deps, { ...options, releaseName: release });
  } finally {
    await deps.fs.remove(temp);
  }
  const origin = `helm template ${release} ${chart}`;
  const found = (await parseYamlDocuments(text, origin))
    .map((doc) => doc.value)
    .filter((value) => isMapping(value) && value.kind === "Task")
    .map((value) => toTask(value, origin));
  if (found.length === 0) {
    throw new ValidationError([`${origin}: the chart renders no Task`], {
      hint: 'package the Tasks with "draconctl components package"',
    });
  }
  return found;
}

/**
 * The {@link HelmTaskLookup} of charts rendered offline: the releases
 * `--helm-chart <release>=<chart>` stands in for, contacting no cluster.
 */
export class ChartHelmTaskLookup implements HelmTaskLookup {
  constructor(
    private readonly charts: readonly OfflineRelease[],
    private readonly deps: Pick<Deps, "helm" | "fs">,
    private readonly options: RenderOptions,
  ) {}

  listHelmTasks(): Promise<Map<string, Map<string, Task>>> {
    return releasesFromCharts(this.charts, this.deps, this.options);
  }
}
