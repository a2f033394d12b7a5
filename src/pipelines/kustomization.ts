/**
 * Dracon's kustomization format: a small, strict subset of kustomize's
 * `kustomization.yaml` that names a pipeline and lists its components.
 *
 * @module
 */
import { KustomizationError } from "../errors.ts";
import type { FileReader } from "../io/filesystem.ts";
import { checkText, readInputFile } from "../io/read_input.ts";
import { KUSTOMIZATION_FILE_NAMES } from "./component.ts";
import type { KustomizationLocation } from "./kustomization_location.ts";
import { locateKustomization } from "./kustomization_location.ts";

export { type KustomizationLocation, locateKustomization };
import { isMapping, lineOfPath, parseYamlDocuments } from "../yaml/yaml.ts";
import { DNS_LABEL } from "./component_ref.ts";

/** A parsed kustomization. */
export interface Kustomization {
  /** Appended to the base Pipeline's name. */
  nameSuffix: string;
  /** Component references, in the order written (not yet parsed). */
  components: string[];
  /** The base Pipeline: empty (the built-in one) or exactly one entry. */
  resources: string[];
  /** The namespace to deploy into, when the file sets one. */
  namespace?: string;
}

/** A kustomization read from disk. */
export interface LoadedKustomization {
  kustomization: Kustomization;
  /** Absolute path of the file read. */
  file: string;
  /** Its directory, which relative references resolve against. */
  dir: string;
}

export { KUSTOMIZATION_FILE_NAMES };

const API_VERSIONS = ["kustomize.config.k8s.io/v1beta1", "kustomize.config.k8s.io/v1alpha1"];
const KINDS = ["Kustomization", "Component"];
const KEYS = ["apiVersion", "kind", "nameSuffix", "namespace", "resources", "components"];

/**
 * Parses a kustomization. `apiVersion` (`kustomize.config.k8s.io/v1beta1` or
 * `v1alpha1`) and `kind` (`Kustomization` or `Component`) are optional;
 * `nameSuffix` and a non-empty `components` list are required; `resources`
 * holds at most the base Pipeline; `namespace` is a DNS-1123 label. A key set
 * to null counts as absent. Every other key is refused.
 *
 * @example
 * ```ts
 * parseKustomization("nameSuffix: -go\ncomponents: [pkg:helm/dracon/base]\n", "k.yaml");
 * // { nameSuffix: "-go", components: ["pkg:helm/dracon/base"], resources: [] }
 * ```
 *
 * @throws {ManifestSyntaxError} on invalid YAML
 * @throws {KustomizationError} naming `file`, the key and its line
 */
export async function parseKustomization(text: string, file: string): Promise<Kustomization> {
  const docs = await parseYamlDocuments(text, file);
  if (docs.length === 0) throw new KustomizationError(file, "holds no YAML document");
  if (docs.length > 1) {
    throw new KustomizationError(file, `holds ${docs.length} YAML documents, expected one`);
  }
  const value = docs[0]!.value;
  if (!isMapping(value)) {
    throw new KustomizationError(file, `expected a mapping, got ${typeName(value)}`);
  }
  const fail = (path: (string | number)[], reason: string, onKey = false): never => {
    const line = lineOfPath(text, path, onKey);
    const at = line === undefined ? "" : ` (line ${line})`;
    throw new KustomizationError(file, `key "${path.join(".")}"${at} ${reason}`);
  };
  for (const key of Object.keys(value)) {
    if (!KEYS.includes(key)) {
      fail([key], `is not supported: draconctl reads only ${KEYS.join(", ")}`, true);
    }
  }
  const optionalOneOf = (key: string, allowed: string[]) => {
    const v = value[key];
    if (v === undefined || v === null) return;
    if (typeof v !== "string") fail([key], `must be a string, got ${typeName(v)}`);
    if (!allowed.includes(v as string)) {
      fail([key], `must be one of ${allowed.map((a) => `"${a}"`).join(", ")}, got "${v}"`);
    }
  };
  optionalOneOf("apiVersion", API_VERSIONS);
  optionalOneOf("kind", KINDS);
  const nameSuffix = value.nameSuffix;
  if (nameSuffix === undefined || nameSuffix === null) {
    throw new KustomizationError(file, 'key "nameSuffix" is required', {
      hint: 'add a line like "nameSuffix: -my-project"; it is appended to the Pipeline name',
    });
  }
  if (typeof nameSuffix !== "string") {
    return fail(["nameSuffix"], `must be a string, got ${typeName(nameSuffix)}`);
  }
  if (!/^[a-z0-9.-]+$/.test(nameSuffix)) {
    fail(["nameSuffix"], 'must be non-empty and hold only lowercase letters, digits, "-" and "."');
  }
  const components = stringList(value, "components", fail);
  if (components.length === 0) {
    throw new KustomizationError(file, 'key "components" must list at least one component');
  }
  const resources = stringList(value, "resources", fail);
  checkResources(file, resources);
  const result: Kustomization = { nameSuffix, components, resources };
  const namespace = value.namespace;
  if (namespace !== undefined && namespace !== null) {
    if (typeof namespace !== "string") {
      fail(["namespace"], `must be a string, got ${typeName(namespace)}`);
    }
    if (!DNS_LABEL.test(namespace as string) || (namespace as string).length > 63) {
      fail(["namespace"], `must be a DNS-1123 label, got "${namespace}"`);
    }
    result.namespace = namespace as string;
  }
  return result;
}

