/**
 * `draconctl pipelines deploy <kustomization>`.
 *
 * @module
 */
import { Option } from "@commander-js/extra-typings";
import type { Deps } from "../deps.ts";
import type { AnyCommand } from "./program.ts";
import { DEFAULT_FETCH_OPTIONS } from "../fetch/fetcher.ts";
import { dryRunPipeline } from "../pipelines/deploy.ts";
import { parseByteSize, parseDuration, parsePositiveInt } from "./_parse.ts";
import { writeOutput } from "./_output.ts";

const HELP = `
A component is a local path (a Task file, or a directory holding task.yaml),
an https:// URL, or helm://<release>/<task> (also pkg:helm/<release>/<task>):
a Task installed by that Helm release. Relative paths resolve against the
kustomization's directory, or against --base-dir.

Examples:
  draconctl pipelines deploy ./pipelines/golang --dry-run
  draconctl pipelines deploy ./pipelines/golang/kustomization.yaml -n dracon
`;

/** Registers `deploy` under `pipelines`. */
export function registerPipelinesDeploy(parent: AnyCommand, deps: Deps): void {
  parent.command("deploy")
    .description("deploy a pipeline and the Tasks it needs, described by a kustomization")
    .argument("<kustomization>", "kustomization file, or a directory holding kustomization.yaml")
    .addOption(
      new Option(
        "--dry-run [mode]",
        "print what would be applied; contact no cluster (mode: client)",
      )
        .choices(["client"] as const).preset("client" as const),
    )
    .option("--only-validate", "check the components and the cluster state; apply nothing")
    .option("--base-dir <dir>", "directory that relative component paths resolve against")
    .option("--allow-insecure-http", "allow http:// component URLs")
    .option(
      "--fetch-timeout <duration>",
      "timeout of one URL fetch",
      parseDuration,
      DEFAULT_FETCH_OPTIONS.timeoutMs,
    )
    .option(
      "--max-body-size <size>",
      "largest Task a URL may return",
      parseByteSize,
      DEFAULT_FETCH_OPTIONS.maxBytes,
    )
    .option("--concurrency <n>", "components loaded or applied at once", parsePositiveInt, 8)
    .option("--output-file <path>", "with --dry-run: write the YAML to this file instead of stdout")
    .addHelpText("after", HELP)
    .action(async (kustomization, options) => {
      const result = await dryRunPipeline(kustomization, deps, {
        ...(options.baseDir === undefined ? {} : { baseDir: options.baseDir }),
        allowInsecureHttp: options.allowInsecureHttp ?? false,
        concurrency: options.concurrency,
        fetch: {
          timeoutMs: options.fetchTimeout,
          maxBytes: options.maxBodySize,
          allowInsecureHttp: options.allowInsecureHttp ?? false,
        },
      });
      for (const warning of result.warnings) deps.logger.warn(warning);
      await writeOutput(deps, result.yaml, options.outputFile);
    });
}
