/**
 * `draconctl pipelines run <kustomization | pipeline>`: checks and creates a
 * PipelineRun of a deployed Pipeline, and with `--wait` follows it to the
 * end (exit 0 succeeded, 7 failed, 8 timed out).
 *
 * @module
 */
import { InvalidArgumentError, Option } from "@commander-js/extra-typings";
import type { Deps } from "../deps.ts";
import { UsageError } from "../errors.ts";
import type { RunResult, WorkspaceSource } from "../pipelines/run.ts";
import type { ParamValue } from "../tekton/types.ts";
import { checkLockFlags, readLockOf } from "./_lock_flags.ts";
import type { AnyCommand, GlobalOptions } from "./_command.ts";
import { addPlanFlags, collectKeyValue, type PlanFlags, planOptionsOf } from "./_plan_flags.ts";

const HELP = `
The target is a kustomization (a path that exists: the Pipeline it deploys,
checked as "pipelines check" checks it) or the name of a Pipeline in the
namespace. The Pipeline must be deployed. Before anything is created the run
is checked as Tekton's reconciler checks it: every param without a default
supplied, types matching, every required workspace bound.

A --param value of an array param is split at ",". A params file is a YAML
mapping of param names to values (a string, a list, a mapping); --param wins.

-w binds a workspace: name=emptyDir, name=pvc:<size> (a volumeClaimTemplate),
name=secret:<secret>, name=configmap:<configmap>.

With --locked, nothing is created unless the Pipeline is the lock file's and
the live Pipeline was deployed from it ("pipelines deploy --locked": it carries
the lock's digest); a kustomization must also resolve as the lock says. A
Pipeline name needs --lock-file (exit 2 without). Refused: exit 9.

--wait follows the TaskRuns and ends with the run's status: exit 0 when it
succeeded, 7 when it failed or was cancelled, 8 when it timed out. Ctrl-C
(SIGINT, exit 130) or SIGTERM (exit 143) stops following at once and says
where the run stands: it keeps running on the cluster, unless
--cancel-on-interrupt (then it is cancelled, spec.status: Cancelled).

Examples:
  draconctl pipelines run ./pipelines/golang -n dracon --param repository_url=https://x/y.git -w source-code-ws=emptyDir --wait
  draconctl pipelines run dracon-golang-project -n dracon --dry-run
`;

