/**
 * `draconctl pipelines deploy <kustomization>`.
 *
 * @module
 */
import { InvalidArgumentError, Option } from "@commander-js/extra-typings";
import type { Deps } from "../deps.ts";
import type { OfflineRelease } from "../charts/offline_releases.ts";
import { UsageError } from "../errors.ts";
import { DEFAULT_FETCH_OPTIONS } from "../fetch/fetcher.ts";
import type { DeployResult, DeployStrategy } from "../pipelines/deploy.ts";
import type { ChangeSetEntry } from "../k8s/applier.ts";
import type { ClusterOptions } from "../tekton/cluster.ts";
import type { PlanOptions } from "../pipelines/plan.ts";
import { PIPELINE_API_VERSIONS } from "../pipelines/assembly.ts";
import { DEFAULT_APPLY_CONCURRENCY, DEFAULT_CONCURRENCY } from "../pipelines/_concurrency.ts";
import {
  MAX_CONCURRENCY,
  parseByteSize,
  parseConcurrency,
  parseDuration,
  parseFieldManager,
  parseHostList,
  parseLoadRestrictorOption,
} from "./_parse.ts";
import { formatChange, writeOutput } from "./_output.ts";
import { checkOutputFile } from "./output_file.ts";
import { anchorImageOption } from "./_inspect_command.ts";
import { RecordingFileSystem } from "../io/recording_fs.ts";
import { Status } from "../io/status_line.ts";
import { KUSTOMIZATION_FILE_NAMES } from "../pipelines/component.ts";
import { MODE_NAMES, summaryLine, validLine } from "./_deploy_format.ts";
import { checkLockFlags, type LockFlags, readLockOf } from "./_lock_flags.ts";
import { type AnyCommand, connectionFlagsOf, type GlobalOptions } from "./_command.ts";
import {
  addPolicyFlags,
  checkPolicyReports,
  policyChoiceOf,
  type PolicyFlags,
  policySummary,
  reportPolicy,
  reportPolicyFailure,
} from "./_policy.ts";

const HELP = `
A component is a local path (a Task file, or a directory holding task.yaml),
an https:// URL, or helm://<release>/<task> (also pkg:helm/<release>/<task>):
a Task installed by that Helm release. Relative paths resolve against the
kustomization's directory, or against --base-dir, and must stay inside it
(no "..", absolute path or symlink leading out) unless --load-restrictor none.
A URL may pin its content: https://host/task.yaml#sha256=<hex>.
With --locked, every component and the Pipeline must resolve as the lock file
("pipelines lock") says, or nothing is written (exit 9, docs/lock.md).

Local and URL Tasks are applied with server-side apply; Helm Tasks must
already be on the cluster; the Pipeline is applied last, and only when every
Task succeeded. Before the first write, the checks of "pipelines check" run
(the Pipeline would run: every taskRef resolves, params, workspaces and results
match): a problem stops the deploy with nothing written (exit 3); --no-check
skips them.

A local or URL Task holding Helm expressions ({{ .Values.… }}, {{ .Chart.… }},
{{ .Release.… }}) is rendered through "helm template" exactly as the components
chart renders it, with --set, -f/--values and --app-version (default: the
chart's defaults, app version "latest"). Only such Tasks need helm. A client
--dry-run prints them verbatim with a warning unless one of those flags is given.

With --policy <file> (default: draconctl-policy.yaml beside the kustomization,
when there) every Task as it would be applied, helm:// ones included, is
checked against an image policy first: allowed registries, digests, no
privileged container, host namespace or hostPath. Every violation is listed
and nothing is applied (exit 10); --policy-report sarif=<file> writes SARIF.

Several kustomizations (or a directory of them) deploy in one run: every
input is checked first, shared Tasks are applied once, nothing is written
unless every Pipeline is ready. --context a,b,c (or --all-contexts) deploys
to several contexts at once, each line prefixed with its context.

Examples:
  draconctl pipelines deploy ./pipelines/golang --dry-run
  draconctl pipelines deploy ./pipelines/golang -n dracon
  draconctl pipelines deploy ./pipelines/golang -n dracon --dry-run=server -o json
  draconctl pipelines deploy ./pipelines -n dracon
  draconctl --context eu,us pipelines deploy ./pipelines/golang ./pipelines/python
`;

