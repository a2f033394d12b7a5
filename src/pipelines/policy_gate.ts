/**
 * The image policy gate (docs/policy.md): every Task a deploy would apply or
 * use — local and URL Tasks as rendered, the live `helm://` Tasks — and the
 * Pipeline's inline `taskSpec`s, checked against a {@link Policy}. Every
 * violation is collected; the deploy refuses before any write when there is
 * one ({@link PolicyViolationError}, exit 10).
 *
 * @module
 */
import { DraconError, ExitCode, ValidationError } from "../errors.ts";
import type { FileSystem } from "../io/filesystem.ts";
import { ImageRefError, parseImageRef } from "../k8s/image_ref.ts";
import { ANCHOR_RESULT } from "../dracon/component_task.ts";
import type { Pipeline, Task } from "../tekton/types.ts";
import { isMapping, lineOfPath } from "../yaml/yaml.ts";
import { globMatch, matchesRepository, type Policy, restrictsImages } from "./policy.ts";

/** The rules, by id (SARIF `ruleId`). */
export const POLICY_RULES = {
  "image-source": "images come from an allowed registry or repository",
  "image-digest": "images are pinned by digest (@sha256:…)",
  "image-unresolved":
    "every image is known before the run (no $(params…), StepAction or remote Task)",
  "privileged": "no privileged container and no capability beyond the baseline set",
  "host-namespace": "no host namespace, host port or Windows host process",
  "host-path": "no hostPath volume",
  "task-name": "only allowed Task names",
} as const;
/** A rule id. */
export type PolicyRule = keyof typeof POLICY_RULES;

/** One thing that breaks the policy. */
export interface Violation {
  rule: PolicyRule;
  /** The Task's name (an inline taskSpec: `<pipeline>/<pipeline task>`). */
  task: string;
  /** The step, sidecar or volume, as `step "name"`; absent for the Task as a whole. */
  where?: string;
  /** The image concerned, as written. */
  image?: string;
  /** What is wrong, without the subject. */
  reason: string;
  /** The component reference as written in the kustomization. */
  ref: string;
  /** The local file the Task was read from, when there is one. */
  file?: string;
  /** Its 1-based line there, when found. */
  line?: number;
  /** Path of the offending node in the Task document (for the line). */
  path: (string | number)[];
}

/** A Task to check and where it comes from. */
export interface PolicySubject {
  task: Task;
  /** The reference as written (`helm://…`, a path, a URL). */
  ref: string;
  /** The local file it was read from (local components only). */
  file?: string;
}

/** The gate's result: the policy file and every violation (none: passed). */
export interface PolicyReport {
  policy: string;
  /** How many Tasks were checked. */
  tasks: number;
  violations: Violation[];
}

/** A deploy refused by the policy: every violation, one line each (exit 10). */
export class PolicyViolationError extends ValidationError {
  constructor(readonly report: PolicyReport) {
    const anchor = report.violations.some((v) => v.where === `step "${ANCHOR_RESULT}"`);
    super(report.violations.map(violationLine), {
      exitCode: ExitCode.policy,
      hint: `nothing was applied; fix the Tasks or the policy (${report.policy})` +
        (anchor
          ? `; the "${ANCHOR_RESULT}" step is draconctl's: --anchor-image sets its image ` +
            "(a helm:// Task's: the chart value anchor.image)"
          : ""),
    });
  }
}

/** The policy cannot be evaluated (a `helm://` Task that could not be read): exit 10. */
export class PolicyUnavailableError extends DraconError {
  override readonly exitCode = ExitCode.policy;
}

/** One violation on one line: `Task "x" step "y": reason [rule] (ref)`. */
export function violationLine(v: Violation): string {
  const file = v.file === undefined ? "" : `${v.file}${v.line === undefined ? "" : `:${v.line}`}`;
  const at = v.file === undefined || v.file === v.ref ? file || v.ref : `${v.ref}, ${file}`;
  return `policy: Task "${v.task}"${v.where === undefined ? "" : ` ${v.where}`}: ${v.reason} ` +
    `[${v.rule}] (${at})`;
}

/**
 * Every violation of `policy` by `subjects` and the Pipeline (inline
 * `taskSpec`s, `taskRef`s to Tasks no component provides).
 */
