/**
 * From a kustomization to the objects a deploy would apply: parse every
 * reference, load and validate every local and URL Task, load the base
 * Pipeline, and — when no reference needs the cluster — assemble the Pipeline.
 * Every problem is collected and reported at once; nothing is written.
 *
 * @module
 */
import type { Deps } from "../deps.ts";
import { combineErrors, ValidationError } from "../errors.ts";
import type { FetchOptions } from "../fetch/fetcher.ts";
import type { Pipeline } from "../tekton/types.ts";
import { assemblePipeline, type PipelineApiVersion } from "./assembly.ts";
import { DEFAULT_BASE_PIPELINE, toBasePipeline } from "./base_pipeline.ts";
import type { ComponentRef, ResolvedComponent } from "./component.ts";
import {
  fetchUrlRef,
  loadComponentDocument,
  type LoadDeps,
  readComponentText,
} from "./component_loader.ts";
import { CACHED_MODULES, loadTaskCached } from "./task_load.ts";
import type { Cache } from "../io/cache.ts";
import { parseComponentRef, type ParseRefOptions } from "./component_ref.ts";
import {
  checkRealPath,
  checkRefPolicy,
  type LoadRestrictor,
  type RefPolicy,
} from "./ref_policy.ts";
import {
  type Kustomization,
  type LoadedKustomization,
  parseKustomization,
  readLocatedKustomization,
} from "./kustomization.ts";
import type { ConfinedReader, FileReader } from "../io/filesystem.ts";
import { openRunReader, type RunReader } from "./run_reader.ts";
import { checkText, readInputFile } from "../io/read_input.ts";
import type { ValuesFile } from "../charts/render.ts";
import { DEFAULT_CONCURRENCY, mapConcurrent } from "./_concurrency.ts";

/** Options of {@link planPipeline}. */
export interface PlanOptions {
  /** Directory that relative references resolve against. @default the kustomization's directory */
  baseDir?: string;
  /** API version of the assembled Pipeline. @default "tekton.dev/v1" */
  pipelineApiVersion?: PipelineApiVersion;
  /** Allow `http://` URLs. @default false */
  allowInsecureHttp?: boolean;
  /** Limits for URL fetches. */
  fetch: FetchOptions;
  /** How many components load at once. @default DEFAULT_CONCURRENCY */
  concurrency?: number;
  /** `rootOnly`: local files only inside the base directory; `none`: anywhere. @default "rootOnly" */
  loadRestrictor?: LoadRestrictor;
  /** Refuse URLs without a `#sha256=` pin. @default false */
  requireDigest?: boolean;
  /** Hosts URLs may come from; `undefined` allows any. @default undefined */
  allowedHosts?: readonly string[];
  /** Values files (`-f`), read with the other local inputs. @default [] */
  valuesFiles?: readonly string[];
  /** Image of the anchor step added to a Task (`--anchor-image`). @default DEFAULT_ANCHOR_IMAGE */
  anchorImage?: string;
}

/** Helm references, which only the cluster can resolve. */
export type HelmRef = Extract<ComponentRef, { kind: "helm" }>;

/** What a deploy of a kustomization consists of. */
export interface PipelinePlan {
  /** The kustomization file read. */
  file: string;
  /** API version of the Pipeline to assemble. @default "tekton.dev/v1" */
  pipelineApiVersion?: PipelineApiVersion;
  kustomization: Kustomization;
  /** The base Pipeline (from `resources`, or the built-in one). */
  base: Pipeline;
  /** Every component reference, parsed, in kustomization order. */
  refs: ComponentRef[];
  /** Local and URL components, loaded, validated and processed, in kustomization order. */
  local: ResolvedComponent[];
  /** Helm references, still to be resolved on the cluster. */
  helm: HelmRef[];
  /** The values files, read, in the order given. */
  values: ValuesFile[];
  /** Warnings for the user. (Tasks holding Helm expressions are rendered by the deploy.) */
  warnings: string[];
}

/**
 * A kustomization, read, and the {@link ConfinedReader} that every other
 * local input of the run is read through. The reader's scope is the base
 * directory and the kustomization's own (symlinks resolved), plus the values
 * files, or everything with `--load-restrictor none`. Its owner closes it.
 */
