/**
 * The policy gate's flags, shared by `pipelines deploy`, `diff` and
 * `check`: `--policy <file>`, `--no-policy`, `--policy-report
 * <format>=<file>` (SARIF 2.1.0 for code scanning, or JSON); the outputs
 * (`policy_output.ts`) are loaded only when a command runs (docs/policy.md).
 *
 * @module
 */
import { InvalidArgumentError } from "@commander-js/extra-typings";
import type { Deps } from "../deps.ts";
import { UsageError } from "../errors.ts";
import type { PolicyChoice } from "../pipelines/policy_deploy.ts";
import type { PolicyReport } from "../pipelines/policy_gate.ts";
import type { AnyCommand } from "./_command.ts";
import { asFlagError, checkOutputFile, OutputFileError } from "./output_file.ts";

/** A `--policy-report` request. */
export interface PolicyReportFile {
  format: "sarif" | "json";
  file: string;
}

/** What {@link addPolicyFlags} adds, as commander hands it over. */
export interface PolicyFlags {
  /** A path, or `false` for `--no-policy`. */
  policy?: string | false;
  policyReport: PolicyReportFile[];
}

/** Adds `--policy`, `--no-policy` and `--policy-report` to `command`. */
export function addPolicyFlags<C extends AnyCommand>(command: C): C {
  command
    .option(
      "--policy <file>",
      "image policy file (docs/policy.md); default: draconctl-policy.yaml beside the kustomization, when there",
    )
    .option("--no-policy", "apply no policy, not even the default file")
    .option(
      "--policy-report <format=file>",
      'also write the policy result to a file: "sarif=<file>" (SARIF 2.1.0) or "json=<file>" (repeatable)',
      collectReport,
      [] as PolicyReportFile[],
    );
  return command;
}

function collectReport(value: string, previous: PolicyReportFile[]): PolicyReportFile[] {
  const match = /^(sarif|json)=(.+)$/.exec(value);
  if (!match) {
    throw new InvalidArgumentError(`expected sarif=<file> or json=<file>, got "${value}"`);
  }
  return [...previous, { format: match[1] as "sarif" | "json", file: match[2]! }];
}

/**
 * Checks each `--policy-report` file as `--output-file` is checked, before
 * any work: a report that could not be written must not surface after a
 * deploy (exit 2).
 */
export async function checkPolicyReports(
  fs: Deps["fs"],
  flags: PolicyFlags,
  inputs: Iterable<string>,
): Promise<void> {
  const known = [...inputs];
  for (const { file } of flags.policyReport) {
    try {
      await checkOutputFile(fs, file, known);
    } catch (error) {
      if (!(error instanceof OutputFileError)) throw error;
      throw asFlagError(error, "--policy-report");
    }
  }
}

/** The action's policy option of the flags. */
export function policyChoiceOf(flags: PolicyFlags): PolicyChoice | undefined {
  if (flags.policy === false) {
    if (flags.policyReport.length > 0) {
      throw new UsageError("--policy-report and --no-policy cannot be combined", {
        hint: "drop --no-policy, or the --policy-report",
      });
    }
    return undefined;
  }
  return typeof flags.policy === "string" ? { file: flags.policy } : {};
}

/**
 * After a failed action: a policy refusal's report files are written, and
 * its violations printed on standard output with `-o json|yaml`; any other
 * error passes untouched. (`policy_output.ts` is loaded only here.)
 */
export async function reportPolicyFailure(
  deps: Pick<Deps, "fs" | "stdout" | "logger">,
  flags: PolicyFlags,
  format: string | undefined,
  inputs: Iterable<string>,
  error: unknown,
): Promise<void> {
  if (!(error instanceof Error && error.name === "PolicyViolationError")) return;
  const output = await import("./policy_output.ts");
  await output.reportPolicyFailure(deps, flags, format, inputs, error);
}

/** After a passing action: the report files, when a policy applied (else a warning if asked for). */
export async function reportPolicy(
  deps: Pick<Deps, "fs" | "logger">,
  flags: PolicyFlags,
  report: PolicyReport | undefined,
  inputs: Iterable<string>,
): Promise<void> {
  if (report === undefined && flags.policyReport.length === 0) return;
  const output = await import("./policy_output.ts");
  await output.reportPolicy(deps, flags, report, inputs);
}

/** The gate's result in a summary: the file, how many Tasks, no violation (it passed). */
export function policySummary(report: { policy: string; tasks: number }) {
  return { file: report.policy, tasks: report.tasks, violations: 0 };
}
