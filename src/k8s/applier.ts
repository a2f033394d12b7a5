/**
 * The seed's `Applier`: what `kubectl apply --server-side` does, as an
 * interface with a real implementation (server-side apply) and an in-memory
 * one for tests.
 *
 * @module
 */
import type { KubeObject } from "./objects.ts";

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