export interface PlanSource extends LoadedKustomization {
  reader: ConfinedReader;
  /** A kustomization fetched from this URL: its relative paths are URLs next to it. */
  baseUrl?: URL;
}

/**
 * Reads a kustomization and loads everything it references that needs no
 * cluster. Given a path, it opens (and closes) its own {@link PlanSource}.
 *
 * @throws {ValidationError} listing every invalid reference or Task at once
 */
export async function planPipeline(
  kustomization: string | PlanSource,
  deps: Pick<Deps, "fs" | "fetcher"> & Partial<Pick<Deps, "cache">>,
  options: PlanOptions,
): Promise<PipelinePlan> {
  if (typeof kustomization !== "string") return await planLoaded(kustomization, deps, options);
  const source = await openPlanSource(kustomization, deps, options);
  try {
    return await planLoaded(source, deps, options);
  } finally {
    source.reader.close();
  }
}

/**
 * Locates the kustomization from file metadata, opens the run's confined
 * reader and reads the kustomization through it (or takes the reader
 * {@link openRunReader} opened). The caller closes `reader` once the plan is
 * made.
 *
 * @throws {LoadError | KustomizationError | ManifestSyntaxError} when the kustomization is bad
 */
export async function openPlanSource(
  path: string | Promise<RunReader>,
  deps: Pick<Deps, "fs" | "fetcher">,
  options: PlanOptions,
): Promise<PlanSource> {
  const { location, reader } =
    await (typeof path === "string" ? openRunReader(path, deps, options) : path);
  try {
    if (location.remote !== undefined) {
      const remote = location.remote;
      checkRefPolicy(remote, refPolicy([], options));
      const { origin, text } = await fetchUrlRef(remote, deps.fetcher, options.fetch);
      checkText(text, origin);
      const kustomization = await parseKustomization(text, origin);
      return { kustomization, file: origin, dir: location.dir, reader, baseUrl: remote.url };
    }
    const loaded = await readLocatedKustomization(location, reader, {
      maxBytes: options.fetch.maxBytes,
    });
    return { ...loaded, reader };
  } catch (error) {
    reader.close();
    throw error;
  }
}

async function planLoaded(
  { kustomization, file, dir, reader, baseUrl }: PlanSource,
  deps: Pick<Deps, "fetcher"> & Partial<Pick<Deps, "cache">>,
  options: PlanOptions,
): Promise<PipelinePlan> {
  // The code's digest is read from disk while the read Worker reads the inputs.
  deps.cache?.codeDigest(CACHED_MODULES).catch(() => {});
  const load = { fs: reader, fetcher: deps.fetcher };
  const baseDir = options.baseDir ?? dir;
  const policy = refPolicy([baseDir], options);
  const errors: unknown[] = [];
  const remote = baseUrl === undefined
    ? {}
    : { baseUrl, allowOutsideBaseUrl: options.loadRestrictor === "none" };
  const refs = parseRefs(kustomization.components, { baseDir, ...remote }, options, policy, errors);
  // The base Pipeline resolves against the kustomization's own directory, also a root.
  const basePolicy = refPolicy([...new Set([baseDir, dir])], options);
  const base = await loadBase(
    kustomization,
    { baseDir: dir, ...remote },
    load,
    { ...options, policy: basePolicy },
    errors,
  );
  const values = await readValues(options.valuesFiles ?? [], reader, options, errors);
  const local = refs.filter((ref) => ref.kind !== "helm");
  const loaded = await mapConcurrent(
    local,
    options.concurrency ?? DEFAULT_CONCURRENCY,
    (ref) => settle(resolveLocal(ref, load, options, policy, deps.cache)),
  );
  const components: ResolvedComponent[] = [];
  for (const result of loaded) {
    if (result.ok) components.push(result.value);
    else errors.push(result.error);
  }
  if (errors.length > 0) throw combineErrors(errors);
  return {
    file,
    ...(options.pipelineApiVersion ? { pipelineApiVersion: options.pipelineApiVersion } : {}),
    kustomization,
    base,
    refs,
    local: components,
    helm: refs.filter((ref): ref is HelmRef => ref.kind === "helm"),
    values,
    warnings: [],
  };
}

