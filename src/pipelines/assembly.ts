/**
 * Pipeline assembly: the Go tool's retired `pipelines build`
 * (`generatePipeline`) as a pure function, with its bugs fixed. Anchors point
 * at the nearest earlier stage that is present, array params are passed with
 * `[*]`, clashing params and duplicate components are refused.
 *
 * @example
 * ```ts
 * import { assemblePipeline } from "./assembly.ts";
 * import { DEFAULT_BASE_PIPELINE } from "./base_pipeline.ts";
 * import type { ResolvedComponent } from "./component.ts";
 *
 * declare const components: ResolvedComponent[]; // base, git-clone, producers, …
 * const pipeline = assemblePipeline(DEFAULT_BASE_PIPELINE, components, {
 *   nameSuffix: "-golang-project",
 * });
 * console.log(pipeline.metadata.name); // "dracon-golang-project"
 * ```
 *
 * @module
 */
import { ValidationError } from "../errors.ts";
import { pipelineRuleProblems } from "../tekton/pipeline_rules.ts";
import { invalidNameReason } from "../tekton/task.ts";
import { ANCHORS_PARAM, SCAN_PARAMS } from "../dracon/component_task.ts";
import type {
  Param,
  ParamSpec,
  Pipeline,
  PipelineTask,
  PipelineWorkspaceDeclaration,
  Task,
} from "../tekton/types.ts";
import type { ResolvedComponent } from "./component.ts";
import {
  COMPONENT_TYPES,
  type ComponentType,
  componentTypeOrder,
  publishesAnchor,
  takesAnchors,
} from "../dracon/component_type.ts";

/** Options of {@link assemblePipeline}. */
export interface AssembleOptions {
  /** Appended to the base Pipeline's name (the kustomization's `nameSuffix`). */
  nameSuffix: string;
  /**
   * Namespace written into the Pipeline's metadata.
   * @default the base Pipeline's own (usually none)
   */
  namespace?: string;
  /**
   * API version of the assembled Pipeline. Both are served by Tekton, and
   * what draconctl emits is the same in either.
   * @default "tekton.dev/v1"
   */
  apiVersion?: PipelineApiVersion;
}

/** The Pipeline API versions draconctl emits. */
export const PIPELINE_API_VERSIONS = ["tekton.dev/v1", "tekton.dev/v1beta1"] as const;
/** One of {@link PIPELINE_API_VERSIONS}. */
export type PipelineApiVersion = typeof PIPELINE_API_VERSIONS[number];

/** The base Task results producers read the scan id, start time and tags from. */
const SCAN_RESULTS: Record<typeof SCAN_PARAMS[number], string> = {
  dracon_scan_id: "dracon-scan-id",
  dracon_scan_start_time: "dracon-scan-start-time",
  dracon_scan_tags: "dracon-scan-tags",
};

/** A pipeline param and the Task that first declared it, for clash messages. */
interface LiftedParam {
  spec: ParamSpec;
  owner: string;
}

/**
 * Builds the Pipeline that runs `components` on top of `base`. Pure: neither
 * argument is changed. Tasks run in component type order, by name within a
 * type, so the order of `components` within a type does not matter; each Task's params become pipeline params, its workspaces pipeline
 * workspaces, and its `anchors` the anchor results of the nearest earlier
 * stage that is present and publishes anchors.
 *
 * @throws {ValidationError} listing every problem: no or several base
 * components, duplicate component names, clashing params, an invalid name,
 * and every Tekton rule the assembled Pipeline breaks (`pipeline_rules.ts`)
 */
