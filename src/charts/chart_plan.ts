/**
 * A Helm chart of component Tasks, planned as a pure function: the files of
 * the chart as `{path, content}` pairs, in a fixed order, ready for a writer
 * and `helm package`. The same function plans the one-Task chart through
 * which `pipelines deploy` renders a Task that holds Helm expressions, so
 * both paths render a Task identically.
 *
 * Helm expressions follow the rule in `helm_expressions.ts`: kept ones are
 * evaluated by Helm, every other `{{` is escaped. Single-line strings holding
 * an expression are single-quoted in the template (as the Dracon corpus
 * writes them), so a rendered value stays a string (`'1.0'`, not `1.0`).
 *
 * @example
 * ```ts
 * import type { Task } from "../tekton/types.ts";
 * declare const task: Task; // a valid component Task named "base"
 *
 * const files = planChart([{ origin: "base/task.yaml", task }], {
 *   name: "dracon-components",
 *   chartVersion: "0.1.0",
 *   appVersion: "0.1.0",
 * });
 * files.map((f) => f.path); // ["Chart.yaml", "templates/NOTES.txt", "templates/base.yaml", "values.yaml"]
 * ```
 *
 * @module
 */
import { Document, visit } from "yaml";
import { ValidationError } from "../errors.ts";
import { DEFAULT_ANCHOR_IMAGE, processTask, validateTask } from "../dracon/component_task.ts";
import type { Task } from "../tekton/types.ts";
import { isMapping } from "../yaml/yaml.ts";
import { quoteAmbiguousStrings } from "../yaml/plain_strings.ts";
import { escapeHelmText, splitHelmText } from "../tekton/helm_expressions.ts";
import { chartProblems } from "./chart_name.ts";
import { ANCHOR_IMAGE_PATH, planValues } from "./values_plan.ts";

/** One file of a chart, its path relative to the chart's directory. */
export interface ChartFile {
  path: string;
  content: string;
}

/** A Task to put in a chart, and where it was read (for messages and comments). */
export interface ChartTask {
  origin: string;
  task: Task;
}

/** Options of {@link planChart}. */
export interface ChartOptions {
  /** The chart's name: lowercase letters, digits and `-` (Helm's convention). */
  name: string;
  /** The chart's version, SemVer 2 (e.g. `0.1.0`). */
  chartVersion: string;
  /** The chart's appVersion, the image tag `{{ .Chart.AppVersion }}` renders to. */
  appVersion: string;
  /** `description` in Chart.yaml. @default "Dracon component Tasks, packaged by draconctl" */
  description?: string;
  /**
   * Label every Task as Helm's (`managed-by`, `instance`, `name`, `version`,
   * `helm.sh/chart`). `false` for the render-only chart of `pipelines deploy`,
   * whose Tasks draconctl applies and must not look Helm-owned. @default true
   */
  helmLabels?: boolean;
}

/** The labels a chart puts on each Task; the first two are the seed's selector. */
export const CHART_LABELS = {
  "app.kubernetes.io/managed-by": "{{ .Release.Service }}",
  "app.kubernetes.io/instance": "{{ .Release.Name }}",
  "app.kubernetes.io/version": "{{ .Chart.AppVersion }}",
  "helm.sh/chart": '{{ .Chart.Name }}-{{ .Chart.Version | replace "+" "_" }}',
} as const;
/**
 * The anchor step's image in a chart: the `anchor.image` value, set at
 * `helm install` like `image.registry` (empty: the Go tool's busybox).
 */
export const ANCHOR_IMAGE_TEMPLATE = `{{ default ${JSON.stringify(DEFAULT_ANCHOR_IMAGE)} .Values.${
  ANCHOR_IMAGE_PATH.join(".")
} }}`;

/** The label naming the Task itself. */
export const NAME_LABEL = "app.kubernetes.io/name";

/**
 * Plans a chart holding `tasks`: `Chart.yaml`, `values.yaml` with a
 * documented default for every value the Tasks read, `templates/NOTES.txt`,
 * and `templates/<task>.yaml` per Task. Each Task is validated and processed
 * exactly as `pipelines deploy` does (`validateTask`, `processTask`).
 * Output is sorted by path and depends only on the arguments.
 *
 * @throws {ValidationError} listing every invalid option and Task, and duplicate names
 */
export function planChart(tasks: readonly ChartTask[], options: ChartOptions): ChartFile[] {
  const problems = [...chartProblems(options), ...taskProblems(tasks)];
  if (problems.length > 0) throw new ValidationError(problems);
  const sorted = [...tasks].sort((a, b) => compare(a.task.metadata.name, b.task.metadata.name))
    .map(({ origin, task }) => ({ origin, task: chartTask(task, options) }));
  const files: ChartFile[] = [
    { path: "Chart.yaml", content: chartYaml(options) },
    { path: "values.yaml", content: planValues(sorted.map((t) => t.task), options.name) },
    { path: "templates/NOTES.txt", content: notes(sorted.map((t) => t.task.metadata.name)) },
    ...sorted.map(({ origin, task }) => ({
      path: `templates/${task.metadata.name}.yaml`,
      content: taskTemplate(task, origin),
    })),
  ];
  return files.sort((a, b) => compare(a.path, b.path));
}

