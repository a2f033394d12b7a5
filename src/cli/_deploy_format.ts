/**
 * The formatting `pipelines deploy` shares between one kustomization and
 * several (`_deploy_many.ts`).
 *
 * @module
 */
import type { ChangeSetEntry } from "../k8s/applier.ts";
import type { DeployResult, DeployStrategy } from "../pipelines/deploy.ts";

/** How `-o json|yaml` names each strategy (`mode`). */
export const MODE_NAMES: Record<DeployStrategy, string> = {
  client: "client-dry-run",
  server: "server-dry-run",
  validate: "validate",
  apply: "apply",
  check: "check",
};

/**
 * The last line of a deploy: `10 objects: 2 created, 1 configured, 7
 * unchanged, 0 failed in 0.8 s` (skipped ones only when there are any).
 */
export function summaryLine(
  changes: readonly ChangeSetEntry[],
  strategy: DeployStrategy,
  elapsedMs: number,
): string {
  const count = (action: ChangeSetEntry["action"]) =>
    changes.filter((c) => c.action === action).length;
  const skipped = count("skipped");
  const n = changes.length;
  return `${n} object${n === 1 ? "" : "s"}: ${count("created")} created, ${
    count("configured")
  } configured, ` +
    `${count("unchanged")} unchanged, ${count("failed")} failed` +
    (skipped > 0 ? `, ${skipped} skipped` : "") +
    ` in ${(elapsedMs / 1000).toFixed(1)} s` + (strategy === "apply" ? "" : " (server dry run)");
}

/** `--only-validate`'s line for a Pipeline that passed. */
export function validLine(result: DeployResult): string {
  const tasks = result.changes.length - 1;
  return `pipeline.tekton.dev/${result.pipeline} is valid: ${tasks} Task(s) would be applied, ` +
    `${result.helm.length} provided by Helm, in namespace "${result.namespace}"`;
}
