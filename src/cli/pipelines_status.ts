/**
 * `draconctl pipelines status <kustomization | name> [--exit-code]`.
 *
 * @module
 */
import type { Deps } from "../deps.ts";
import { DifferencesFound } from "../errors.ts";
import type { AnyCommand } from "./_command.ts";
import {
  anchorImageOption,
  clusterOptionsOf,
  table,
  targetOptionsOf,
  withInspectOptions,
  withTargetOptions,
  writeResult,
} from "./_inspect_command.ts";

const HELP = `
For each object of the pipeline: "in-sync", "drifted" (naming the field
manager that changed what, or why), "missing", or "helm" (provided by a Helm
release). A kustomization is read as deploy reads it, so an object deploy
would change is drifted too; a name takes the live Pipeline's Tasks.

With a draconctl.lock beside the kustomization, or a Pipeline deployed with
--locked, a last row "lock" says whether the cluster still matches the
reviewed lock: "in-sync", "stale" (something resolves differently now),
"drifted" (deployed without that lock) or "unverified" (a name: only the
digest deployed is known). See docs/lock.md.

With --exit-code: 0 when everything is in sync or provided by Helm (and the
lock in sync or unverified), 1 when not (nothing on stderr), 2 and above for
errors as usual.

Examples:
  draconctl pipelines status ./pipelines/golang -n dracon
  draconctl pipelines status dracon-golang -n dracon --exit-code
`;

/** Registers `status` under `pipelines`. */
export function registerPipelinesStatus(parent: AnyCommand, deps: Deps): void {
  withTargetOptions(withInspectOptions(
    parent.command("status").description("say whether a deployed pipeline is in sync"),
  ))
    .argument("<target>", "kustomization (file or directory) or Pipeline name")
    .option("--exit-code", "exit 1 when an object is not in sync")
    .addOption(anchorImageOption())
    .addHelpText("after", HELP)
    .action(async (target, options, command) => {
      const { pipelineStatus } = await import("../pipelines/inspect.ts");
      const status = await pipelineStatus(
        target,
        deps,
        clusterOptionsOf(command, options),
        targetOptionsOf(options),
      );
      await writeResult(deps, options.output, status, {
        names: () => status.objects.map((o) => o.subject),
        text: () =>
          table(
            ["OBJECT", "STATE", "DETAIL"],
            [
              ...status.objects.map((o) => [o.subject, o.state, o.detail ?? ""]),
              ...(status.lock
                ? [[`lock ${status.lock.file ?? ""}`.trim(), status.lock.state, status.lock.detail]]
                : []),
            ],
          ),
      });
      if (options.exitCode && !status.inSync) {
        const n = status.objects.filter((o) => o.state === "drifted" || o.state === "missing");
        const lock = status.lock?.state === "stale" || status.lock?.state === "drifted";
        throw new DifferencesFound(
          `${n.length} object(s) not in sync` + (lock ? `, lock ${status.lock!.state}` : ""),
        );
      }
    });
}
