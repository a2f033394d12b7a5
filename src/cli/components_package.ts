/**
 * `draconctl components package <dir>`: flags → {@link packageComponents} →
 * the archive path (and the pushed reference and digest).
 *
 * @module
 */
import { InvalidArgumentError, Option } from "@commander-js/extra-typings";
import type { Deps } from "../deps.ts";
import { UsageError } from "../errors.ts";
import type { PackageResult } from "../charts/package.ts";
import { type AnyCommand, commandPath } from "./_command.ts";
import { writeOutput } from "./_output.ts";

const HELP = `
Gathers every Task under <dir> (the Dracon layout base/, sources/, producers/,
enrichers/, consumers/, and any other tree of Task YAML files) into one Helm
chart that operators install with their own values. Files that hold no Task
are skipped with a warning. The chart is linted, then packaged into
<output-dir>/<name>-<chart-version>.tgz; packaging the same input twice gives
the same bytes.

Helm expressions reading .Values, .Chart or .Release stay live in the chart;
every other "{{" (Go templates or jq in scripts) is escaped.

The Go tool's spellings work here too: --version <v> and -v <v> for
--app-version, -n <name> for --name (Dracon's release workflow line).

Examples:
  draconctl components package ./components --name dracon-components --chart-version 0.1.0
  draconctl components package ./components --name dracon-components --push oci://registry.internal/charts
  helm install dracon-oss-components ./dracon-components-0.1.0.tgz -n dracon --set image.registry=registry.internal/dracon
`;

/** Registers `package` under `components`. */
export function registerComponentsPackage(parent: AnyCommand, deps: Deps): void {
  parent.command("package")
    .description("package every component Task under a directory into one Helm chart")
    .argument("<dir>", "directory holding the component Tasks")
    // Not commander's requiredOption: that check runs before DRACONCTL_NAME is read (env_flags.ts).
    .option("--name <name>", "chart name (lowercase letters, digits, -; required)")
    .option("--chart-version <version>", "chart version (SemVer)", "0.1.0")
    .option(
      "--app-version <version>",
      "appVersion: the component images' tag (default: the chart version)",
    )
    .option("--description <text>", "chart description")
    .option("--output-dir <dir>", "directory the archive is written to", ".")
    .option("--push <repository>", "push the archive to this oci:// repository", parseOciRef)
    .option("--plain-http", "push over plain HTTP (a registry without TLS)")
    .addOption(
      new Option("-o, --output <format>", "output format").choices(["text", "json"] as const),
    )
    .addHelpText("after", HELP)
    .action(async (dir, options, command) => {
      if (options.name === undefined) {
        throw new UsageError("required option '--name <name>' not specified", {
          hint: `usage: ${commandPath(command)} ${command.usage()}`,
        });
      }
      if (options.plainHttp && options.push === undefined) {
        throw new UsageError("--plain-http only works with --push", {
          hint: "add --push oci://<registry>/<repository>, or drop --plain-http",
        });
      }
      // Loaded here, not at start-up: the chart writer brings the `yaml` package.
      const { packageComponents } = await import("../charts/package.ts");
      const result = await packageComponents(dir, deps, {
        name: options.name,
        chartVersion: options.chartVersion,
        outputDir: options.outputDir,
        plainHttp: options.plainHttp ?? false,
        ...(options.appVersion === undefined ? {} : { appVersion: options.appVersion }),
        ...(options.description === undefined ? {} : { description: options.description }),
        ...(options.push === undefined ? {} : { push: options.push }),
      });
      for (const skipped of result.skipped) {
        deps.logger.warn(`${skipped.file}: skipped: ${skipped.reason}`);
      }
      for (const finding of result.lint) deps.logger.debug(`helm lint: ${finding}`);
      await writeOutput(deps, formatPackage(result, options.output ?? "text"));
    });
}

function formatPackage(result: PackageResult, format: "text" | "json"): string {
  if (format === "json") return JSON.stringify(result, null, 2) + "\n";
  let text = `${result.archive}\n`;
  if (result.pushed) text += `${result.pushed.ref}@${result.pushed.digest}\n`;
  return text;
}

function parseOciRef(value: string): string {
  if (!/^oci:\/\/[^/\s]+(\/\S*)?$/.test(value)) {
    throw new InvalidArgumentError(
      `expected an oci:// repository such as "oci://registry.example/charts", got "${value}"`,
    );
  }
  return value.replace(/\/+$/, "");
}