/** Registers `deploy` under `pipelines`. */
export function registerPipelinesDeploy(parent: AnyCommand, deps: Deps): void {
  addPolicyFlags(parent.command("deploy"))
    .description("deploy a pipeline and the Tasks it needs, described by a kustomization")
    .argument(
      "<kustomization...>",
      "kustomization file, or a directory holding kustomization.yaml (or subdirectories that do)",
    )
    .addOption(
      new Option(
        "--dry-run [mode]",
        '"client": print the YAML that would be applied, contact no cluster; "server": send it with dryRun=All',
      ).choices(["client", "server"] as const).preset("client" as const),
    )
    .option(
      "--all-contexts",
      "deploy to every context of the kubeconfig, concurrently (as --context a,b,c)",
    )
    .option(
      "--only-validate",
      "resolve and check every component against the cluster; persist nothing",
    )
    .addOption(
      new Option("-o, --output <format>", "output format").choices(
        ["text", "json", "yaml"] as const,
      ),
    )
    .option("--output-file <path>", "write the output to this file instead of stdout")
    .option(
      "--locked",
      "refuse, before any write, when a component or the Pipeline differs from the lock file (exit 9)",
    )
    .option(
      "--lock-file <path>",
      "with --locked: the lock file (default: draconctl.lock beside it)",
    )
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
      new Option(
        "--max-body-size <size>",
        "largest Task, base Pipeline or kustomization a file or URL may hold",
      ).argParser(parseByteSize).default(DEFAULT_FETCH_OPTIONS.maxBytes, "1MiB"),
    )
    .option(
      "--helm-chart <release=chart>",
      "with --dry-run: resolve helm://<release>/… from this chart archive or directory, rendered " +
        "with --set/-f, instead of the cluster (repeatable)",
      collectHelmChart,
      [] as OfflineRelease[],
    )
    .addOption(
      new Option("--pipeline-api-version <version>", "API version of the Pipeline draconctl emits")
        .choices(PIPELINE_API_VERSIONS).default("tekton.dev/v1" as const),
    )
    .option(
      "--concurrency <n>",
      `components loaded or applied at once (1-${MAX_CONCURRENCY}; default: ${DEFAULT_CONCURRENCY} ` +
        `loaded, ${DEFAULT_APPLY_CONCURRENCY} applied)`,
      parseConcurrency,
    )
    .option(
      "--field-manager <name>",
      "server-side apply field manager (at most 128 bytes)",
      parseFieldManager,
      "draconctl",
    )
    .option("--force-conflicts", "take over fields owned by other field managers")
    .option(
      "--no-check",
      "skip the checks of pipelines check (run before any write unless --dry-run=client)",
    )
    .addOption(
      new Option("--request-timeout <duration>", "timeout of one API request")
        .argParser(parseDuration).default(30_000, "30s"),
    )
    .option(
      "--set <key=value>",
      "value for Tasks holding Helm expressions, as helm --set (repeatable)",
      collectSet,
      [] as string[],
    )
    .option(
      "-f, --values <file>",
      "values file for Tasks holding Helm expressions, as helm -f (repeatable)",
      collect,
      [] as string[],
    )
    .option(
      "--app-version <version>",
      'what {{ .Chart.AppVersion }} renders to (default: "latest")',
    )
    .addOption(anchorImageOption())
    .addHelpText("after", HELP)
    .action(async (paths, options, command) => {
      const started = deps.clock.now();
      const global = command.optsWithGlobals() as GlobalOptions;
      const contexts = contextsOf(global.context, options.allContexts ?? false);
      const plan: PlanOptions = {
        ...(options.baseDir === undefined ? {} : { baseDir: options.baseDir }),
        allowInsecureHttp: options.allowInsecureHttp ?? false,
        ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
        loadRestrictor: options.loadRestrictor,
        pipelineApiVersion: options.pipelineApiVersion,
        requireDigest: options.requireDigest ?? false,
        ...(options.allowedHosts === undefined ? {} : { allowedHosts: options.allowedHosts }),
        valuesFiles: options.values,
        anchorImage: options.anchorImage,
        fetch: {
          timeoutMs: options.fetchTimeout,
          maxBytes: options.maxBodySize,
          allowInsecureHttp: options.allowInsecureHttp ?? false,
        },
      };
      const render = {
        set: options.set,
        ...(options.appVersion === undefined ? {} : { appVersion: options.appVersion }),
      };
      const { context: _contexts, ...flags } = connectionFlagsOf(global);
      const clusterOptions: ClusterOptions = {
        ...(contexts === undefined ? connectionFlagsOf(global) : flags),
        fieldManager: options.fieldManager,
        requestTimeoutMs: options.requestTimeout,
      };
      checkFlagCombination(options);
      const policyFlags = options as unknown as PolicyFlags;
      const policy = policyChoiceOf(policyFlags);
      await checkFlagFiles(deps.fs, options);
      // Every file the run reads is an input the output must not overwrite.
      const inputs = new RecordingFileSystem(deps.fs);
      // A directory of kustomizations stands for each of them.
      const kustomizations = await (await import("../pipelines/kustomization_location.ts"))
        .expandKustomizations(paths, deps.fs);
      const knownInputs = [
        ...kustomizations.flatMap(kustomizationCandidates),
        ...options.values,
        ...options.helmChart.map((c) => c.chart),
        ...(global.kubeconfig === undefined ? [] : [global.kubeconfig]),
        ...(policy?.file === undefined ? [] : [policy.file]),
      ];
      const output = options.outputFile === "-" ? undefined : options.outputFile;
      const allInputs = () => [...knownInputs, ...inputs.read];
      if (output !== undefined) await checkOutputFile(deps.fs, output, knownInputs);
      await checkPolicyReports(deps.fs, policyFlags, knownInputs);
      const run = { ...deps, fs: inputs };
      const strategy: DeployStrategy = options.dryRun === "client"
        ? "client"
        : options.onlyValidate
        ? "validate"
        : options.dryRun === "server"
        ? "server"
        : "apply";
      const format = options.output ?? (strategy === "client" ? "yaml" : "text");
      const beforeApply = output === undefined
        ? {}
        : { beforeApply: async () => void await checkOutputFile(deps.fs, output, allInputs()) };
      const kustomization = kustomizations[0]!;
      if (policyFlags.policyReport.length > 0 && (kustomizations.length > 1 || contexts)) {
        // Each kustomization may have its own policy: one report file cannot hold them.
        throw new UsageError(
          "--policy-report writes one report: it works with one kustomization and one context",
          {
            hint:
              "run the gate per kustomization: pipelines check --policy-report … <kustomization>",
          },
        );
      }
      if (options.lockFile !== undefined && kustomizations.length > 1) {
        throw new UsageError("--lock-file names one lock: it works with one kustomization", {
          hint:
            "drop --lock-file: with --locked, each kustomization is checked against its own draconctl.lock",
        });
      }
      // --locked: every kustomization's own lock, read before anything connects.
      const readLocks = options.locked
        ? await Promise.all(
          kustomizations.map(async (k) =>
            (await readLockOf(k, options, "the deploy", inputs, options.maxBodySize))!
          ),
        )
        : undefined;
      const lock = readLocks?.[0];
      // What every deploy of this run is given, one kustomization or several.
      const deployOptions = {
        ...plan,
        ...(policy === undefined ? {} : { policy }),
        strategy,
        forceConflicts: options.forceConflicts ?? false,
        check: options.check,
        render,
        cluster: clusterOptions,
        helmCharts: options.helmChart,
      };
      if (kustomizations.length > 1 || contexts !== undefined) {
        const run = { kustomizations, contexts, strategy, format, output, inputs: allInputs };
        return await (await import("./_deploy_many.ts")).deployMany(
          { ...deps, fs: inputs },
          { ...run, startedMs: started.getTime() },
          {
            ...deployOptions,
            ...(readLocks === undefined ? {} : { locks: readLocks }),
            ...beforeApply,
          },
        );
      }
      // The read Worker starts now, on its own thread, while the deploy modules load.
      const opened = (await import("../pipelines/run_reader.ts")).openRunReader(
        kustomization,
        run,
        plan,
      );
      opened.catch(() => {}); // the deploy reports it, input errors first
      const { deployPipeline, DeployError } = await loadAction().catch(async (error) => {
        (await opened.catch(() => undefined))?.reader.close();
        throw error;
      });
      // On a terminal (stderr), a status line says what a long run does now.
      const status = strategy !== "client" && deps.status ? new Status(deps.status) : undefined;
      // Text to standard output: each object is printed as soon as it is applied.
      const progress = strategy !== "client" && format === "text" && output === undefined
        ? new Progress(deps, strategy, status)
        : undefined;
      let total = 0;
      let applied = 0;
      const onApplied = (entry: ChangeSetEntry) => {
        progress?.print(entry);
        status?.show(`applied ${++applied}/${total}: ${entry.subject}`);
      };
      const summary = (changes: readonly ChangeSetEntry[]) =>
        summaryLine(changes, strategy, deps.clock.now().getTime() - started.getTime());
      const result = await deployPipeline(kustomization, {
        ...run,
        ...(status ? { logger: status.logger(deps.logger) } : {}),
      }, {
        ...deployOptions,
        opened,
        ...(lock === undefined ? {} : { lock }),
        ...(progress || status ? { onApplied } : {}),
        beforeApply: async (objects) => {
          total = objects.length;
          // Refused before anything is applied, not after.
          if (output !== undefined) await checkOutputFile(deps.fs, output, allInputs());
        },
      }).catch(async (error) => {
        status?.done();
        await reportPolicyFailure(deps, policyFlags, options.output, allInputs(), error);
        // Say what was done before the failure, then fail.
        if (error instanceof DeployError) {
          if (progress) await progress.done();
          const lines = progress ? "" : await formatChanges(error.changes, format);
          const last = format === "text" ? summary(error.changes) + "\n" : "";
          await deps.stdout.write(lines + last);
        }
        throw error;
      });
      await reportPolicy(deps, policyFlags, result.policy, allInputs());
      if (strategy === "client") {
        for (const warning of result.warnings) deps.logger.warn(warning);
        const text = format === "json"
          ? JSON.stringify(result.objects, null, 2) + "\n"
          : await (await loadAction()).yamlOf(result.objects);
        return await writeOutput(deps, text, output, allInputs());
      }
      await progress?.done();
      status?.done();
      for (const warning of result.warnings) deps.logger.warn(warning);
      const text = await formatDeploy(result, format, progress !== undefined);
      const last = format === "text" ? summary(result.changes) + "\n" : "";
      await writeOutput(deps, text + last, output, allInputs());
    });
}

