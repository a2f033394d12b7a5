/**
 * Finds every component Task under a directory: the Dracon layout (`base/`,
 * `sources/`, `producers/`, `enrichers/`, `consumers/`, each Task in a
 * `task.yaml`) and, beyond it, any tree of Task YAML files.
 *
 * - A file named `task.yaml` must hold Tasks only: anything else is an error.
 * - Any other `*.yaml`/`*.yml` file contributes the documents of `kind: Task`
 *   it holds; a file with none (a Pipeline, values, an empty decoy) or that
 *   is not valid YAML is skipped with a note.
 * - Other files are skipped with a note; hidden entries (`.git`) and
 *   symbolic links are not followed. A `*.yaml` file that is not a regular
 *   file (a FIFO, a device, a socket) or holds binary content is an error,
 *   as in `pipelines deploy`; so is a directory without any Task.
 *
 * Every Task is validated as `pipelines deploy` validates it; all problems,
 * duplicate Task names included, are reported at once.
 *
 * @module
 */
import { posix } from "node:path";
import { combineErrors, LoadError, ValidationError } from "../errors.ts";
import { DEFAULT_MAX_FILE_BYTES, type FileReader } from "../io/filesystem.ts";
import { checkText, readInputFile } from "../io/read_input.ts";
import { isMapping, parseYamlDocuments } from "../yaml/yaml.ts";
import { toTask } from "../tekton/task.ts";
import { validateTask } from "../dracon/component_task.ts";
import type { Task } from "../tekton/types.ts";

/** A Task found under the directory. */
export interface GatheredTask {
  /** The file, as `<dir>/<relative path>`. */
  file: string;
  /** The file relative to the directory, e.g. `producers/golang-gosec/task.yaml`. */
  relative: string;
  /** The Task, checked with `toTask` and `validateTask` (not yet processed). */
  task: Task;
}

/** A file that holds no Task, and why. */
export interface SkippedFile {
  file: string;
  reason: string;
}

/** What {@link gatherTasks} found. */
export interface GatherResult {
  /** Every Task, sorted by relative path (then document order). */
  tasks: GatheredTask[];
  /** Files that were not Tasks, sorted by path. */
  skipped: SkippedFile[];
}

const TASK_FILE = "task.yaml";

/**
 * Gathers and validates every Task under `dir`.
 *
 * @throws {LoadError} when `dir` is not a directory
 * @throws {ValidationError} listing every invalid Task and every duplicate name, or when
 * `dir` holds no Task
 */
export async function gatherTasks(dir: string, fs: FileReader): Promise<GatherResult> {
  const info = await fs.stat(dir);
  if (info === undefined || !info.isDirectory) {
    throw new LoadError(dir, info === undefined ? "no such directory" : "not a directory", {
      hint: "give the directory holding the component Tasks, e.g. ./components",
    });
  }
  const result: GatherResult = { tasks: [], skipped: [] };
  const errors: unknown[] = [];
  for (const relative of await listFiles(dir, "", fs, result.skipped)) {
    try {
      await readFile(dir, relative, fs, result);
    } catch (error) {
      errors.push(error);
    }
  }
  errors.push(...duplicateErrors(result.tasks));
  if (errors.length > 0) throw combineErrors(errors);
  if (result.tasks.length === 0) {
    const skipped = result.skipped.length;
    throw new ValidationError([
      `${dir}: holds no Task${skipped > 0 ? ` (${skipped} file(s) skipped, none a Task)` : ""}`,
    ], { hint: "give the directory holding the component Tasks, e.g. ./components" });
  }
  return result;
}

async function listFiles(
  dir: string,
  relative: string,
  fs: FileReader,
  skipped: SkippedFile[],
): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await fs.readDir(relative === "" ? dir : posix.join(dir, relative))) {
    const path = relative === "" ? entry.name : `${relative}/${entry.name}`;
    if (entry.name.startsWith(".")) continue;
    if (entry.isSymlink) {
      skipped.push({ file: posix.join(dir, path), reason: "symbolic link, not followed" });
    } else if (entry.isDirectory) files.push(...await listFiles(dir, path, fs, skipped));
    else if (/\.ya?ml$/.test(entry.name)) files.push(path); // reading refuses a special file
    else if (entry.isFile) skipped.push({ file: posix.join(dir, path), reason: "not a YAML file" });
    else skipped.push({ file: posix.join(dir, path), reason: "not a regular file, not read" });
  }
  return files;
}

async function readFile(
  dir: string,
  relative: string,
  fs: FileReader,
  result: GatherResult,
): Promise<void> {
  const file = posix.join(dir, relative);
  const strict = posix.basename(relative) === TASK_FILE;
  const text = await readInputFile(fs, file, {
    maxBytes: DEFAULT_MAX_FILE_BYTES,
    tooLargeHint: "a Task file is a few KiB; keep larger YAML files out of the components tree",
  });
  try {
    checkText(text, file);
  } catch (error) {
    if (strict) throw error;
    const reason = (error as ValidationError).message.slice(file.length + 2);
    return void result.skipped.push({ file, reason });
  }
  let documents;
  try {
    documents = await parseYamlDocuments(text, file);
  } catch (error) {
    if (strict) throw error;
    result.skipped.push({ file, reason: `not valid YAML (${(error as Error).message})` });
    return;
  }
  if (documents.length === 0) return void result.skipped.push({ file, reason: "empty file" });
  const kinds = documents.map((d) => isMapping(d.value) ? d.value.kind : undefined);
  if (!strict && !kinds.includes("Task")) {
    const found = [...new Set(kinds.map((k) => typeof k === "string" ? k : "no kind"))];
    return void result.skipped.push({ file, reason: `holds no Task (found: ${found.join(", ")})` });
  }
  const problems: string[] = [];
  documents.forEach((doc, i) => {
    if (!strict && kinds[i] !== "Task") return;
    const origin = documents.length > 1 ? `${file} (document ${i + 1})` : file;
    try {
      const task = toTask(doc.value, origin);
      const found = validateTask(task, origin);
      if (found.length === 0) result.tasks.push({ file: origin, relative, task });
      problems.push(...found);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      problems.push(...error.problems);
    }
  });
  if (problems.length > 0) throw new ValidationError(problems);
}

function duplicateErrors(tasks: readonly GatheredTask[]): ValidationError[] {
  const byName = new Map<string, GatheredTask[]>();
  for (const task of tasks) {
    const name = task.task.metadata.name;
    byName.set(name, [...byName.get(name) ?? [], task]);
  }
  return [...byName].filter(([, found]) => found.length > 1).map(([name, found]) =>
    new ValidationError([
      `Task "${name}" is defined more than once: ${found.map((t) => t.file).join(" and ")}`,
    ], {
      hint: "Task names must be unique in a chart: rename one, or package the directories apart",
    })
  );
}
