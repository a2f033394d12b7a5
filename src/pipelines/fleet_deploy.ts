/**
 * `pipelines deploy … --context a,b,c` (or `--all-contexts`): the same
 * kustomizations to several kubeconfig contexts at once (docs/multi.md).
 * The inputs are read and checked once, before any context is resolved;
 * then every context is resolved (the run keeps the credential plugins of
 * these contexts, no other), then each is deployed concurrently with
 * {@link deployPipelines}. The contexts are independent: one that fails
 * (unreachable, a Helm reference its cluster cannot resolve) does not hold
 * back the others; the exit code is the highest of theirs.
 *
 * @module
 */
import type { Deps } from "../deps.ts";
import { DraconError, type ExitCode, UsageError } from "../errors.ts";
import {
  deployPipelines,
  type MultiDeployOptions,
  type MultiDeployResult,
  planPipelines,
  worstExitCode,
} from "./multi_deploy.ts";

/** What one context of the fleet did. */
export interface ContextOutcome {
  context: string;
  result?: MultiDeployResult;
  error?: unknown;
}

/** A fleet deploy in which a context failed; `contexts` says what each did. */
export class FleetDeployError extends DraconError {
  override readonly exitCode: ExitCode;
  constructor(readonly contexts: ContextOutcome[]) {
    const failed = contexts.filter((c) => c.error !== undefined);
    super(
      `${failed.length} of ${contexts.length} context(s) failed: ${
        failed.map((c) => `"${c.context}"`).join(", ")
      }`,
    );
    this.exitCode = worstExitCode(failed.map((c) => c.error));
  }
}

/**
 * Deploys `kustomizations` to every context of `contexts` concurrently.
 *
 * @throws the inputs' errors, or a context that cannot be resolved (nothing
 * connected), or {@link FleetDeployError} with every context's outcome
 */
export async function deployFleet(
  kustomizations: readonly string[],
  contexts: readonly string[] | "all",
  deps:
    & Pick<Deps, "fs" | "fetcher" | "cluster" | "helm" | "signals" | "fleet">
    & Partial<Pick<Deps, "logger">>,
  options: MultiDeployOptions,
): Promise<ContextOutcome[]> {
  if (deps.fleet === undefined) {
    throw new UsageError("deploying to several contexts is not available here");
  }
  const plans = await planPipelines(kustomizations, deps, options);
  const members = await deps.fleet(options.cluster, contexts);
  const outcomes = await Promise.all(members.map(async (member): Promise<ContextOutcome> => {
    try {
      const result = await deployPipelines(
        kustomizations,
        { ...deps, cluster: member.connect },
        { ...options, cluster: { ...options.cluster, context: member.context } },
        plans,
      );
      return { context: member.context, result };
    } catch (error) {
      return { context: member.context, error };
    }
  }));
  if (outcomes.some((o) => o.error !== undefined)) throw new FleetDeployError(outcomes);
  return outcomes;
}