/**
 * The deploy machinery, loaded when the command runs rather than at start-up:
 * `--help`, `--version` and the other commands never need it (nor its YAML parser).
 */
async function loadAction() {
  const [{ deployPipeline, yamlOf }, { DeployError }, { toYaml }] = await Promise.all([
    import("../pipelines/deploy.ts"),
    import("../pipelines/orchestrator.ts"),
    import("../yaml/yaml.ts"),
  ]);
  return { deployPipeline, yamlOf, DeployError, toYaml };
}

/** Flags that contradict each other, or one that does nothing in the mode chosen (exit 2). */
function checkFlagCombination(
  options: {
    dryRun?: "client" | "server";
    onlyValidate?: true;
    helmChart: readonly OfflineRelease[];
    output?: "text" | "json" | "yaml";
  } & LockFlags,
): void {
  checkLockFlags(options, "the deploy");
  if (options.onlyValidate && options.dryRun !== undefined) {
    throw new UsageError(`--dry-run=${options.dryRun} and --only-validate cannot be combined`, {
      hint: "--only-validate already sends everything with dryRun=All; pass one of them",
    });
  }
  if (options.helmChart.length > 0 && options.dryRun !== "client") {
    throw new UsageError("--helm-chart only works with --dry-run (client)", {
      hint: "install the chart and deploy against the cluster, or add --dry-run",
    });
  }
  if (options.dryRun === "client" && options.output === "text") {
    throw new UsageError("--dry-run (client) prints objects: -o text does not apply", {
      hint: "drop -o (YAML), or pass -o json",
    });
  }
}

