/**
 * A fleet of in-memory clusters for `--context a,b` and `--all-contexts`:
 * one {@link MemoryApplier} per context.
 *
 * @module
 */
import { ClusterError } from "../../src/errors.ts";
import type { ClusterOptions, FleetFactory } from "../../src/tekton/cluster.ts";
import type { MemoryApplier } from "../../src/tekton/memory_applier.ts";
import { memoryCluster } from "./memory_cluster.ts";

/** A fleet of in-memory clusters, one per context; `connected` counts connections. */
export function memoryFleet(contexts: Record<string, MemoryApplier>) {
  const calls: { contexts: readonly string[] | "all"; options: ClusterOptions }[] = [];
  const connected: string[] = [];
  const fleet: FleetFactory = (options, wanted) => {
    calls.push({ contexts: wanted, options });
    const names = wanted === "all" ? Object.keys(contexts) : wanted;
    for (const name of names) {
      if (!(name in contexts)) {
        return Promise.reject(new ClusterError(`Context "${name}" not found`));
      }
    }
    return Promise.resolve(names.map((context) => ({
      context,
      connect: (
        o: ClusterOptions,
      ) => (connected.push(context), memoryCluster(contexts[context]!)(o)),
    })));
  };
  return { fleet, calls, connected };
}
