/**
 * `draconctl pipelines diff <kustomization> [--exit-code]`.
 *
 * @module
 */
import type { Deps } from "../deps.ts";
import { DifferencesFound } from "../errors.ts";
import { DEFAULT_FETCH_OPTIONS } from "../fetch/fetcher.ts";
import { readLockOf } from "./_lock_flags.ts";
import type { AnyCommand } from "./_command.ts";
import {
  addPolicyFlags,
  checkPolicyReports,
  policyChoiceOf,
  type PolicyFlags,
  policySummary,
  reportPolicy,
  reportPolicyFailure,
} from "./_policy.ts";
import {
  anchorImageOption,
  clusterOptionsOf,
  targetOptionsOf,
  withInspectOptions,
  withTargetOptions,
  writeResult,
} from "./_inspect_command.ts";

const HELP = `
Shows what "pipelines deploy" would change, object by object: a unified diff
of the live object against the server-side dry run of what deploy sends, both
without managed fields, status, resourceVersion, generation, uid and
creationTimestamp (as kubectl diff). Helm's Tasks are not applied, so not shown.

With --exit-code: 0 no change, 1 changes (nothing on stderr), 2 and above
errors as usual (git diff's and kubectl diff's convention).

Examples:
  draconctl pipelines diff ./pipelines/golang -n dracon
  draconctl pipelines diff ./pipelines/golang -n dracon --exit-code -o json
`;

/** Registers `diff` under `pipelines`. */
export function registerPipelinesDiff(parent: AnyCommand, deps: Deps): void {
  withTargetOptions(withInspectOptions(addPolicyFlags(
    parent.command("diff").description("show what a deploy would change, as a unified diff"),
  )))
    .argument("<kustomization>", "kustomization file, or a directory holding kustomization.yaml")
    .option("--exit-code", "exit 1 when the deploy would change something")
    .addOption(anchorImageOption())
    .option(
      "--locked",
      "refuse (exit 9) when a component or the Pipeline differs from the lock file",
    )
    .option(
      "--lock-file <path>",
      "with --locked: the lock file (default: draconctl.lock beside it)",
    )
    .addHelpText("after", HELP)
    .action(async (kustomization, options, command) => {
      const flags = options as unknown as PolicyFlags;
      const policy = policyChoiceOf(flags);
      const inputs = [kustomization, ...(policy?.file === undefined ? [] : [policy.file])];
      await checkPolicyReports(deps.fs, flags, inputs);
      const { diffPipeline } = await import("../pipelines/diff.ts");
      const lock = await readLockOf(
        kustomization,
        options,
        "the diff",
        deps.fs,
        DEFAULT_FETCH_OPTIONS.maxBytes,
      );
      const result = await diffPipeline(
        kustomization,
        deps,
        clusterOptionsOf(command, options),
        {
          ...targetOptionsOf(options),
          ...(lock === undefined ? {} : { lock }),
          ...(policy === undefined ? {} : { policy }),
        },
      ).catch(async (error) => {
        await reportPolicyFailure(deps, flags, options.output, inputs, error);
        throw error;
      });
      await reportPolicy(deps, flags, result.policy, inputs);
      // The gate's result as deploy's and check's summaries give it, not the whole report.
      const { policy: report, ...diff } = result;
      const value = report === undefined ? diff : { ...diff, policy: policySummary(report) };
      await writeResult(deps, options.output, value, {
        names: () => result.objects.filter((o) => o.change !== "unchanged").map((o) => o.subject),
        text: () =>
          result.objects.flatMap((o) =>
            o.change === "unchanged" ? [] : [
              ...(o.conflict
                ? [
                  `# ${o.subject}: another field manager owns fields; deploy needs --force-conflicts`,
                ]
                : []),
              ...o.diff.trimEnd().split("\n"),
            ]
          ),
      });
      if (options.exitCode && result.changed) {
        throw new DifferencesFound(
          `${result.objects.filter((o) => o.change !== "unchanged").length} object(s) would change`,
        );
      }
    });
}
