/**
 * The policy gate's outputs: report files (`--policy-report`: SARIF 2.1.0
 * for code scanning, or JSON) written whether the gate passed or not, and a
 * refusal's violations on standard output with `-o json|yaml`
 * (docs/policy.md).
 *
 * @module
 */
import type { Deps } from "../deps.ts";
import { UsageError } from "../errors.ts";
import { VERSION } from "../version.ts";
import {
  POLICY_RULES,
  type PolicyReport,
  PolicyViolationError,
  type Violation,
} from "../pipelines/policy_gate.ts";
import { asFlagError, OutputFileError, writeOutputFile } from "./output_file.ts";

/** The report files asked for (`--policy-report`). */
interface ReportFlags {
  policyReport: readonly { format: "sarif" | "json"; file: string }[];
}

/** A refusal's report files and, with `-o json|yaml`, its report on standard output. */
export async function reportPolicyFailure(
  deps: Pick<Deps, "fs" | "stdout" | "logger">,
  flags: ReportFlags,
  format: string | undefined,
  inputs: Iterable<string>,
  error: unknown,
): Promise<void> {
  if (!(error instanceof PolicyViolationError)) return;
  // The refusal is what the run reports (exit 10); a report that cannot be written is a warning.
  await writeReports(deps, flags, error.report, inputs).catch((failure: unknown) => {
    if (!(failure instanceof UsageError)) throw failure;
    deps.logger.warn(failure.message);
  });
  if (format === "json" || format === "yaml") {
    await deps.stdout.write(await formatReport(error.report, format));
  }
}

/** A passing gate's report files; without a policy, a warning that none was written. */
export async function reportPolicy(
  deps: Pick<Deps, "fs" | "logger">,
  flags: ReportFlags,
  report: PolicyReport | undefined,
  inputs: Iterable<string>,
): Promise<void> {
  if (report !== undefined) return await writeReports(deps, flags, report, inputs);
  if (flags.policyReport.length > 0) {
    deps.logger.warn(
      "no policy applied (no --policy, no draconctl-policy.yaml): no --policy-report written",
    );
  }
}

async function writeReports(
  deps: Pick<Deps, "fs" | "logger">,
  flags: ReportFlags,
  report: PolicyReport,
  inputs: Iterable<string>,
): Promise<void> {
  const cwd = await deps.fs.realPath(".").catch(() => undefined);
  for (const { format, file } of flags.policyReport) {
    const text = format === "sarif"
      ? JSON.stringify(sarifOf(report, cwd), null, 2) + "\n"
      : await formatReport(report, "json");
    try {
      await writeOutputFile(deps, file, text, [...inputs]);
    } catch (error) {
      if (!(error instanceof OutputFileError)) throw error;
      throw asFlagError(error, "--policy-report");
    }
  }
}

/** The report as `-o json|yaml` and `--policy-report json=` print it. */
export async function formatReport(report: PolicyReport, format: "json" | "yaml"): Promise<string> {
  const value = {
    policy: report.policy,
    tasks: report.tasks,
    passed: report.violations.length === 0,
    violations: report.violations.map(({ path: _path, ...v }) => v),
  };
  if (format === "json") return JSON.stringify(value, null, 2) + "\n";
  return await (await import("../yaml/yaml.ts")).toYaml(value);
}

/** The SARIF 2.1.0 log of a report: one run of draconctl, one result per violation. */
export function sarifOf(report: PolicyReport, cwd: string | undefined): unknown {
  const ids = Object.keys(POLICY_RULES) as (keyof typeof POLICY_RULES)[];
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [{
      tool: {
        driver: {
          name: "draconctl",
          version: VERSION,
          informationUri: "https://github.com/ocurity/dracon",
          rules: ids.map((id) => ({
            id,
            name: id.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase()),
            shortDescription: { text: POLICY_RULES[id] },
            helpUri: "https://github.com/ocurity/dracon",
            defaultConfiguration: { level: "error" },
            properties: { tags: ["security"] },
          })),
        },
      },
      results: report.violations.map((v) => ({
        ruleId: v.rule,
        ruleIndex: ids.indexOf(v.rule),
        level: "error",
        message: { text: sarifMessage(v) },
        locations: v.file === undefined ? [] : [{
          physicalLocation: {
            artifactLocation: { uri: uriOf(v.file, cwd) },
            region: { startLine: v.line ?? 1 },
          },
        }],
        partialFingerprints: {
          "draconctl/v1": [v.rule, v.task, v.where ?? "", v.image ?? ""].join("|"),
        },
      })),
    }],
  };
}

function sarifMessage(v: Violation): string {
  return `Task "${v.task}"${v.where === undefined ? "" : ` ${v.where}`}: ${v.reason} (${v.ref})`;
}

/** A path relative to the working directory when inside it (code scanning wants repo-relative). */
function uriOf(file: string, cwd: string | undefined): string {
  const encode = (p: string) => p.split("/").map(encodeURIComponent).join("/");
  if (cwd !== undefined && file.startsWith(cwd.replace(/\/+$/, "") + "/")) {
    return encode(file.slice(cwd.replace(/\/+$/, "").length + 1));
  }
  return file.startsWith("/") ? `file://${encode(file)}` : encode(file);
}