/**
 * A Task as Helm template text: kept expressions as they are, every other
 * `{{` escaped, strings with expressions single-quoted.
 */
function taskTemplate(task: Task, origin: string): string {
  const placeholders = new Placeholders(JSON.stringify(task));
  const doc = new Document(placeholders.substitute(task), {
    version: "1.1",
    aliasDuplicateObjects: false,
  });
  quoteAmbiguousStrings(doc); // a string stays a string for Go's readers and YAML 1.2's
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value !== "string" || !placeholders.holdsTemplate(node.value)) return;
      // A plain scalar cannot start with "{" and a rendered "1.0" would turn into a number.
      if (!node.value.includes("\n")) node.type = "QUOTE_SINGLE";
    },
  });
  const yaml = doc.toString({ lineWidth: 0 });
  const header = `# Task "${task.metadata.name}" from ${origin}, templated by draconctl\n`;
  return escapeHelmText(header) + placeholders.restore(yaml);
}

function chartTask(task: Task, options: ChartOptions): Task {
  // A Task `pipelines deploy` processed already keeps its (configured) anchor step.
  const processed = processTask(task, { anchorImage: ANCHOR_IMAGE_TEMPLATE });
  const { namespace: _dropped, ...metadata } = processed.metadata;
  if (options.helmLabels === false) return { ...processed, metadata };
  const labels = { ...metadata.labels, [NAME_LABEL]: metadata.name, ...CHART_LABELS };
  return { ...processed, metadata: { ...metadata, labels } };
}

function taskProblems(tasks: readonly ChartTask[]): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const { origin, task } of tasks) {
    problems.push(...validateTask(task, origin));
    const first = seen.get(task.metadata.name);
    if (first !== undefined) {
      problems.push(
        `${origin}: Task "${task.metadata.name}" is also defined in ${first}: Task names must be unique in a chart`,
      );
    } else seen.set(task.metadata.name, origin);
  }
  return problems;
}

function chartYaml(options: ChartOptions): string {
  const description = options.description ?? "Dracon component Tasks, packaged by draconctl";
  return [
    "apiVersion: v2",
    `name: ${options.name}`,
    `description: ${JSON.stringify(description)}`,
    "type: application",
    `version: ${options.chartVersion}`,
    `appVersion: ${JSON.stringify(options.appVersion)}`,
    "",
  ].join("\n");
}

function notes(names: readonly string[]): string {
  return [
    `{{ .Chart.Name }} {{ .Chart.Version }} installed ${names.length} Dracon Task(s) in namespace "{{ .Release.Namespace }}".`,
    "Reference them from a kustomization's components as helm://{{ .Release.Name }}/<task>:",
    ...names.map((name) => `  - helm://{{ .Release.Name }}/${name}`),
    "",
  ].join("\n");
}

/**
 * Swaps kept expressions and `{{` for plain tokens while YAML is printed, so
 * the printer neither escapes nor folds them, then swaps them back.
 */
class Placeholders {
  readonly #prefix: string;
  readonly #texts: string[] = [];
  /** A token anywhere (compiled once: {@link holdsTemplate} runs for every scalar). */
  readonly #anyToken: RegExp;

  constructor(avoid: string) {
    let prefix = "DRACONCTLHELM";
    while (avoid.includes(prefix)) prefix += "X";
    this.#prefix = prefix;
    this.#anyToken = new RegExp(`${prefix}[ET]\\d+Z`);
  }

  substitute(value: unknown): unknown {
    if (typeof value === "string") return this.#string(value);
    if (Array.isArray(value)) return value.map((item) => this.substitute(item));
    if (!isMapping(value)) return value;
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [this.#string(k), this.substitute(v)]),
    );
  }

  holdsTemplate(value: string): boolean {
    return this.#anyToken.test(value);
  }

  restore(text: string): string {
    return text.replace(new RegExp(`${this.#prefix}[ET](\\d+)Z`, "g"), (_, i) => this.#texts[i]!);
  }

  #string(value: string): string {
    if (!value.includes("{{")) return value;
    return splitHelmText(value).map((piece) =>
      piece.kind === "expression"
        ? this.#token("E", piece.text)
        : piece.text.split("{{").join(this.#token("T", '{{ "{{" }}'))
    ).join("");
  }

  #token(kind: "E" | "T", text: string): string {
    this.#texts.push(text);
    return `${this.#prefix}${kind}${this.#texts.length - 1}Z`;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