/** Registers `run` under `pipelines`. */
export function registerPipelinesRun(parent: AnyCommand, deps: Deps): void {
  const command = parent.command("run")
    .description("check and create a PipelineRun of a deployed pipeline; --wait follows it")
    .argument("<target>", "kustomization (file or directory), or the name of a deployed Pipeline")
    .option("-p, --param <name=value>", "a param of the run (repeatable)", collectKeyValue, [])
    .option("--params-file <file>", "YAML mapping of param names to values")
    .option(
      "-w, --workspace <name=source>",
      "bind a workspace: emptyDir, pvc:<size>, secret:<name>, configmap:<name> (repeatable)",
      collectWorkspace,
      [] as WorkspaceSource[],
    )
    .option(
      "--annotation <key=value>",
      "an annotation of the PipelineRun (repeatable)",
      collectKeyValue,
      [],
    )
    .option("--service-account <name>", "service account the TaskRuns run as")
    .option("--generate-name <prefix>", 'metadata.generateName (default: "<pipeline>-run-")')
    .option(
      "--timeout <duration>",
      "spec.timeouts.pipeline, a Go duration (1h, 30m, 90s)",
      parseGoDuration,
    )
    .option("--wait", "follow the run to its end; the exit code says how it ended")
    .option(
      "--cancel-on-interrupt",
      "with --wait: on Ctrl-C (SIGINT) or SIGTERM cancel the run instead of leaving it running",
    )
    .option("--dry-run", "print the PipelineRun, create nothing")
    .option(
      "--locked",
      "refuse, before anything is created, unless the Pipeline is the lock file's, deployed from it (exit 9)",
    )
    .option(
      "--lock-file <path>",
      "with --locked: the lock file (default: draconctl.lock beside the kustomization)",
    )
    .addOption(
      new Option("-o, --output <format>", "output format").choices(
        ["text", "json", "yaml", "name"] as const,
      ),
    );
  addPlanFlags(command)
    .addHelpText("after", HELP)
    .action(async (...args: unknown[]) => {
      const [target, flags, cmd] = args as [string, RunFlags, AnyCommand];
      const global = cmd.optsWithGlobals() as GlobalOptions;
      const { plan, render, cluster } = planOptionsOf(flags, global);
      const format = flags.output ?? (flags.dryRun ? "yaml" : "text");
      if (flags.cancelOnInterrupt && !flags.wait) {
        throw new UsageError("--cancel-on-interrupt only works with --wait", {
          hint: "without --wait nothing is followed, so nothing can be interrupted",
        });
      }
      if (flags.dryRun && flags.wait) {
        throw new UsageError("--dry-run and --wait cannot be combined", {
          hint: "a dry run creates nothing to wait for",
        });
      }
      const params = await paramsOf(deps, flags);
      const isPath = (await deps.fs.stat(target)) !== undefined;
      if (!isPath && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(target)) {
        throw new UsageError(`"${target}" is neither a kustomization nor a Pipeline name`, {
          hint: "pass an existing kustomization file or directory, or a Pipeline's name",
        });
      }
      const lock = await lockOf(deps, target, isPath, flags);
      const { runPipeline } = await import("../pipelines/run.ts");
      const result = await runPipeline(deps, {
        target: isPath
          ? { kustomization: target, deploy: { ...plan, render, cluster } }
          : { pipeline: target, cluster },
        params,
        workspaces: flags.workspace,
        ...(flags.serviceAccount === undefined ? {} : { serviceAccount: flags.serviceAccount }),
        ...(flags.generateName === undefined ? {} : { generateName: flags.generateName }),
        ...(flags.timeout === undefined ? {} : { timeout: flags.timeout }),
        annotations: new Map(flags.annotation.map((pair) => {
          const at = pair.indexOf("=");
          return [pair.slice(0, at), pair.slice(at + 1)] as const;
        })),
        ...(lock === undefined ? {} : { lock }),
        dryRun: flags.dryRun ?? false,
        wait: flags.wait ?? false,
        cancelOnInterrupt: flags.cancelOnInterrupt ?? false,
        onProgress: format === "text"
          ? (line) => deps.stdout.write(`${line}\n`)
          : (line) => deps.logger.debug(line),
      }).catch(async (error) => {
        await printRunOf(error, deps, format);
        throw error;
      });
      for (const warning of result.warnings) deps.logger.warn(warning);
      await deps.stdout.write(await formatRun(result, format, flags.dryRun ?? false));
    });
}

interface RunFlags extends PlanFlags {
  param: string[];
  annotation: string[];
  paramsFile?: string;
  workspace: WorkspaceSource[];
  serviceAccount?: string;
  generateName?: string;
  timeout?: string;
  wait?: true;
  cancelOnInterrupt?: true;
  dryRun?: true;
  locked?: true;
  lockFile?: string;
  output?: "text" | "json" | "yaml" | "name";
}

/**
 * `--locked`: the kustomization's lock (or `--lock-file`), read before
 * anything connects. A Pipeline name has no lock beside it: `--lock-file`.
 */
async function lockOf(deps: Deps, target: string, isPath: boolean, flags: RunFlags) {
  checkLockFlags(flags, "the run");
  if (!flags.locked) return undefined;
  if (!isPath && flags.lockFile === undefined) {
    throw new UsageError(`--locked with the Pipeline name "${target}" needs --lock-file`, {
      hint: "pass the kustomization (its draconctl.lock is read), or --lock-file <path>",
    });
  }
  return await readLockOf(target, flags, "the run", deps.fs, flags.maxBodySize);
}

