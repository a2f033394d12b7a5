/**
 * What the commands after a deploy share (`pipelines list`, `status`,
 * `delete`, `diff`, `components list`): `-o text|json|yaml|name`, the
 * field manager and request timeout, the connection flags, and writing the
 * result. Their actions are loaded when they run, never at start-up.
 *
 * @module
 */
import { type Command, Option, type OptionValues } from "@commander-js/extra-typings";
import type { Deps } from "../deps.ts";
import type { ClusterOptions } from "../tekton/cluster.ts";
import { type AnyCommand, connectionFlagsOf, type GlobalOptions } from "./_command.ts";
import {
  parseDuration,
  parseFieldManager,
  parseImageReference,
  parseLoadRestrictorOption,
} from "./_parse.ts";
import { DEFAULT_ANCHOR_IMAGE } from "../dracon/component_task.ts";
import type { TargetOptions } from "../pipelines/inspect.ts";

/** The output formats of these commands. */
export const OUTPUT_FORMATS = ["text", "json", "yaml", "name"] as const;
/** One of {@link OUTPUT_FORMATS}. */
export type OutputFormat = typeof OUTPUT_FORMATS[number];

/** Adds `-o`, `--field-manager` and `--request-timeout` to a command. */
export function withInspectOptions<
  Args extends unknown[],
  Opts extends OptionValues,
  Globals extends OptionValues,
>(command: Command<Args, Opts, Globals>) {
  return command
    .addOption(new Option("-o, --output <format>", "output format").choices(OUTPUT_FORMATS))
    .option(
      "--field-manager <name>",
      "the field manager deploy used (its fields are draconctl's)",
      parseFieldManager,
      "draconctl",
    )
    .addOption(
      new Option("--request-timeout <duration>", "timeout of one API request")
        .argParser(parseDuration).default(30_000, "30s"),
    );
}

/**
 * Adds what reading a kustomization target takes, as deploy reads it:
 * `--base-dir`, `--load-restrictor`, `--allow-insecure-http`.
 */
export function withTargetOptions<
  Args extends unknown[],
  Opts extends OptionValues,
  Globals extends OptionValues,
>(command: Command<Args, Opts, Globals>) {
  return command
    .option("--base-dir <dir>", "directory that relative component paths resolve against")
    .option(
      "--load-restrictor <restrictor>",
      '"rootOnly": local files only inside the base directory; "none": anywhere',
      parseLoadRestrictorOption,
      "rootOnly" as const,
    )
    .option("--allow-insecure-http", "allow http:// component URLs");
}

/**
 * `--anchor-image`: the image of the anchor step draconctl adds to the Tasks
 * it reads (deploy's flag, shared by every command that plans a deploy).
 */
export function anchorImageOption() {
  return new Option(
    "--anchor-image <ref>",
    'image of the "anchor" step added to each Task but base and consumer ones',
  ).argParser(parseImageReference).default(DEFAULT_ANCHOR_IMAGE);
}

/** The plan options of {@link withTargetOptions}. */
export function targetOptionsOf(
  options: {
    baseDir?: string;
    loadRestrictor: "rootOnly" | "none";
    allowInsecureHttp?: true;
    anchorImage?: string;
  },
): TargetOptions {
  return {
    ...(options.anchorImage === undefined ? {} : { anchorImage: options.anchorImage }),
    loadRestrictor: options.loadRestrictor,
    ...(options.allowInsecureHttp ? { allowInsecureHttp: true } : {}),
    ...(options.baseDir === undefined ? {} : { baseDir: options.baseDir }),
  };
}

/** The cluster options of a command line. */
export function clusterOptionsOf(
  command: AnyCommand,
  options: { fieldManager: string; requestTimeout: number },
): ClusterOptions {
  return {
    ...connectionFlagsOf(command.optsWithGlobals() as GlobalOptions),
    fieldManager: options.fieldManager,
    requestTimeoutMs: options.requestTimeout,
  };
}

/**
 * Writes a result: `json` and `yaml` the value itself, `name` one kubectl
 * name per line, `text` the lines of `text`.
 */
export async function writeResult(
  deps: Pick<Deps, "stdout">,
  format: OutputFormat | undefined,
  value: unknown,
  views: { text: () => string[]; names: () => string[] },
): Promise<void> {
  let out: string;
  if (format === "json") out = JSON.stringify(value, null, 2) + "\n";
  else if (format === "yaml") out = await (await import("../yaml/yaml.ts")).toYaml(value);
  else out = (format === "name" ? views.names() : views.text()).map((l) => `${l}\n`).join("");
  await deps.stdout.write(out);
}

/** Rows as columns padded to their widest cell, kubectl's style. */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  return [header, ...rows].map((row) =>
    row.map((cell, i) => i === row.length - 1 ? cell : cell.padEnd(widths[i]! + 3)).join("")
      .trimEnd()
  );
}
