/**
 * The policy gate as a step of the deploy action: which policy a run uses
 * (`--policy`, else `draconctl-policy.yaml` beside the kustomization, else
 * none) and the check of a prepared deploy before its first write.
 *
 * @module
 */
import type { FileReader } from "../io/filesystem.ts";
import type { Prepared } from "./orchestrator.ts";
import type { PipelinePlan } from "./plan.ts";
import { DEFAULT_POLICY_FILE, type Policy, readPolicy } from "./policy.ts";
import {
  evaluatePolicy,
  locateViolations,
  type PolicyReport,
  type PolicySubject,
  PolicyUnavailableError,
  PolicyViolationError,
} from "./policy_gate.ts";

/**
 * Which policy a run uses: `file` (`--policy`); none of it, the default file
 * beside the kustomization when it exists.
 */
export interface PolicyChoice {
  file?: string;
}

/** The run's policy, read: `undefined` when none applies. */
export async function readRunPolicy(
  choice: PolicyChoice | undefined,
  kustomizationDir: string,
  fs: FileReader,
): Promise<Policy | undefined> {
  if (choice === undefined) return undefined;
  if (choice.file !== undefined) return await readPolicy(choice.file, fs);
  const beside = `${kustomizationDir.replace(/\/+$/, "")}/${DEFAULT_POLICY_FILE}`;
  if (await fs.stat(beside) === undefined) return undefined;
  return await readPolicy(beside, fs);
}

/**
 * Checks every Task of a prepared deploy (local and URL as rendered, the
 * releases' Tasks as served) and the Pipeline.
 *
 * @throws {PolicyViolationError} listing every violation at once
 */
export async function enforcePolicy(
  policy: Policy,
  prepared: Prepared,
  plan: PipelinePlan,
  fs: FileReader,
): Promise<PolicyReport> {
  const byName = new Map(plan.local.map((c) => [c.name, c]));
  const subjects: PolicySubject[] = [
    ...prepared.tasks.map((task) => {
      const component = byName.get(task.metadata.name);
      return {
        task,
        ref: component?.ref.raw ?? task.metadata.name,
        ...(component?.ref.kind === "file" ? { file: component.origin } : {}),
      };
    }),
    ...prepared.helm.map((c) => ({ task: c.task, ref: c.ref.raw })),
  ];
  // A Task without a local file (URL, helm://) and the Pipeline point at the kustomization.
  const components = plan.kustomization.components;
  const found = evaluatePolicy(policy, subjects, prepared.pipeline, plan.file).map((v) => {
    if (v.file !== undefined) return v;
    const index = components.indexOf(v.ref);
    const path = index === -1
      ? (plan.kustomization.resources.length > 0 ? ["resources", 0] : [])
      : ["components", index];
    return { ...v, file: plan.file, path };
  });
  const report: PolicyReport = {
    policy: policy.file,
    tasks: subjects.length,
    violations: await locateViolations(found, fs),
  };
  if (report.violations.length > 0) throw new PolicyViolationError(report);
  return report;
}

/** A client dry run whose `helm://` Tasks could not be read cannot pass a policy. */
export function policyUnavailable(policy: Policy, plan: PipelinePlan, reason: string): Error {
  return new PolicyUnavailableError(
    `${policy.file}: the policy cannot be evaluated: ${plan.helm.length} helm:// Task(s) ` +
      `not resolved (${reason})`,
    { hint: "give the chart with --helm-chart <release>=<chart>, or run against the cluster" },
  );
}