/** The run's name, printed before a failure of `--wait` (the run exists). */
async function printRunOf(error: unknown, deps: Deps, format: string): Promise<void> {
  const { PipelineRunFailedError } = await import("../errors.ts");
  if (error instanceof PipelineRunFailedError && format === "name") {
    // -o name promises the name on stdout even when the run failed.
    const name = /pipelinerun\.tekton\.dev\/(\S+)/.exec(error.message)?.[1];
    if (name !== undefined) await deps.stdout.write(`pipelinerun.tekton.dev/${name}\n`);
  }
}

async function formatRun(result: RunResult, format: string, dryRun: boolean): Promise<string> {
  const subject = `pipelinerun.tekton.dev/${
    result.run.metadata.name ?? (result.run.metadata as { generateName?: string }).generateName
  }`;
  if (format === "name") return `${subject}\n`;
  if (format === "json") return JSON.stringify(result.run, null, 2) + "\n";
  if (format === "yaml") return await (await import("../yaml/yaml.ts")).toYaml(result.run);
  if (dryRun) return `${subject} would be created (dry run)\n`;
  return result.status === undefined ? `${subject} created\n` : `${subject} ${result.status}\n`;
}

/** `--params-file`, then `--param` over it. */
async function paramsOf(deps: Deps, flags: RunFlags): Promise<Map<string, ParamValue>> {
  const params = new Map<string, ParamValue>();
  if (flags.paramsFile !== undefined) {
    const file = flags.paramsFile;
    const text = await deps.fs.readTextFile(file).catch((error: Error) => {
      throw new UsageError(`--params-file "${file}": ${error.message}`);
    });
    const { parseStrictYamlDocuments } = await import("../yaml/yaml.ts");
    const docs = parseStrictYamlDocuments(text, file);
    const value = docs[0]?.value ?? {};
    if (docs.length > 1 || typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new UsageError(
        `--params-file "${file}": expected one YAML mapping of param names to values`,
      );
    }
    for (const [name, v] of Object.entries(value)) {
      if (!isParamValue(v)) {
        throw new UsageError(
          `--params-file "${file}": param "${name}": expected a string, a list of strings or a mapping of strings`,
        );
      }
      params.set(name, v);
    }
  }
  for (const pair of flags.param) {
    const at = pair.indexOf("=");
    params.set(pair.slice(0, at), pair.slice(at + 1));
  }
  return params;
}

function isParamValue(value: unknown): value is ParamValue {
  if (typeof value === "string") return true;
  if (Array.isArray(value)) return value.every((v) => typeof v === "string");
  return typeof value === "object" && value !== null &&
    Object.values(value).every((v) => typeof v === "string");
}

function collectWorkspace(value: string, previous: WorkspaceSource[]): WorkspaceSource[] {
  const match =
    /^([a-z0-9]([-a-z0-9_]*[a-z0-9])?)=(emptyDir|pvc:(\S+)|secret:(\S+)|configmap:(\S+))$/i
      .exec(value);
  if (!match) {
    throw new InvalidArgumentError(
      `expected name=emptyDir, name=pvc:<size>, name=secret:<name> or name=configmap:<name>, got "${value}"`,
    );
  }
  const name = match[1]!;
  const source: WorkspaceSource = match[3] === "emptyDir"
    ? { name, kind: "emptyDir" }
    : match[4] !== undefined
    ? { name, kind: "pvc", size: match[4] }
    : match[5] !== undefined
    ? { name, kind: "secret", object: match[5] }
    : { name, kind: "configmap", object: match[6]! };
  return [...previous, source];
}

function parseGoDuration(value: string): string {
  if (!/^(\d+(\.\d+)?(h|m|s|ms))+$/.test(value)) {
    throw new InvalidArgumentError(`expected a duration such as 1h, 30m or 90s, got "${value}"`);
  }
  return value;
}