export function assemblePipeline(
  base: Pipeline,
  components: readonly ResolvedComponent[],
  options: AssembleOptions,
): Pipeline {
  const name = base.metadata.name + options.nameSuffix;
  const problems = componentProblems(components).map((p) => `Pipeline "${name}": ${p}`);
  const nameReason = invalidNameReason(name);
  if (nameReason !== undefined) problems.push(`Pipeline "${name}": ${nameReason}`);
  const baseComponent = components.find((c) => c.type === "base");
  if (baseComponent === undefined) {
    throw new ValidationError(problems, {
      hint: 'add the base Task to "components", e.g. "pkg:helm/<release>/base"',
    });
  }
  // Type order, then name: Tekton runs by the DAG (runAfter), not list order,
  // so the order the components are listed in must not change the output.
  const sorted = [...components].sort((a, b) =>
    componentTypeOrder(a.type) - componentTypeOrder(b.type) ||
    (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  );
  const { params: baseParams, workspaces: baseWorkspaces, tasks: baseTasks, ...rest } =
    structuredClone(base.spec);
  const params = new Map<string, LiftedParam>();
  for (const spec of baseParams ?? []) params.set(spec.name, { spec, owner: `Pipeline "${name}"` });
  const workspaces = new Map<string, PipelineWorkspaceDeclaration>();
  for (const ws of baseWorkspaces ?? []) workspaces.set(ws.name, ws);
  const tasks: PipelineTask[] = [...(baseTasks ?? [])];
  for (const component of sorted) {
    problems.push(...liftParams(component, params, name));
    declareWorkspaces(component.task, workspaces);
    tasks.push(pipelineTask(component, sorted, baseComponent.name));
  }
  if (problems.length > 0) throw new ValidationError(problems);
  const metadata = structuredClone(base.metadata);
  metadata.name = name;
  if (options.namespace !== undefined) metadata.namespace = options.namespace;
  const liftedParams = [...params.values()].map((p) => p.spec);
  const pipeline: Pipeline = {
    ...structuredClone(base),
    apiVersion: options.apiVersion ?? "tekton.dev/v1",
    metadata,
    spec: {
      ...rest,
      ...(liftedParams.length > 0 ? { params: liftedParams } : {}),
      workspaces: [...workspaces.values()],
      tasks,
    },
  };
  // What Tekton's webhook would refuse (e.g. a base Pipeline that already has a task "base").
  const refused = pipelineRuleProblems(pipeline).map((p) => `Pipeline "${name}": ${p}`);
  if (refused.length > 0) throw new ValidationError(refused);
  return pipeline;
}

/** Missing or extra base components and duplicate names. */
function componentProblems(components: readonly ResolvedComponent[]): string[] {
  const problems: string[] = [];
  const bases = components.filter((c) => c.type === "base");
  if (bases.length === 0) problems.push('no component of type "base"');
  if (bases.length > 1) {
    const names = bases.map((c) => `"${c.name}"`).join(", ");
    problems.push(`more than one component of type "base": ${names}`);
  }
  const firstOrigin = new Map<string, string>();
  for (const c of components) {
    const first = firstOrigin.get(c.name);
    if (first === undefined) firstOrigin.set(c.name, c.origin);
    else {
      problems.push(`component "${c.name}" is listed more than once: "${first}" and "${c.origin}"`);
    }
  }
  return problems;
}

/** Adds a component's own params to `params`; returns clash problems. */
function liftParams(
  component: ResolvedComponent,
  params: Map<string, LiftedParam>,
  pipelineName: string,
): string[] {
  const problems: string[] = [];
  const owner = `Task "${component.name}"`;
  for (const param of ownParams(component.task)) {
    const lifted = liftedSpec(param);
    if (lifted.type !== "string" && lifted.type !== "array") {
      problems.push(
        `Pipeline "${pipelineName}": param "${param.name}" of ${owner} has unsupported type "${lifted.type}": expected "string" or "array"`,
      );
      continue;
    }
    const existing = params.get(param.name);
    if (existing === undefined) {
      params.set(param.name, { spec: lifted, owner });
      continue;
    }
    const clash = clashOf(existing.spec, lifted);
    if (clash !== undefined) {
      problems.push(
        `Pipeline "${pipelineName}": param "${param.name}" of ${owner} clashes with ${existing.owner}: ${clash}`,
      );
    }
  }
  return problems;
}

/** A Task param as a pipeline param: name, type (string when missing), description, default. */
function liftedSpec(param: ParamSpec): ParamSpec {
  const spec: ParamSpec = { name: param.name, type: param.type ?? "string" };
  if (param.description !== undefined) spec.description = param.description;
  if (param.default !== undefined) spec.default = structuredClone(param.default);
  return spec;
}

/** How two declarations of one param differ in type or default, if they do. */
function clashOf(a: ParamSpec, b: ParamSpec): string | undefined {
  const typeA = a.type ?? "string";
  const typeB = b.type ?? "string";
  if (typeA !== typeB) return `type "${typeB}" differs from "${typeA}"`;
  const defaultA = JSON.stringify(a.default ?? null);
  const defaultB = JSON.stringify(b.default ?? null);
  if (defaultA !== defaultB) return `default ${defaultB} differs from ${defaultA}`;
  return undefined;
}

/** Declares a Task's workspaces once; a workspace any Task requires is required. */
function declareWorkspaces(task: Task, workspaces: Map<string, PipelineWorkspaceDeclaration>) {
  for (const ws of task.spec.workspaces ?? []) {
    const existing = workspaces.get(ws.name);
    if (existing === undefined) {
      workspaces.set(
        ws.name,
        ws.optional === true ? { name: ws.name, optional: true } : {
          name: ws.name,
        },
      );
    } else if (ws.optional !== true && existing.optional === true) {
      const { optional: _, ...required } = existing;
      workspaces.set(ws.name, required);
    }
  }
}

/** The pipeline task that runs one component. */
function pipelineTask(
  component: ResolvedComponent,
  sorted: readonly ResolvedComponent[],
  baseName: string,
): PipelineTask {
  const params: Param[] = [];
  let anchorsPassed = false;
  for (const param of component.task.spec.params ?? []) {
    if (param.name === ANCHORS_PARAM) {
      if (!takesAnchors(component.type)) continue;
      params.push({ name: ANCHORS_PARAM, value: anchorsOf(component.type, sorted) });
      anchorsPassed = true;
    } else if (!isScanParam(param.name)) {
      params.push(paramReference(param));
    }
  }
  if (takesAnchors(component.type) && !anchorsPassed) {
    params.push({ name: ANCHORS_PARAM, value: anchorsOf(component.type, sorted) });
  }
  if (component.type === "producer") {
    for (const name of SCAN_PARAMS) {
      params.push({ name, value: `$(tasks.${baseName}.results.${SCAN_RESULTS[name]})` });
    }
  }
  const workspaces = (component.task.spec.workspaces ?? []).map((ws) => ({
    name: ws.name,
    workspace: ws.name,
  }));
  return {
    name: component.name,
    taskRef: { name: component.name },
    ...(params.length > 0 ? { params } : {}),
    ...(workspaces.length > 0 ? { workspaces } : {}),
  };
}

/** `$(tasks.<t>.results.anchor)` of every task of the nearest earlier present stage. */
function anchorsOf(type: ComponentType, sorted: readonly ResolvedComponent[]): string[] {
  const earlier = COMPONENT_TYPES.slice(0, componentTypeOrder(type)).filter(publishesAnchor);
  for (const stage of earlier.reverse()) {
    const tasks = sorted.filter((c) => c.type === stage);
    if (tasks.length > 0) return tasks.map((c) => `$(tasks.${c.name}.results.anchor)`);
  }
  return [];
}

/** A Task's params that the pipeline lifts: all but `anchors` and `dracon_scan_*`. */
function ownParams(task: Task): ParamSpec[] {
  return (task.spec.params ?? []).filter((p) => p.name !== ANCHORS_PARAM && !isScanParam(p.name));
}

function paramReference(param: ParamSpec): Param {
  return param.type === "array"
    ? { name: param.name, value: [`$(params.${param.name}[*])`] }
    : { name: param.name, value: `$(params.${param.name})` };
}

function isScanParam(name: string): boolean {
  return (SCAN_PARAMS as readonly string[]).includes(name);
}