/** Options of {@link readKustomization}. */
export interface ReadKustomizationOptions {
  /** Largest file read, counted as read. @default 1048576 */
  maxBytes?: number;
}

/**
 * Reads and parses a kustomization. `path` is the file, or a directory
 * holding one of {@link KUSTOMIZATION_FILE_NAMES}.
 *
 * @throws {LoadError} when nothing is there to read, or the file is too large
 * @throws {KustomizationError | ManifestSyntaxError} from {@link parseKustomization}
 */
export async function readKustomization(
  path: string,
  fs: FileReader,
  options: ReadKustomizationOptions = {},
): Promise<LoadedKustomization> {
  return await readLocatedKustomization(await locateKustomization(path, fs), fs, options);
}

/**
 * Reads and parses the kustomization at a location, through `reader`.
 *
 * @throws {LoadError} when it cannot be read, is not a regular file, or is too large
 * @throws {KustomizationError | ManifestSyntaxError} from {@link parseKustomization}
 */
export async function readLocatedKustomization(
  { file, dir }: KustomizationLocation,
  reader: FileReader,
  options: ReadKustomizationOptions = {},
): Promise<LoadedKustomization> {
  const text = await readInputFile(reader, file, {
    maxBytes: options.maxBytes ?? 1024 * 1024,
    tooLargeHint:
      'a kustomization is a few lines; raise the limit with "--max-body-size" if this one is meant',
  });
  checkText(text, file);
  return { kustomization: await parseKustomization(text, file), file, dir };
}

function stringList(
  value: Record<string, unknown>,
  key: string,
  fail: (path: (string | number)[], reason: string) => never,
): string[] {
  const list = value[key];
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) fail([key], `must be a list of strings, got ${typeName(list)}`);
  (list as unknown[]).forEach((item, index) => {
    if (typeof item !== "string") fail([key, index], `must be a string, got ${typeName(item)}`);
    if ((item as string).trim() === "") fail([key, index], "must not be empty");
  });
  return [...(list as string[])];
}

function checkResources(file: string, resources: string[]): void {
  if (resources.length <= 1) return;
  const tasks = resources.filter((r) => /(^|\/)task\.ya?ml$/i.test(r));
  if (tasks.length > 0) {
    throw new KustomizationError(
      file,
      `key "resources" lists Tasks (${tasks.map((t) => `"${t}"`).join(", ")}): ` +
        "resources holds only the base Pipeline",
      { hint: "move each Task, base/task.yaml included, to components" },
    );
  }
  throw new KustomizationError(
    file,
    `key "resources" lists ${resources.length} entries: at most one base Pipeline is allowed`,
  );
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `${typeof value} ${JSON.stringify(value)}`;
}
