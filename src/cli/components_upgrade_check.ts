/**
 * `draconctl components upgrade-check --chart <chart> --release <name>`:
 * what a `helm upgrade` of a release providing Tasks would break or change
 * in the Pipelines of the namespace.
 *
 * @module
 */
import { Option } from "@commander-js/extra-typings";
import type { Deps } from "../deps.ts";
import { UpgradeBreaksError } from "../errors.ts";
import type { UpgradeReport } from "../pipelines/upgrade_check.ts";
import type { AnyCommand } from "./_command.ts";
import { clusterOptionsOf, writeResult } from "./_inspect_command.ts";
import { parseDuration } from "./_parse.ts";
import { collectKeyValue } from "./_plan_flags.ts";

const HELP = `
Renders the new chart (helm template, with the --set and -f values helm
upgrade would get: unlike helm upgrade, the release's previous values are
not reused) and compares its Tasks with the release's live Tasks. For every
Pipeline of the namespace that references a Task of the release, it runs
the checks of "pipelines check" with the new Tasks and reports, per pipeline
task, Task and field, what would break (a Task removed, a param removed or
its type changed, a param without default added, a result removed or
changed, a workspace removed or a required one added) and what merely
changes (images, defaults, scripts). Nothing is written.

A new Task that breaks Tekton's own Task rules (what its validating webhook
refuses) is reported invalid, and breaks every Pipeline using it.

Exit codes: 0 nothing breaks; 11 a Pipeline would break or a new Task is
invalid.

Examples:
  draconctl -n dracon components upgrade-check --chart ./dracon-components-0.2.0.tgz \\
    --release dracon-oss-components --set image.registry=registry.internal
  draconctl -n dracon components upgrade-check --chart ./chart --release ci -o json
`;

/** Registers `upgrade-check` under `components`. */
export function registerComponentsUpgradeCheck(parent: AnyCommand, deps: Deps): void {
  parent.command("upgrade-check")
    .description("report what upgrading a release's chart would break in the namespace's Pipelines")
    .requiredOption("--chart <chart>", "the new chart: an archive (.tgz) or a directory")
    .requiredOption("--release <name>", "the Helm release to be upgraded")
    .option(
      "--set <key=value>",
      "value for the new chart, as helm upgrade --set (repeatable)",
      collectKeyValue,
      [] as string[],
    )
    .option(
      "-f, --values <file>",
      "values file for the new chart, as helm upgrade -f (repeatable)",
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .addOption(
      new Option("-o, --output <format>", "output format").choices(
        ["text", "json", "yaml"] as const,
      ),
    )
    .addOption(
      new Option("--request-timeout <duration>", "timeout of one API request")
        .argParser(parseDuration).default(30_000, "30s"),
    )
    .addHelpText("after", HELP)
    .action(async (options, command) => {
      const { upgradeCheck } = await import("../pipelines/upgrade_check.ts");
      const report = await upgradeCheck(deps, {
        chart: options.chart,
        release: options.release,
        set: options.set,
        valuesFiles: options.values,
        cluster: clusterOptionsOf(command, {
          fieldManager: "draconctl",
          requestTimeout: options.requestTimeout,
        }),
      });
      for (const warning of report.warnings) deps.logger.warn(warning);
      await writeResult(deps, options.output, report, {
        text: () => formatUpgrade(report),
        names: () => [],
      });
      if (report.breaks) {
        throw new UpgradeBreaksError(breaksMessage(report), {
          hint: "fix the Pipelines or the chart first; the report above names each break",
        });
      }
    });
}

/** The one `error:` line of exit 11: the broken Pipelines, the invalid new Tasks. */
function breaksMessage(report: UpgradeReport): string {
  const quoted = (names: string[]) => names.map((n) => `"${n}"`).join(", ");
  const broken = report.pipelines.filter((p) => p.breaks).map((p) => p.pipeline);
  const invalid = report.tasks.filter((t) => t.status === "invalid").map((t) => t.task);
  const parts = [
    ...broken.length > 0
      ? [
        `the upgrade would break ${broken.length} Pipeline(s) in namespace "${report.namespace}": ${
          quoted(broken)
        }`,
      ]
      : [],
    ...invalid.length > 0
      ? [`Tekton would refuse ${invalid.length} Task(s) of the new chart: ${quoted(invalid)}`]
      : [],
  ];
  return `Helm release "${report.release}": ${parts.join("; ")}`;
}

/** The text report: a summary line, then each Pipeline and its pipeline tasks. */
export function formatUpgrade(report: UpgradeReport): string[] {
  const count = (status: string) => report.tasks.filter((t) => t.status === status).length;
  const broken = report.pipelines.filter((p) => p.breaks).length;
  const lines = [
    `Helm release "${report.release}" in namespace "${report.namespace}" upgraded to ${report.chart}: ` +
    `${count("changed")} Task(s) changed, ${count("removed")} removed, ${count("added")} added` +
    (count("invalid") > 0 ? `, ${count("invalid")} invalid` : "") +
    `; ${report.pipelines.length} Pipeline(s) use its Tasks, ${broken} would break`,
  ];
  for (const task of report.tasks.filter((t) => t.status === "invalid")) {
    // Tekton's problems lead the changes, then the Task's other incompatible changes.
    lines.push(`task.tekton.dev/${task.task}: INVALID (Tekton would refuse the new Task)`);
    for (const c of task.changes.filter((c) => c.incompatible)) {
      lines.push(`  incompatible: ${c.field}: ${c.change}`);
    }
  }
  for (const pipeline of report.pipelines) {
    const changes = pipeline.tasks.some((t) => t.changed.length > 0);
    lines.push(
      `pipeline.tekton.dev/${pipeline.pipeline}: ${
        pipeline.breaks ? "BREAKS" : changes ? "not breaking" : "unaffected"
      }`,
    );
    for (const message of pipeline.breaking) lines.push(`  breaking: ${message}`);
    for (const task of pipeline.tasks) {
      if (task.breaking.length === 0 && task.changed.length === 0) continue;
      lines.push(`  pipeline task "${task.pipelineTask}" (Task "${task.task}"):`);
      for (const message of task.breaking) lines.push(`    breaking: ${message}`);
      for (const message of task.changed) lines.push(`    changed: ${message}`);
    }
    for (const message of pipeline.alreadyBroken) lines.push(`  already broken: ${message}`);
  }
  return lines;
}