export function evaluatePolicy(
  policy: Policy,
  subjects: readonly PolicySubject[],
  pipeline: Pipeline,
  pipelineRef: string,
): Violation[] {
  const violations: Violation[] = [];
  for (const subject of subjects) {
    const base = {
      task: subject.task.metadata.name,
      ref: subject.ref,
      ...(subject.file === undefined ? {} : { file: subject.file }),
    };
    checkTaskName(policy, subject.task.metadata.name, base, violations);
    checkSpec(policy, subject.task.spec, ["spec"], base, violations);
  }
  const known = new Set(subjects.map((s) => s.task.metadata.name));
  const name = pipeline.metadata.name;
  for (const section of ["tasks", "finally"] as const) {
    const list = pipeline.spec[section];
    if (!Array.isArray(list)) continue;
    list.forEach((entry, i) => {
      if (!isMapping(entry)) return;
      const path = ["spec", section, i];
      const base = { task: `${name}/${String(entry.name)}`, ref: pipelineRef };
      checkPodTemplate(policy, entry.podTemplate, [...path, "podTemplate"], base, violations);
      if (isMapping(entry.taskSpec)) {
        if (policy.tasks.allowed !== undefined) {
          violations.push({
            ...base,
            rule: "task-name",
            reason: "an inline taskSpec is not a named Task of tasks.allowed",
            path,
          });
        }
        checkSpec(policy, entry.taskSpec, [...path, "taskSpec"], base, violations);
        return;
      }
      const ref = isMapping(entry.taskRef) ? entry.taskRef : {};
      const refName = typeof ref.name === "string" ? ref.name : undefined;
      if (refName !== undefined && known.has(refName)) return;
      const what = refName === undefined
        ? "resolves its Task remotely (taskRef without a name)"
        : `uses Task "${refName}", which no component provides`;
      if (refName !== undefined) checkTaskName(policy, refName, base, violations);
      if (restrictsImages(policy) || Object.values(policy.security).some((b) => b)) {
        violations.push({
          ...base,
          rule: "image-unresolved",
          reason: `${what}: its images and containers cannot be checked`,
          path,
        });
      }
    });
  }
  return violations;
}

type Base = Pick<Violation, "task" | "ref" | "file">;

function checkTaskName(policy: Policy, name: string, base: Base, out: Violation[]): void {
  const allowed = policy.tasks.allowed;
  if (allowed === undefined || allowed.some((p) => globMatch(p, name))) return;
  out.push({
    ...base,
    rule: "task-name",
    reason: `the name "${name}" is not in tasks.allowed`,
    path: ["metadata", "name"],
  });
}

/** Pod Security Standards, baseline: the capabilities a container may add. */
const BASELINE_CAPABILITIES = new Set([
  "AUDIT_WRITE",
  "CHOWN",
  "DAC_OVERRIDE",
  "FOWNER",
  "FSETID",
  "KILL",
  "MKNOD",
  "NET_BIND_SERVICE",
  "SETFCAP",
  "SETGID",
  "SETPCAP",
  "SETUID",
  "SYS_CHROOT",
]);

function checkSpec(
  policy: Policy,
  spec: Record<string, unknown>,
  at: (string | number)[],
  base: Base,
  out: Violation[],
): void {
  const template = isMapping(spec.stepTemplate) ? spec.stepTemplate : {};
  const steps = Array.isArray(spec.steps) ? spec.steps : [];
  steps.forEach((step, i) => {
    if (!isMapping(step)) return;
    checkContainer(
      policy,
      step,
      template,
      [...at, "steps", i],
      `step "${step.name ?? i}"`,
      base,
      out,
    );
  });
  const sidecars = Array.isArray(spec.sidecars) ? spec.sidecars : [];
  sidecars.forEach((sidecar, i) => {
    if (!isMapping(sidecar)) return;
    const where = `sidecar "${sidecar.name ?? i}"`;
    checkContainer(policy, sidecar, undefined, [...at, "sidecars", i], where, base, out);
  });
  checkPodTemplate(policy, spec.podTemplate, [...at, "podTemplate"], base, out);
  if (!policy.security.forbidHostPath) return;
  const volumes = Array.isArray(spec.volumes) ? spec.volumes : [];
  volumes.forEach((volume, i) => {
    if (!isMapping(volume) || volume.hostPath === undefined || volume.hostPath === null) return;
    const hostPath = isMapping(volume.hostPath) ? volume.hostPath.path : undefined;
    out.push({
      ...base,
      rule: "host-path",
      where: `volume "${volume.name ?? i}"`,
      reason: `mounts a hostPath volume${typeof hostPath === "string" ? ` ("${hostPath}")` : ""}`,
      path: [...at, "volumes", i, "hostPath"],
    });
  });
}

/** `hostNetwork`, `hostPID`, `hostIPC` of a pod template, where one appears. */
function checkPodTemplate(
  policy: Policy,
  template: unknown,
  at: (string | number)[],
  base: Base,
  out: Violation[],
): void {
  if (!policy.security.forbidHostNamespaces || !isMapping(template)) return;
  for (const key of ["hostNetwork", "hostPID", "hostIPC"]) {
    if (template[key] === true) {
      out.push({
        ...base,
        rule: "host-namespace",
        reason: `podTemplate sets ${key}: true`,
        path: [...at, key],
      });
    }
  }
}

/**
 * One step (merged with the stepTemplate, as Tekton merges them: a field the
 * step sets wins) or sidecar.
 */
