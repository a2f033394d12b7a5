/**
 * The seed's `Applier`: what `kubectl apply --server-side` does, as an
 * interface with a real implementation (server-side apply) and an in-memory
 * one for tests.
 *
 * @module
 */
import type { Task } from "../tekton/types.ts";
import type { KubeObject } from "./objects.ts";
import type { ConnectionFlags } from "./kubeconfig.ts";

/** What applying one object did (flux's `ssa` actions). */
export type ChangeAction = "created" | "configured" | "unchanged" | "skipped" | "failed";

/** One entry of a change set. */
export interface ChangeSetEntry {
  /** kubectl's name of the object: `task.tekton.dev/git-clone` (`subjectOf` of `objects.ts`). */
  subject: string;
  kind: string;
  namespace: string;
  name: string;
  action: ChangeAction;
  /** Why it failed, when `action` is `failed`. */
  error?: string;
}

/** Options for one apply call. */
export interface ApplyOptions {
  /** Server-side dry run (`dryRun=All`): nothing is persisted. @default false */
  dryRun?: boolean;
  /** Take ownership of fields managed by others. @default false */
  force?: boolean;
}

/** Applies objects to a namespace. */
export interface Applier {
  /** Applies one object and says what changed. Throws on failure. */
  apply(object: KubeObject, options?: ApplyOptions): Promise<ChangeSetEntry>;
  /**
   * Checks, before any write, what applying these objects needs and the first
   * round of requests reveals: every kind served at the object's API version
   * (its CRD installed), the right to read it. Throws the first failure.
   */
  check(objects: readonly KubeObject[]): Promise<void>;
}

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
}

/** Opens a {@link Cluster}; the real one imports the Kubernetes client lazily. */
export type ClusterFactory = (options: ClusterOptions) => Promise<Cluster>;
