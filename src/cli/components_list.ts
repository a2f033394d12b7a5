/**
 * `draconctl components list [--usages]`.
 *
 * @module
 */
import type { Deps } from "../deps.ts";
import type { AnyCommand } from "./_command.ts";
import { clusterOptionsOf, table, withInspectOptions, writeResult } from "./_inspect_command.ts";

const HELP = `
Lists the Helm releases in the namespace that provide Tasks (release, chart
and version, Task names). With --usages, also which Pipelines of the
namespace reference each Task: the ones that break if it changes.

Examples:
  draconctl components list -n dracon
  draconctl components list -n dracon --usages -o json
`;

/** Registers `list` under `components`. */
export function registerComponentsList(parent: AnyCommand, deps: Deps): void {
  withInspectOptions(
    parent.command("list").description("list the Helm releases providing Tasks, and their users"),
  )
    .option("--usages", "also list the Pipelines referencing each Task")
    .addHelpText("after", HELP)
    .action(async (options, command) => {
      const { listComponents } = await import("../pipelines/inspect.ts");
      const usages = options.usages ?? false;
      const result = await listComponents(deps, clusterOptionsOf(command, options), usages);
      await writeResult(deps, options.output, result, {
        names: () =>
          result.releases.flatMap((r) => r.tasks.map((t) => `task.tekton.dev/${t.name}`)),
        text: () =>
          result.releases.length === 0
            ? [`No Helm release provides Tasks in namespace "${result.namespace}".`]
            : table(
              ["RELEASE", "CHART", "TASK", ...(usages ? ["USED BY"] : [])],
              result.releases.flatMap((r) =>
                r.tasks.map((t, i) => [
                  i === 0 ? r.release : "",
                  i === 0 ? r.chart ?? "" : "",
                  t.name,
                  ...(usages ? [(t.usedBy ?? []).join(", ") || "-"] : []),
                ])
              ),
            ),
      });
    });
}
