/**
 * `draconctl pipelines check <kustomization>`: proves, without writing, that
 * the Pipeline a kustomization deploys would run — the deploy action's
 * `check` strategy.
 *
 * @module
 */
import { Option } from "@commander-js/extra-typings";
import type { Deps } from "../deps.ts";
import type { DeployResult } from "../pipelines/deploy.ts";
import { type LockFlags, readLockOf } from "./_lock_flags.ts";
import type { AnyCommand, GlobalOptions } from "./_command.ts";
import { addPlanFlags, type PlanFlags, planOptionsOf } from "./_plan_flags.ts";
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
Reads the kustomization as "pipelines deploy" does, resolves helm:// Tasks and
Tasks already on the cluster, and makes the checks Tekton's PipelineRun
reconciler makes before it creates a TaskRun: the task graph is a DAG, every
taskRef resolves, every pipeline task passes the params its Task requires with
the right types and binds the workspaces its Task declares (and no other),
every $(tasks.X.results.Y) names a result Task X declares, every
$(params.x[N]) is in range. Every problem is listed at once (exit 3). Nothing
is written. Pipeline params without a default are listed: a PipelineRun must
supply them.

With --locked, every component and the Pipeline must resolve as the lock file
("pipelines lock") says (exit 9, docs/lock.md).

Examples:
  draconctl pipelines check ./pipelines/golang -n dracon
  draconctl pipelines check ./pipelines/golang -n dracon -o json
`;

/** Registers `check` under `pipelines`. */
export function registerPipelinesCheck(parent: AnyCommand, deps: Deps): void {
  const command = parent.command("check")
    .description("prove, without writing, that the pipeline of a kustomization would run")
    .argument("<kustomization>", "kustomization file, or a directory holding kustomization.yaml")
    .addOption(
      new Option("-o, --output <format>", "output format").choices(
        ["text", "json", "yaml"] as const,
      ),
    )
    .option(
      "--locked",
      "refuse (exit 9) when a component or the Pipeline differs from the lock file",
    )
    .option(
      "--lock-file <path>",
      "with --locked: the lock file (default: draconctl.lock beside it)",
    );
  addPolicyFlags(addPlanFlags(command))
    .addHelpText("after", HELP)
    .action(
      async (...args: unknown[]) => {
        const [kustomization, flags, cmd] = args as [
          string,
          PlanFlags & PolicyFlags & LockFlags & { output?: string },
          AnyCommand,
        ];
        const global = cmd.optsWithGlobals() as GlobalOptions;
        const { plan, render, cluster } = planOptionsOf(flags, global);
        const policy = policyChoiceOf(flags);
        const inputs = [kustomization, ...(policy?.file === undefined ? [] : [policy.file])];
        await checkPolicyReports(deps.fs, flags, inputs);
        const lock = await readLockOf(
          kustomization,
          flags,
          "the Pipeline",
          deps.fs,
          flags.maxBodySize,
        );
        const { deployPipeline } = await import("../pipelines/deploy.ts");
        const result = await deployPipeline(kustomization, deps, {
          ...plan,
          strategy: "check",
          render,
          cluster,
          ...(lock === undefined ? {} : { lock }),
          ...(policy === undefined ? {} : { policy }),
        }).catch(async (error) => {
          await reportPolicyFailure(deps, flags, flags.output, inputs, error);
          throw error;
        });
        await reportPolicy(deps, flags, result.policy, inputs);
        for (const warning of result.warnings) deps.logger.warn(warning);
        await deps.stdout.write(await formatCheck(result, flags.output ?? "text"));
      },
    );
}

/** The summary of a passed check. */
export async function formatCheck(result: DeployResult, format: string): Promise<string> {
  const summary = {
    namespace: result.namespace,
    pipeline: result.pipeline,
    tasks: result.objects.length - 1 + result.helm.length,
    required: result.check?.required ?? [],
    warnings: result.warnings,
    ...(result.policy === undefined ? {} : { policy: policySummary(result.policy) }),
  };
  if (format === "json") return JSON.stringify(summary, null, 2) + "\n";
  if (format === "yaml") return await (await import("../yaml/yaml.ts")).toYaml(summary);
  const required = summary.required.length === 0
    ? "a PipelineRun needs no param"
    : `a PipelineRun must supply: ${
      summary.required.map((p) => `${p.name} (${p.type})`).join(", ")
    }`;
  return `pipeline.tekton.dev/${result.pipeline} would run in namespace "${result.namespace}": ` +
    `${summary.tasks} Task(s) checked; ${required}\n`;
}
