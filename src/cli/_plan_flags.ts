/**
 * The input flags `pipelines check` and `pipelines run` share with
 * `pipelines deploy` (how components are read and rendered), and the
 * options of the deploy action they make.
 *
 * @module
 */
import { InvalidArgumentError, Option } from "@commander-js/extra-typings";
import { DEFAULT_FETCH_OPTIONS } from "../fetch/fetcher.ts";
import type { PlanOptions } from "../pipelines/plan.ts";
import type { LoadRestrictor } from "../pipelines/ref_policy.ts";
import type { ClusterOptions } from "../tekton/cluster.ts";
import { type AnyCommand, connectionFlagsOf, type GlobalOptions } from "./_command.ts";
import { anchorImageOption } from "./_inspect_command.ts";
import {
  parseByteSize,
  parseDuration,
  parseHostList,
  parseLoadRestrictorOption,
} from "./_parse.ts";

/** The flags {@link addPlanFlags} adds, as commander hands them over. */
export interface PlanFlags {
  baseDir?: string;
  loadRestrictor: LoadRestrictor;
  requireDigest?: true;
  allowedHosts?: string[];
  allowInsecureHttp?: true;
  fetchTimeout: number;
  maxBodySize: number;
  set: string[];
  values: string[];
  appVersion?: string;
  requestTimeout: number;
  anchorImage: string;
}

/** Adds the component-reading and rendering flags to `command`. */
export function addPlanFlags(command: AnyCommand): AnyCommand {
  return command
    .option("--base-dir <dir>", "directory that relative component paths resolve against")
    .option(
      "--load-restrictor <restrictor>",
      '"rootOnly": local files only inside the base directory; "none": anywhere',
      parseLoadRestrictorOption,
      "rootOnly" as const,
    )
    .option("--require-digest", "refuse component URLs without a #sha256= pin")
    .option("--allowed-hosts <hosts>", "comma-separated hosts URLs may come from", parseHostList)
    .option("--allow-insecure-http", "allow http:// component URLs")
    .addOption(
      new Option("--fetch-timeout <duration>", "timeout of one URL fetch")
        .argParser(parseDuration).default(DEFAULT_FETCH_OPTIONS.timeoutMs, "30s"),
    )
    .addOption(
      new Option("--max-body-size <size>", "largest Task or kustomization a file or URL may hold")
        .argParser(parseByteSize).default(DEFAULT_FETCH_OPTIONS.maxBytes, "1MiB"),
    )
    .option(
      "--set <key=value>",
      "value for Tasks holding Helm expressions, as helm --set (repeatable)",
      collectKeyValue,
      [] as string[],
    )
    .option(
      "-f, --values <file>",
      "values file for Tasks holding Helm expressions, as helm -f (repeatable)",
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option(
      "--app-version <version>",
      'what {{ .Chart.AppVersion }} renders to (default: "latest")',
    )
    .addOption(anchorImageOption())
    .addOption(
      new Option("--request-timeout <duration>", "timeout of one API request")
        .argParser(parseDuration).default(30_000, "30s"),
    );
}

/** The deploy action's options of a command line with {@link addPlanFlags}. */
export function planOptionsOf(flags: PlanFlags, global: GlobalOptions): {
  plan: PlanOptions;
  render: { set: string[]; appVersion?: string };
  cluster: ClusterOptions;
} {
  return {
    plan: {
      ...(flags.baseDir === undefined ? {} : { baseDir: flags.baseDir }),
      allowInsecureHttp: flags.allowInsecureHttp ?? false,
      loadRestrictor: flags.loadRestrictor,
      requireDigest: flags.requireDigest ?? false,
      ...(flags.allowedHosts === undefined ? {} : { allowedHosts: flags.allowedHosts }),
      valuesFiles: flags.values,
      anchorImage: flags.anchorImage,
      fetch: {
        timeoutMs: flags.fetchTimeout,
        maxBytes: flags.maxBodySize,
        allowInsecureHttp: flags.allowInsecureHttp ?? false,
      },
    },
    render: {
      set: flags.set,
      ...(flags.appVersion === undefined ? {} : { appVersion: flags.appVersion }),
    },
    cluster: {
      ...connectionFlagsOf(global),
      fieldManager: "draconctl",
      requestTimeoutMs: flags.requestTimeout,
    },
  };
}

/** Collects a repeatable `key=value` flag. */
export function collectKeyValue(value: string, previous: string[]): string[] {
  if (!/^[^=\s]+=/.test(value)) {
    throw new InvalidArgumentError(`expected key=value, got "${value}"`);
  }
  return [...previous, value];
}