/**
 * The files flags name must be there before any work starts, even when no
 * Task turns out to need them: `-f/--values` a regular file, the chart of
 * `--helm-chart` a file or directory (exit 2).
 */
async function checkFlagFiles(
  fs: Deps["fs"],
  options: { values: readonly string[]; helmChart: readonly OfflineRelease[] },
): Promise<void> {
  const checks = [
    ...options.values.map((path) => ({ flag: "-f/--values", path, directory: false })),
    ...options.helmChart.map((c) => ({ flag: "--helm-chart", path: c.chart, directory: true })),
  ];
  for (const { flag, path, directory } of checks) {
    const info = await fs.stat(path);
    const problem = info === undefined
      ? "no such file"
      : info.isDirectory
      ? directory ? undefined : "is a directory"
      : info.isFile
      ? undefined
      : `is not a regular file (a ${info.type})`;
    if (problem !== undefined) {
      throw new UsageError(`${flag} "${path}": ${problem}`, {
        hint: `check the path given to ${flag}`,
      });
    }
  }
}

/**
 * The contexts of `--context a,b,c` (a comma separates them) or
 * `--all-contexts`; `undefined` for one context (or none: the current one).
 */
function contextsOf(context: string | undefined, all: boolean): string[] | "all" | undefined {
  if (all && context !== undefined) {
    throw new UsageError("--all-contexts and --context cannot be combined", {
      hint: "pass --context a,b,c for some contexts, or --all-contexts for every one",
    });
  }
  if (all) return "all";
  if (context === undefined || !context.includes(",")) return undefined;
  const names = context.split(",").map((name) => name.trim());
  if (names.some((name) => name === "") || new Set(names).size !== names.length) {
    throw new UsageError(`--context "${context}": empty or repeated context name`, {
      hint: "separate context names with single commas: --context a,b,c",
    });
  }
  return names;
}

