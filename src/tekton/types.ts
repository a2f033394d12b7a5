/**
 * The parts of Tekton's Task and Pipeline objects that draconctl reads or
 * writes. Fields it does not know are kept as they are (`[key: string]: unknown`)
 * so a Task round-trips without loss.
 *
 * @module
 */
import type { KubeObject } from "../k8s/objects.ts";

/** The Task API versions draconctl accepts. */
export const TASK_API_VERSIONS = ["tekton.dev/v1beta1", "tekton.dev/v1"] as const;

/** A param value: a string, an array of strings, or an object (refused by validation). */
export type ParamValue = string | string[] | Record<string, string>;

/** A Task parameter declaration. */
export interface ParamSpec {
  name: string;
  type?: string;
  description?: string;
  default?: ParamValue;
  [key: string]: unknown;
}

/** A Task result declaration. */
export interface TaskResult {
  name: string;
  description?: string;
  [key: string]: unknown;
}

/** A container environment variable. */
export interface EnvVar {
  name: string;
  value?: string;
  [key: string]: unknown;
}

/** A Task step. */
export interface Step {
  name?: string;
  image?: string;
  script?: string;
  env?: EnvVar[];
  [key: string]: unknown;
}

/** A workspace declared by a Task. */
export interface WorkspaceDeclaration {
  name: string;
  optional?: boolean;
  description?: string;
  [key: string]: unknown;
}

/** A Task's spec. */
export interface TaskSpec {
  params?: ParamSpec[];
  results?: TaskResult[];
  steps?: Step[];
  workspaces?: WorkspaceDeclaration[];
  [key: string]: unknown;
}

/** A Tekton Task (v1beta1 or v1). */
export interface Task extends KubeObject {
  kind: "Task";
  spec: TaskSpec;
}

/** A param passed by a Pipeline to one of its tasks. */
export interface Param {
  name: string;
  value: string | string[];
}

/** A workspace binding of a pipeline task. */
export interface WorkspaceBinding {
  name: string;
  workspace: string;
}

/** One task of a Pipeline. */
export interface PipelineTask {
  name: string;
  taskRef: { name: string; kind?: string };
  params?: Param[];
  workspaces?: WorkspaceBinding[];
  runAfter?: string[];
  [key: string]: unknown;
}

/** A workspace declared by a Pipeline. */
export interface PipelineWorkspaceDeclaration {
  name: string;
  optional?: boolean;
  description?: string;
}

/** A Pipeline's spec. */
export interface PipelineSpec {
  params?: ParamSpec[];
  tasks?: PipelineTask[];
  workspaces?: PipelineWorkspaceDeclaration[];
  [key: string]: unknown;
}

/** A Tekton Pipeline. */
export interface Pipeline extends KubeObject {
  kind: "Pipeline";
  spec: PipelineSpec;
}
