/**
 * The ports of a Tekton-ready cluster: an {@link Applier} for one namespace
 * and the {@link HelmTaskLookup} of the Tasks Helm releases installed there,
 * and the factory the CLI gets them from (`kube_cluster.ts` in production,
 * the in-memory cluster in tests).
 *
 * @module
 */
import type { Applier } from "../k8s/applier.ts";
import type { ConnectionFlags } from "../k8s/kubeconfig.ts";
import type { ObjectClient } from "../k8s/object_client.ts";
import type { Task } from "./types.ts";

/** Finds Tasks that Helm releases installed. */
export interface HelmTaskLookup {
  /**
   * Every Task in the namespace managed by Helm, grouped by release name
   * (label `app.kubernetes.io/instance`, falling back to annotation
   * `meta.helm.sh/release-name`). One LIST request.
   */
  listHelmTasks(): Promise<Map<string, Map<string, Task>>>;
}

/** How to reach the cluster (global flags of the CLI). */
export interface ClusterOptions extends ConnectionFlags {
  /** Server-side apply field manager. @default "draconctl" */
  fieldManager: string;
  /** Timeout of one API request in milliseconds. @default 30000 */
  requestTimeoutMs: number;
}

/** A connection to one namespace of a cluster. */
export interface Cluster {
  /** The namespace every object goes to. */
  namespace: string;
  /** The API server URL, for messages. */
  server: string;
  applier: Applier;
  helmTasks: HelmTaskLookup;
  /**
   * The raw API calls beyond apply, unshared (`pipelines run --wait` polls and
   * must see what changed): GET, LIST, DELETE and create for `list`, `status`,
   * `delete`, `diff`, `check` and `run`.
   */
  client: ObjectClient;
}

/** Opens a {@link Cluster}; the real one imports the Kubernetes client lazily. */
export type ClusterFactory = (options: ClusterOptions) => Promise<Cluster>;

/** One context of a fleet: its name, and how to connect to it (a {@link ClusterFactory}). */
export interface FleetMember {
  context: string;
  connect: ClusterFactory;
}

/**
 * Resolves several kubeconfig contexts (`"all"`: every one) before any
 * connection, keeping the credential plugins of all of them and no other.
 */
export type FleetFactory = (
  options: ClusterOptions,
  contexts: readonly string[] | "all",
) => Promise<FleetMember[]>;
