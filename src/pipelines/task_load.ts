/**
 * From a component's text to its processed Task: the one YAML document,
 * Dracon's checks and processing, Tekton's rules. With a {@link Cache}, a
 * text read before (the same bytes, origin and options, and the same code:
 * {@link CACHED_MODULES}) gives the Task stored then, with no YAML parse
 * (docs/cache.md). Only successes are stored; an entry that is not a valid
 * Task now is ignored, and the text is loaded as without a cache, so every
 * error reads exactly as it would.
 *
 * @module
 */
import { type Cache, cacheKey, isJsonExact } from "../io/cache.ts";
import { fromSources } from "../base/worker_modules.ts";
import { ValidationError } from "../errors.ts";
import { checkText } from "../io/read_input.ts";
import { isMapping } from "../yaml/mapping.ts";
import { parseYamlDocuments } from "../yaml/yaml.ts";
import { tektonTaskProblems, toTask } from "../tekton/task.ts";
import { componentTypeOf, processTask, validateTask } from "../dracon/component_task.ts";
import type { ComponentType } from "../dracon/component_type.ts";
import type { Task } from "../tekton/types.ts";

/** The single YAML document of a component's text. */
export interface ParsedComponent {
  /** The parsed document. */
  value: unknown;
  /** Its 1-based first line. */
  line: number;
}

/**
 * Checks that `text` is text and parses it; it must hold exactly one
 * non-empty YAML document.
 *
 * @throws {ValidationError} on binary content, or not exactly one document
 * @throws {ManifestSyntaxError} on invalid YAML
 */
export async function parseComponentText(text: string, origin: string): Promise<ParsedComponent> {
  checkText(text, origin);
  const docs = (await parseYamlDocuments(text, origin)).filter((d) => d.value != null);
  if (docs.length === 0) throw new ValidationError([`${origin}: holds no YAML document`]);
  if (docs.length > 1) {
    throw new ValidationError([
      `${origin}: holds ${docs.length} YAML documents, expected exactly one Task`,
    ], { hint: "put each Task in its own file and list each one in components" });
  }
  return docs[0]!;
}

/** A component's Task, checked and processed. */
export interface LoadedTask {
  name: string;
  type: ComponentType;
  /** The processed Task. */
  task: Task;
}

/** Options of {@link loadTask}. */
export interface LoadTaskOptions {
  /** Image of the anchor step (`--anchor-image`). @default DEFAULT_ANCHOR_IMAGE */
  anchorImage?: string;
}

/**
 * The processed Task of a component's text: parsed, checked by Dracon's
 * rules, processed, checked by Tekton's.
 *
 * @throws {ValidationError} listing the Task's problems
 * @throws {ManifestSyntaxError} on invalid YAML
 */
export async function loadTask(
  text: string,
  origin: string,
  options: LoadTaskOptions,
): Promise<LoadedTask> {
  const doc = await parseComponentText(text, origin);
  const task = toTask(doc.value, origin);
  const problems = validateTask(task, origin);
  if (problems.length > 0) throw new ValidationError(problems);
  const processed = processTask(
    task,
    options.anchorImage === undefined ? {} : { anchorImage: options.anchorImage },
  );
  const tekton = tektonTaskProblems(processed, origin);
  if (tekton.length > 0) throw new ValidationError(tekton);
  return { name: task.metadata.name, type: componentTypeOf(task), task: processed };
}

/**
 * The modules whose code (with everything they import) makes a cached
 * result: this one (loading) and the renderer, with the YAML readers and
 * writer and Tekton's and Dracon's rules they import. One digest for both
 * kinds of entry, made once per run. Run from the bundle (`deno task
 * bundle`, docs/distribution.md) this code sits in a chunk beside the
 * bundle's entry, `draconctl.js`, whose imports reach every chunk: the
 * digest then covers the whole bundle.
 */
export const CACHED_MODULES: readonly string[] = cachedModules(import.meta.url);

/** {@link CACHED_MODULES} for this module at `here`: its sources, or the bundle's entry. */
export function cachedModules(here: string): string[] {
  if (!fromSources(here)) return [new URL("./draconctl.js", here).href];
  return [
    here,
    new URL("../charts/render.ts", here).href,
    new URL("../charts/render_cache.ts", here).href,
  ];
}

/**
 * {@link loadTask} through `cache`: the Task stored for the same text
 * (`sha256`: its digest), origin and options, or loaded and stored.
 */
export async function loadTaskCached(
  text: string,
  sha256: string,
  origin: string,
  options: LoadTaskOptions,
  cache: Cache | undefined,
): Promise<LoadedTask> {
  const code = cache && await cache.codeDigest(CACHED_MODULES);
  if (cache === undefined || code === undefined) return await loadTask(text, origin, options);
  checkText(text, origin);
  const key = cacheKey(["task", code, origin, sha256, options.anchorImage ?? null]);
  const stored = trustedTask(await cache.get(key), origin);
  if (stored !== undefined) return stored;
  const loaded = await loadTask(text, origin, options);
  if (isJsonExact(loaded)) await cache.put(key, JSON.stringify(loaded));
  return loaded;
}

/**
 * A stored {@link LoadedTask} that is one now: a Task mapping of the type
 * its label says, named as stored, passing Tekton's rules; else `undefined`.
 */
function trustedTask(text: string | undefined, origin: string): LoadedTask | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as LoadedTask;
    if (!isMapping(value) || !isMapping(value.task) || !isMapping(value.task.metadata)) {
      return undefined;
    }
    const { task } = value;
    if (task.metadata.name !== value.name || componentTypeOf(task) !== value.type) return undefined;
    if (tektonTaskProblems(task, origin).length > 0) return undefined;
    return { name: value.name, type: value.type, task };
  } catch {
    return undefined;
  }
}
