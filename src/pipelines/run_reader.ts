/**
 * The run's confined reader, opened from the command line alone: where the
 * kustomization is (file metadata), the read scope, and the read Worker,
 * started at once. `pipelines deploy` opens it before it loads the deploy
 * modules, so the Worker's start (its own isolate, on another thread)
 * overlaps their loading. Nothing here parses YAML.
 *
 * @module
 */
import type { Deps } from "../deps.ts";
import type { ConfinedReader, ReadScope } from "../io/filesystem.ts";
import { type KustomizationLocation, locateKustomization } from "./kustomization_location.ts";
import type { LoadRestrictor } from "./ref_policy.ts";
import { isKustomizationUrl, parseKustomizationUrl } from "./component_ref.ts";
import { UsageError } from "../errors.ts";
import { redactUrl } from "../base/redact.ts";

/** The options of the plan that decide the read scope. */
export interface RunReaderOptions {
  baseDir?: string;
  allowInsecureHttp?: boolean;
  loadRestrictor?: LoadRestrictor;
  valuesFiles?: readonly string[];
  fetch: { timeoutMs: number };
}

/** A located kustomization and the reader every local input of the run goes through. */
export interface RunReader {
  location: KustomizationLocation;
  /** Its owner closes it. */
  reader: ConfinedReader;
}

/**
 * Locates the kustomization, confines a reader to the run's scope and starts
 * its Worker (with a first, harmless request: the kustomization's metadata).
 *
 * @throws {LoadError} when the kustomization is not there
 */
export async function openRunReader(
  path: string,
  deps: Pick<Deps, "fs">,
  options: RunReaderOptions,
): Promise<RunReader> {
  if (isKustomizationUrl(path)) return remoteRunReader(path, deps, options);
  const location = await locateKustomization(path, deps.fs);
  const reader = deps.fs.confine(await readScope(location, deps, options));
  reader.stat(location.file).catch(() => {}); // the real read says what is wrong
  return { location, reader };
}

/**
 * A kustomization at a URL: fetched like a URL component, its relative
 * paths are URLs too, so the reader may read only the values files.
 *
 * @throws {UsageError} with --base-dir, which names a local directory
 * @throws {ComponentRefError} when the URL breaks the rules of URL components
 */
function remoteRunReader(
  path: string,
  deps: Pick<Deps, "fs">,
  options: RunReaderOptions,
): RunReader {
  if (options.baseDir !== undefined) {
    throw new UsageError("--base-dir does not apply to a kustomization fetched from a URL", {
      hint: "its relative paths resolve against its URL; drop --base-dir",
    });
  }
  const remote = parseKustomizationUrl(path, options);
  const location = {
    file: redactUrl(remote.url),
    dir: redactUrl(new URL(".", remote.url)),
    remote,
  };
  const values = [...options.valuesFiles ?? []];
  return {
    location,
    reader: deps.fs.confine({ paths: values, timeoutMs: options.fetch.timeoutMs }),
  };
}

/** What the run may read: its roots as given and resolved, and the values files. */
async function readScope(
  location: KustomizationLocation,
  deps: Pick<Deps, "fs">,
  options: RunReaderOptions,
): Promise<ReadScope> {
  const timeoutMs = options.fetch.timeoutMs;
  if (options.loadRestrictor === "none") return { paths: "anywhere", timeoutMs };
  const given = [location.dir, ...(options.baseDir === undefined ? [] : [options.baseDir])];
  const paths = new Set<string>(given);
  for (const path of [...given, ...options.valuesFiles ?? []]) {
    paths.add(path);
    const real = await deps.fs.realPath(path).catch(() => undefined);
    if (real !== undefined) paths.add(real);
  }
  return { paths: [...paths], timeoutMs };
}
