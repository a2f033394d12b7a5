/**
 * The `components package` action: gather every Task under a directory,
 * plan the chart, write it to a temporary directory, `helm lint` it,
 * `helm package` it, and optionally `helm push` it. Returns what it did;
 * prints nothing.
 *
 * @module
 */
import type { Deps } from "../deps.ts";
import { combineErrors, ValidationError } from "../errors.ts";
import type { FileSystem } from "../io/filesystem.ts";
import { chartProblems } from "./chart_name.ts";
import { type ChartFile, planChart } from "./chart_plan.ts";
import { gatherTasks, type SkippedFile } from "./gather.ts";

/** Options of {@link packageComponents}. */
export interface PackageOptions {
  /** The chart's name (required). */
  name: string;
  /** The chart's version. @default "0.1.0" */
  chartVersion?: string;
  /** The chart's appVersion, the tag of the component images. @default the chart version */
  appVersion?: string;
  /** Chart.yaml `description`. @default "Dracon component Tasks, packaged by draconctl" */
  description?: string;
  /** Where the archive is written. @default "." */
  outputDir?: string;
  /** An `oci://` repository to push the archive to. @default no push */
  push?: string;
  /** Push over plain HTTP. @default false */
  plainHttp?: boolean;
}

/** What {@link packageComponents} did. */
export interface PackageResult {
  /** The archive written, e.g. `./dracon-components-0.1.0.tgz`. */
  archive: string;
  chart: { name: string; version: string; appVersion: string };
  /** The packaged Task names, sorted. */
  tasks: string[];
  /** Files under the directory that held no Task. */
  skipped: SkippedFile[];
  /** `helm lint` findings of a passing lint (`[INFO] …`, `[WARNING] …`). */
  lint: string[];
  /** Where the chart was pushed, when `push` was given. */
  pushed?: { ref: string; digest: string };
}

/**
 * Packages every Task under `dir` into one chart archive.
 *
 * @throws {ValidationError} listing every bad option and invalid or duplicate Task (exit 3)
 * @throws {LoadError} when `dir` is not a directory (exit 4)
 * @throws {HelmError} when helm is missing or lint, package or push fails (exit 6)
 */
export async function packageComponents(
  dir: string,
  deps: Pick<Deps, "fs" | "helm">,
  options: PackageOptions,
): Promise<PackageResult> {
  const chart = {
    name: options.name,
    version: options.chartVersion ?? "0.1.0",
    appVersion: options.appVersion ?? options.chartVersion ?? "0.1.0",
  };
  const problems = chartProblems({ ...chart, chartVersion: chart.version });
  const errors: unknown[] = problems.length > 0 ? [new ValidationError(problems)] : [];
  // The tree is read in a Worker that may read only the tree (`FileSystem.confine`).
  const real = await deps.fs.realPath(dir).catch(() => dir);
  const reader = deps.fs.confine({ paths: [...new Set([dir, real])] });
  const gathered = await gatherTasks(dir, reader).catch((error) => void errors.push(error))
    .finally(() => reader.close());
  if (errors.length > 0 || gathered === undefined) throw combineErrors(errors);
  const files = planChart(gathered.tasks.map((t) => ({ origin: t.relative, task: t.task })), {
    name: chart.name,
    chartVersion: chart.version,
    appVersion: chart.appVersion,
    ...(options.description === undefined ? {} : { description: options.description }),
  });
  const temp = await deps.fs.makeTempDir("draconctl-chart-");
  try {
    const chartDir = `${temp}/${chart.name}`;
    await writeChart(files, chartDir, deps.fs);
    const lint = await deps.helm.lint(chartDir);
    const archive = await deps.helm.package(chartDir, { destination: options.outputDir ?? "." });
    const result: PackageResult = {
      archive,
      chart,
      tasks: gathered.tasks.map((t) => t.task.metadata.name).sort(),
      skipped: gathered.skipped,
      lint,
    };
    if (options.push !== undefined) {
      result.pushed = await deps.helm.push(archive, options.push, {
        plainHttp: options.plainHttp ?? false,
      });
    }
    return result;
  } finally {
    await deps.fs.remove(temp);
  }
}

/** Writes planned chart files under `dir`. */
export async function writeChart(
  files: readonly ChartFile[],
  dir: string,
  fs: FileSystem,
): Promise<void> {
  for (const file of files) await fs.writeTextFile(`${dir}/${file.path}`, file.content);
}
