/**
 * The `pipelines deploy` action.
 *
 * @module
 */
import type { Deps } from "../deps.ts";
import { toYamlStream } from "../tekton/manifest.ts";
import { assemblePlan, type PlanOptions, planPipeline } from "./plan.ts";

/** What a client-side dry run produces. */
export interface DryRunResult {
  /** The Tasks and the Pipeline as one multi-document YAML stream. */
  yaml: string;
  warnings: string[];
}

/**
 * Plans a deploy and renders it without contacting a cluster: every local and
 * URL Task, then the Pipeline. Helm references need the cluster, so when there
 * are any the Pipeline cannot be assembled and a warning names them.
 */
export async function dryRunPipeline(
  kustomizationPath: string,
  deps: Pick<Deps, "fs" | "fetcher">,
  options: PlanOptions,
): Promise<DryRunResult> {
  const plan = await planPipeline(kustomizationPath, deps, options);
  const tasks = plan.local.map((component) => component.task);
  const warnings = [...plan.warnings];
  if (plan.helm.length > 0) {
    warnings.push(
      `${plan.file}: ${plan.helm.length} Helm reference(s) not resolved without a cluster ` +
        `(${plan.helm.map((ref) => `"${ref.raw}"`).join(", ")}): the Pipeline is not printed`,
    );
    return { yaml: toYamlStream(tasks), warnings };
  }
  return { yaml: toYamlStream([...tasks, assemblePlan(plan)]), warnings };
}