/** Every values file, read and checked as text (helm parses them). */
async function readValues(
  files: readonly string[],
  reader: FileReader,
  options: PlanOptions,
  errors: unknown[],
): Promise<ValuesFile[]> {
  const values: ValuesFile[] = [];
  for (const file of files) {
    try {
      const text = await readInputFile(reader, file, {
        maxBytes: options.fetch.maxBytes,
        tooLargeHint:
          'a values file is a few KiB; raise the limit with "--max-body-size" if this one is meant',
      });
      checkText(text, file);
      values.push({ file, text });
    } catch (error) {
      errors.push(error);
    }
  }
  return values;
}

/**
 * Assembles the Pipeline of a plan once every component is resolved
 * (`helm` ones by the cluster, in `helmComponents`), in kustomization order.
 */
export function assemblePlan(
  plan: PipelinePlan,
  helmComponents: readonly ResolvedComponent[] = [],
): Pipeline {
  const byRaw = new Map<string, ResolvedComponent>();
  for (const component of [...plan.local, ...helmComponents]) {
    byRaw.set(component.ref.raw, component);
  }
  const ordered = plan.refs.map((ref) => byRaw.get(ref.raw)).filter((c) => c !== undefined);
  return assemblePipeline(plan.base, ordered, {
    nameSuffix: plan.kustomization.nameSuffix,
    ...(plan.kustomization.namespace ? { namespace: plan.kustomization.namespace } : {}),
    ...(plan.pipelineApiVersion ? { apiVersion: plan.pipelineApiVersion } : {}),
  });
}

function refPolicy(roots: string[], options: PlanOptions): RefPolicy {
  return {
    roots: options.loadRestrictor === "none" ? [] : roots,
    requireDigest: options.requireDigest ?? false,
    ...(options.allowedHosts === undefined ? {} : { allowedHosts: options.allowedHosts }),
  };
}

async function resolveLocal(
  ref: Exclude<ComponentRef, HelmRef>,
  deps: LoadDeps,
  options: Pick<PlanOptions, "fetch" | "anchorImage">,
  policy: RefPolicy,
  cache: Cache | undefined,
): Promise<ResolvedComponent> {
  if (ref.kind === "file") await checkRealPath(ref, policy, deps.fs);
  const { origin, text, sha256 } = await readComponentText(ref, deps, options.fetch);
  const loaded = await loadTaskCached(
    text,
    sha256,
    origin,
    options.anchorImage === undefined ? {} : { anchorImage: options.anchorImage },
    cache,
  );
  return { ref, ...loaded, origin, digest: `sha256:${sha256}` };
}

function parseRefs(
  raws: readonly string[],
  base: Omit<ParseRefOptions, "allowInsecureHttp">,
  options: PlanOptions,
  policy: RefPolicy,
  errors: unknown[],
): ComponentRef[] {
  const refs: ComponentRef[] = [];
  for (const raw of raws) {
    try {
      const ref = parseComponentRef(raw, {
        ...base,
        allowInsecureHttp: options.allowInsecureHttp ?? false,
      });
      checkRefPolicy(ref, policy);
      refs.push(ref);
    } catch (error) {
      errors.push(error);
    }
  }
  return refs;
}

async function loadBase(
  kustomization: Kustomization,
  base: Omit<ParseRefOptions, "allowInsecureHttp">,
  deps: LoadDeps,
  options: PlanOptions & { policy: RefPolicy },
  errors: unknown[],
): Promise<Pipeline> {
  const resource = kustomization.resources[0];
  if (resource === undefined) return structuredClone(DEFAULT_BASE_PIPELINE);
  try {
    const ref = parseComponentRef(resource, {
      ...base,
      allowInsecureHttp: options.allowInsecureHttp ?? false,
    });
    if (ref.kind === "helm") {
      throw new ValidationError([
        `Resource "${resource}": the base Pipeline must be a file or URL`,
      ]);
    }
    checkRefPolicy(ref, options.policy);
    if (ref.kind === "file") await checkRealPath(ref, options.policy, deps.fs);
    const doc = await loadComponentDocument(ref, deps, options.fetch);
    return toBasePipeline(doc.value, doc.origin);
  } catch (error) {
    errors.push(error);
    return structuredClone(DEFAULT_BASE_PIPELINE);
  }
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

async function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}