function checkContainer(
  policy: Policy,
  container: Record<string, unknown>,
  template: Record<string, unknown> | undefined,
  at: (string | number)[],
  where: string,
  base: Base,
  out: Violation[],
): void {
  const push = (v: Omit<Violation, keyof Base | "where">) => out.push({ ...base, where, ...v });
  const inherited = (key: string) =>
    container[key] === undefined && template?.[key] !== undefined ? " (from the stepTemplate)" : "";
  if (restrictsImages(policy)) {
    const image = container.image ?? template?.image;
    const path = [...at, "image"];
    if (typeof image !== "string" || image === "") {
      push({
        rule: "image-unresolved",
        reason: container.ref !== undefined
          ? "uses a StepAction (ref): its image is not known before the run"
          : "has no image",
        path,
      });
    } else checkImage(policy, image, inherited("image"), path, push);
  }
  const security = mergeSecurity(template?.securityContext, container.securityContext);
  const securityPath = [...at, "securityContext"];
  if (policy.security.forbidPrivileged) {
    if (security.privileged === true) {
      push({
        rule: "privileged",
        reason: `runs privileged (securityContext.privileged: true)${inherited("securityContext")}`,
        path: [...securityPath, "privileged"],
      });
    }
    const capabilities = isMapping(security.capabilities) ? security.capabilities.add : undefined;
    for (const capability of Array.isArray(capabilities) ? capabilities : []) {
      const name = String(capability).toUpperCase().replace(/^CAP_/, "");
      if (BASELINE_CAPABILITIES.has(name)) continue;
      push({
        rule: "privileged",
        reason: `adds capability ${String(capability)}${inherited("securityContext")}`,
        path: [...securityPath, "capabilities", "add"],
      });
    }
  }
  if (policy.security.forbidHostNamespaces) {
    const windows = isMapping(security.windowsOptions) ? security.windowsOptions : {};
    if (windows.hostProcess === true) {
      push({
        rule: "host-namespace",
        reason: "runs as a Windows host process (windowsOptions.hostProcess: true)",
        path: [...securityPath, "windowsOptions", "hostProcess"],
      });
    }
    const ports = Array.isArray(container.ports) ? container.ports : [];
    ports.forEach((port, i) => {
      if (isMapping(port) && typeof port.hostPort === "number" && port.hostPort !== 0) {
        push({
          rule: "host-namespace",
          reason: `binds host port ${port.hostPort}`,
          path: [...at, "ports", i, "hostPort"],
        });
      }
    });
  }
}

/** The securityContext a step runs with: the template's, each field the step sets replacing it. */
function mergeSecurity(template: unknown, own: unknown): Record<string, unknown> {
  return { ...(isMapping(template) ? template : {}), ...(isMapping(own) ? own : {}) };
}

function checkImage(
  policy: Policy,
  image: string,
  inherited: string,
  path: (string | number)[],
  push: (v: Omit<Violation, keyof Base | "where">) => void,
): void {
  const quoted = `image "${image}"${inherited}`;
  if (image.includes("$(")) {
    const param = /^\$\(params(?:\.([^.()\[\]'"]+)|\[(['"])([^'"]+)\2\])\)$/.exec(image.trim());
    const name = param?.[1] ?? param?.[3];
    if (name !== undefined && policy.images.allowParameters.includes(name)) return;
    push({
      rule: "image-unresolved",
      image,
      reason: `${quoted} is set at run time by a Tekton variable: the policy cannot check it`,
      path,
    });
    return;
  }
  let ref;
  try {
    ref = parseImageRef(image);
  } catch (error) {
    if (!(error instanceof ImageRefError)) throw error;
    push({
      rule: "image-unresolved",
      image,
      reason: `${quoted} is not a valid image reference: ${error.message}`,
      path,
    });
    return;
  }
  const { registries, repositories, requireDigest } = policy.images;
  if (registries.length > 0 || repositories.length > 0) {
    const registry = ref.registry.toLowerCase();
    const allowed = registries.includes(registry) ||
      repositories.some((p) => matchesRepository(p, registry, ref.path));
    if (!allowed) {
      push({
        rule: "image-source",
        image,
        reason: `${quoted} (${ref.name}) is not from an allowed registry or repository`,
        path,
      });
    }
  }
  if (requireDigest && ref.digest === undefined) {
    push({
      rule: "image-digest",
      image,
      reason: `${quoted} is not pinned by digest (@sha256:…)`,
      path,
    });
  }
}

/**
 * Fills in each violation's line in its local file (read through `fs`),
 * when the file has the node (a Task rendered from Helm expressions keeps
 * its steps; a step draconctl adds is found at the list).
 */
export async function locateViolations(
  violations: readonly Violation[],
  fs: Pick<FileSystem, "readTextFile">,
): Promise<Violation[]> {
  const texts = new Map<string, Promise<string | undefined>>();
  const read = (file: string) => {
    if (!texts.has(file)) texts.set(file, fs.readTextFile(file).catch(() => undefined));
    return texts.get(file)!;
  };
  return await Promise.all(violations.map(async (v) => {
    if (v.file === undefined) return v;
    const text = await read(v.file);
    if (text === undefined) return v;
    for (let n = v.path.length; n > 0; n--) {
      const line = lineOfPath(text, v.path.slice(0, n));
      if (line !== undefined) return { ...v, line };
    }
    return v;
  }));
}
