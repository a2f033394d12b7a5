/**
 * `draconctl pipelines list [-A]`.
 *
 * @module
 */
import type { Deps } from "../deps.ts";
import type { AnyCommand } from "./_command.ts";
import { clusterOptionsOf, table, withInspectOptions, writeResult } from "./_inspect_command.ts";

const HELP = `
Lists the Pipelines draconctl deployed (label app.kubernetes.io/managed-by=draconctl)
in the namespace (-n, else the context's; -A: every namespace), each with its
Tasks and where each comes from: the reference as written and its digest, a
Helm release and chart, "other" (applied by someone else) or "missing".

Examples:
  draconctl pipelines list -n dracon
  draconctl pipelines list -A -o json
`;

/** Registers `list` under `pipelines`. */
export function registerPipelinesList(parent: AnyCommand, deps: Deps): void {
  withInspectOptions(
    parent.command("list").description("list the pipelines draconctl deployed and their Tasks"),
  )
    .option("-A, --all-namespaces", "list in every namespace")
    .addHelpText("after", HELP)
    .action(async (options, command) => {
      const { listPipelines } = await import("../pipelines/inspect.ts");
      const listed = await listPipelines(
        deps,
        clusterOptionsOf(command, options),
        options.allNamespaces ?? false,
      );
      await writeResult(deps, options.output, { pipelines: listed }, {
        names: () => listed.map((p) => `pipeline.tekton.dev/${p.name}`),
        text: () =>
          listed.length === 0 ? ["No pipelines deployed by draconctl found."] : table(
            ["NAMESPACE", "PIPELINE", "TASK", "FROM"],
            listed.flatMap((p) =>
              p.tasks.map((t, i) => [
                i === 0 ? p.namespace : "",
                i === 0 ? p.name : "",
                t.name,
                t.from === "draconctl"
                  ? `${t.source ?? "?"} (${t.digest?.slice(0, 19) ?? "no digest"})`
                  : t.from === "helm"
                  ? `helm://${t.release}${t.chart ? ` (chart ${t.chart})` : ""}`
                  : t.from,
              ])
            ),
          ),
      });
    });
}
