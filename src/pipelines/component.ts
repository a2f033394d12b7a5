/**
 * A component of a pipeline: a parsed reference plus, once resolved, its Task.
 * This is the seed's `Component` expressed as data: `ID()` is `name`,
 * `TektonV1Beta1Task()` is `task`, `ManagedByHelm()` is `ref.kind === "helm"`.
 *
 * @module
 */
import type { ComponentType } from "../dracon/component_type.ts";
import type { Task } from "../tekton/types.ts";

/** The file a component directory holds its Task in. */
export const TASK_FILE_NAME = "task.yaml";

/** File names kustomize looks for in a directory, in its order (here: no dependencies). */
export const KUSTOMIZATION_FILE_NAMES = [
  "kustomization.yaml",
  "kustomization.yml",
  "Kustomization",
];

/** A component reference, parsed before any I/O. */
export type ComponentRef =
  | {
    kind: "file";
    /** The reference as written in the kustomization. */
    raw: string;
    /** Absolute path to a YAML file or to a directory holding `task.yaml`. */
    path: string;
  }
  | {
    kind: "url";
    raw: string;
    /** The URL to fetch (a directory-like URL already has `/task.yaml` appended). */
    url: URL;
    /** Expected SHA-256 of the body, hex, when the reference pins one. */
    sha256?: string;
  }
  | {
    kind: "helm";
    raw: string;
    /** The Helm release that installed the Task. */
    release: string;
    /** The Task's name. */
    task: string;
  };

/** A component whose Task is known (loaded from a file or URL, or found in the cluster). */
export interface ResolvedComponent {
  ref: ComponentRef;
  /** The Task's name (the seed's `ID()`). */
  name: string;
  type: ComponentType;
  /** The processed Task. For Helm components: the Task as it is on the cluster. */
  task: Task;
  /** Where the Task was read from, for messages (file path or URL). */
  origin: string;
  /** Local and URL components: `sha256:<hex>` of the text read (the lock's digest, docs/lock.md). */
  digest?: string;
}