/** The files a kustomization argument may name (a file, or a directory holding one). */
function kustomizationCandidates(path: string): string[] {
  const dir = path.replace(/\/+$/, "");
  return [path, ...KUSTOMIZATION_FILE_NAMES.map((name) => `${dir}/${name}`)];
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function collectSet(value: string, previous: string[]): string[] {
  if (!/^[^=\s]+=/.test(value)) {
    throw new InvalidArgumentError(`expected key=value, got "${value}"`);
  }
  return [...previous, value];
}

async function formatDeploy(
  result: DeployResult,
  format: "text" | "json" | "yaml",
  printed: boolean,
): Promise<string> {
  // The summary as before the strategies were one action: `mode`, not the objects.
  const summary = {
    namespace: result.namespace,
    pipeline: result.pipeline,
    mode: MODE_NAMES[result.strategy],
    helm: result.helm,
    changes: result.changes,
    warnings: result.warnings,
    ...(result.policy === undefined ? {} : { policy: policySummary(result.policy) }),
  };
  if (format === "json") return JSON.stringify(summary, null, 2) + "\n";
  if (format === "yaml") return await (await loadAction()).toYaml(summary);
  const suffix = result.strategy === "apply" ? "" : " (server dry run)";
  const lines = printed ? [] : result.changes.map((change) => formatChange(change) + suffix);
  if (result.strategy === "validate") lines.push(validLine(result));
  return lines.map((line) => line + "\n").join("");
}

async function formatChanges(
  changes: ChangeSetEntry[],
  format: "text" | "json" | "yaml",
): Promise<string> {
  if (format === "json") return JSON.stringify({ changes }, null, 2) + "\n";
  if (format === "yaml") return await (await loadAction()).toYaml({ changes });
  return changes.map((change) => formatChange(change) + "\n").join("");
}

/**
 * Prints change-set entries to standard output as they come, in order; a
 * write that fails (a closed pipe) is reported by {@link done}.
 */
class Progress {
  #written: Promise<void> = Promise.resolve();
  readonly #suffix: string;
  constructor(
    readonly deps: Pick<Deps, "stdout">,
    strategy: DeployStrategy,
    readonly status: Status | undefined,
  ) {
    this.#suffix = strategy === "apply" ? "" : " (server dry run)";
  }
  print(entry: ChangeSetEntry): void {
    const line = `${formatChange(entry)}${this.#suffix}\n`;
    const write = () => this.deps.stdout.write(line);
    // A terminal's status line is erased while the line is printed, then drawn again.
    this.#written = this.#written.then(() => this.status ? this.status.around(write) : write());
  }
  /** Waits for every line; throws the first write's failure. */
  done(): Promise<void> {
    return this.#written;
  }
}

/** Parses and collects `--helm-chart <release>=<chart>`. */
export function collectHelmChart(value: string, previous: OfflineRelease[]): OfflineRelease[] {
  const match = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)=(.+)$/.exec(value);
  if (!match) {
    throw new InvalidArgumentError(
      `expected <release>=<chart>, e.g. dracon-oss-components=./chart.tgz, got "${value}"`,
    );
  }
  return [...previous, { release: match[1]!, chart: match[3]! }];
}
