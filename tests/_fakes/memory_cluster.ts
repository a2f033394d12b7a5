/**
 * A {@link ClusterFactory} over one in-memory namespace, for CLI and action
 * tests: the applier, Helm lookup and client all of `memory`.
 *
 * @module
 */
import type { Cluster, ClusterFactory } from "../../src/tekton/cluster.ts";
import type { MemoryApplier } from "../../src/tekton/memory_applier.ts";

/** The cluster `deps.cluster` hands out: namespace `namespace`, everything of `memory`. */
export function memoryCluster(memory: MemoryApplier, namespace = "dracon"): ClusterFactory {
  const cluster: Cluster = {
    namespace,
    server: "memory",
    applier: memory,
    helmTasks: memory,
    client: memory.client,
  };
  return () => Promise.resolve(cluster);
}
