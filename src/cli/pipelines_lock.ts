/**
 * `draconctl pipelines lock <kustomization> [--check]`.
 *
 * @module
 */
import { Option } from "@commander-js/extra-typings";
import type { Deps } from "../deps.ts";
import type { OfflineRelease } from "../charts/offline_releases.ts";
import { PIPELINE_API_VERSIONS, type PipelineApiVersion } from "../pipelines/assembly.ts";
import type { AnyCommand, GlobalOptions } from "./_command.ts";
import { addPlanFlags, type PlanFlags, planOptionsOf } from "./_plan_flags.ts";
import { collectHelmChart } from "./pipelines_deploy.ts";

const HELP = `
Resolves every component as "pipelines deploy --dry-run" does (helm://
references from the cluster's Helm releases with one read-only LIST, or from
--helm-chart) and writes draconctl.lock beside the kustomization: each
component's reference, kind and sha256 (local file and URL: the text read;
helm://: the release, the chart name and version, and the Task's spec as the
cluster serves it), the assembled Pipeline's digest and draconctl's version.
The same inputs give the same bytes. Review it and commit it; "pipelines
deploy --locked" then refuses anything that resolves differently.

With --check: compare instead of writing; exit 9 listing every difference
when the lock is stale (exit 4 when there is none). Format: docs/lock.md.

Examples:
  draconctl pipelines lock ./pipelines/golang -n dracon
  draconctl pipelines lock ./pipelines/golang -n dracon --check
`;

/** Registers `lock` under `pipelines`. */
export function registerPipelinesLock(parent: AnyCommand, deps: Deps): void {
  const command = parent.command("lock")
    .description("write (or --check) the lock file of a kustomization: what each component is")
    .argument("<kustomization>", "kustomization file, or a directory holding kustomization.yaml")
    .option("--check", "compare with the lock file and write nothing; exit 9 when it is stale")
    .option(
      "--lock-file <path>",
      "the lock file (default: draconctl.lock beside the kustomization)",
    )
    .option(
      "--helm-chart <release=chart>",
      "resolve helm://<release>/… from this chart archive or directory, rendered with " +
        "--set/-f, instead of the cluster (repeatable)",
      collectHelmChart,
      [] as OfflineRelease[],
    )
    .addOption(
      new Option("--pipeline-api-version <version>", "API version of the Pipeline draconctl emits")
        .choices(PIPELINE_API_VERSIONS).default("tekton.dev/v1" as const),
    );
  addPlanFlags(command)
    .addHelpText("after", HELP)
    .action(async (...args: unknown[]) => {
      const [kustomization, flags, cmd] = args as [
        string,
        PlanFlags & {
          check?: true;
          lockFile?: string;
          helmChart: OfflineRelease[];
          pipelineApiVersion: PipelineApiVersion;
        },
        AnyCommand,
      ];
      const { plan, render, cluster } = planOptionsOf(
        flags,
        cmd.optsWithGlobals() as GlobalOptions,
      );
      const { lockPipeline } = await import("../pipelines/lock.ts");
      const result = await lockPipeline(kustomization, deps, {
        ...plan,
        pipelineApiVersion: flags.pipelineApiVersion,
        render,
        cluster,
        helmCharts: flags.helmChart,
        check: flags.check ?? false,
        ...(flags.lockFile === undefined ? {} : { lockFile: flags.lockFile }),
      });
      const n = result.lock.components.length;
      await deps.stdout.write(
        `${result.file} ${result.written ? "written" : "is up to date"}: ${n} component(s), ` +
          `pipeline.tekton.dev/${result.lock.pipeline.name} ${result.lock.pipeline.digest}\n`,
      );
    });
}
