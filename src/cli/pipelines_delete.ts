/**
 * `draconctl pipelines delete <kustomization | name> [--prune-tasks] [--dry-run]`.
 *
 * @module
 */
import type { Deps } from "../deps.ts";
import type { AnyCommand } from "./_command.ts";
import {
  clusterOptionsOf,
  targetOptionsOf,
  withInspectOptions,
  withTargetOptions,
  writeResult,
} from "./_inspect_command.ts";

const HELP = `
Deletes a Pipeline draconctl deployed. With --prune-tasks, also each Task it
referenced that draconctl applied and nothing else needs: never a Task a Helm
release provides, never one another field manager owns fields of, never one
any Pipeline in the namespace references (whoever deployed it), checked right
before each delete. Deletes carry uid/resourceVersion preconditions, so a
concurrent deploy never loses a Task it uses (docs/inventory.md).

Examples:
  draconctl pipelines delete dracon-golang -n dracon --prune-tasks --dry-run
  draconctl pipelines delete ./pipelines/golang -n dracon --prune-tasks
`;

/** Registers `delete` under `pipelines`. */
export function registerPipelinesDelete(parent: AnyCommand, deps: Deps): void {
  withTargetOptions(withInspectOptions(
    parent.command("delete").description("delete a pipeline and, optionally, its unused Tasks"),
  ))
    .argument("<target>", "kustomization (file or directory) or Pipeline name")
    .option("--prune-tasks", "also delete its Tasks that nothing else needs")
    .option("--dry-run", "say what would be deleted; delete nothing (server dry run)")
    .addHelpText("after", HELP)
    .action(async (target, options, command) => {
      const { deletePipeline } = await import("../pipelines/delete.ts");
      const result = await deletePipeline(target, deps, {
        cluster: clusterOptionsOf(command, options),
        target: targetOptionsOf(options),
        pruneTasks: options.pruneTasks ?? false,
        dryRun: options.dryRun ?? false,
      });
      const suffix = result.dryRun ? " (dry run)" : "";
      await writeResult(deps, options.output, result, {
        names: () => result.objects.filter((o) => o.action === "deleted").map((o) => o.subject),
        text: () =>
          result.objects.map((o) =>
            `${o.subject} ${o.action}${o.reason ? `: ${o.reason}` : ""}${suffix}`
          ),
      });
    });
}
