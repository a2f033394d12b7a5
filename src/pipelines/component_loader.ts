/**
 * Loading the one YAML document of a file or URL component. Turning it into a
 * Task is the caller's job.
 *
 * @module
 */
import { posix } from "node:path";
import { LoadError } from "../errors.ts";
import type { Fetcher, FetchOptions } from "../fetch/fetcher.ts";
import { redactUrl } from "../base/redact.ts";
import { sha256Hex } from "../base/sha256.ts";
import type { FileReader } from "../io/filesystem.ts";
import { readInputFile, statInput } from "../io/read_input.ts";
import { type ComponentRef, TASK_FILE_NAME } from "./component.ts";
import { RESTRICTOR_HINT } from "./ref_policy.ts";
import { parseComponentText } from "./task_load.ts";

/** A reference to a local file or directory. */
export type FileRef = Extract<ComponentRef, { kind: "file" }>;
/** A reference to a URL. */
export type UrlRef = Extract<ComponentRef, { kind: "url" }>;
/** A reference draconctl reads itself (Helm references live in the cluster). */
export type LoadableRef = FileRef | UrlRef;

/** The side effects {@link loadComponentDocument} needs. */
export interface LoadDeps {
  /** Where local files are read: the run's confined reader. */
  fs: FileReader;
  fetcher: Fetcher;
}

/** The single YAML document of a component. */
export interface LoadedDocument {
  /** Where it was read: the file's path, or the URL with secrets redacted. */
  origin: string;
  /** The parsed document. */
  value: unknown;
  /** Its 1-based first line. */
  line: number;
  /** Lowercase hex SHA-256 of the text read (its UTF-8 bytes): a URL's pin, a lock's digest. */
  sha256: string;
}

/**
 * Reads a file component (a directory reads its `task.yaml`; either must be a
 * regular file, symlinks followed) or fetches a URL component; either may be
 * at most `options.maxBytes`, counted as read. Checks a URL's `sha256` pin,
 * and parses the text, which must hold exactly one non-empty YAML document.
 *
 * @example
 * ```ts
 * import { DEFAULT_FETCH_OPTIONS } from "../fetch/fetcher.ts";
 * import { HttpFetcher } from "../fetch/http_fetcher.ts";
 * import { DenoFileSystem } from "../io/filesystem.ts";
 *
 * const doc = await loadComponentDocument(
 *   { kind: "file", raw: "git", path: "/repo/components/sources/git" },
 *   { fs: new DenoFileSystem(), fetcher: new HttpFetcher() },
 *   DEFAULT_FETCH_OPTIONS,
 * );
 * // doc.origin === "/repo/components/sources/git/task.yaml"
 * ```
 *
 * @throws {LoadError} when the file is missing, not a regular file or too large, the fetch fails
 * or the digest differs
 * @throws {ValidationError} on binary content, or not exactly one document
 * @throws {ManifestSyntaxError} on invalid YAML
 */
export async function loadComponentDocument(
  ref: LoadableRef,
  deps: LoadDeps,
  options: FetchOptions,
): Promise<LoadedDocument> {
  const { origin, text, sha256 } = await readComponentText(ref, deps, options);
  const doc = await parseComponentText(text, origin);
  return { origin, value: doc.value, line: doc.line, sha256 };
}

/**
 * Reads a file component or fetches a URL component as
 * {@link loadComponentDocument} does, without parsing it: its text, where it
 * was read, and the SHA-256 of the text.
 *
 * @throws {LoadError} as {@link loadComponentDocument}
 */
export async function readComponentText(
  ref: LoadableRef,
  deps: LoadDeps,
  options: FetchOptions,
): Promise<{ origin: string; text: string; sha256: string }> {
  const { origin, text, sha256 } = ref.kind === "file"
    ? await readFileRef(ref, deps.fs, options.maxBytes)
    : await fetchUrlRef(ref, deps.fetcher, options);
  return { origin, text, sha256: sha256 ?? sha256Hex(text) };
}

async function readFileRef(
  ref: FileRef,
  fs: FileReader,
  maxBytes: number,
): Promise<{ origin: string; text: string; sha256?: string }> {
  let info = await statInput(fs, ref.path, { outsideHint: RESTRICTOR_HINT });
  if (info === undefined) {
    throw new LoadError(ref.path, "no such file or directory", {
      hint: `relative paths resolve against the kustomization's directory, or "--base-dir"`,
    });
  }
  let path = ref.path;
  if (info.isDirectory) {
    path = posix.join(ref.path, TASK_FILE_NAME);
    info = await statInput(fs, path, { outsideHint: RESTRICTOR_HINT });
    if (info === undefined || info.isDirectory) {
      throw new LoadError(ref.path, `directory has no ${TASK_FILE_NAME}`, {
        hint: `a component directory holds its Task in ${TASK_FILE_NAME}`,
      });
    }
  }
  const text = await readInputFile(fs, path, {
    maxBytes,
    tooLargeHint:
      'a Task file is a few KiB; raise the limit with "--max-body-size" if this one is meant',
    outsideHint: RESTRICTOR_HINT,
  });
  return { origin: path, text };
}

/**
 * Fetches a URL reference's text within `options`' limits and checks its
 * `#sha256=` pin; `origin` is the URL with secrets redacted.
 *
 * @throws {LoadError} when the fetch fails or the digest differs
 */
export async function fetchUrlRef(
  ref: UrlRef,
  fetcher: Fetcher,
  options: FetchOptions,
): Promise<{ origin: string; text: string; sha256: string }> {
  const origin = redactUrl(ref.url);
  let text: string;
  try {
    text = await fetcher.fetchText(ref.url, options);
  } catch (cause) {
    if (cause instanceof LoadError) throw cause;
    throw new LoadError(origin, `fetch failed: ${messageOf(cause)}`, { cause });
  }
  const actual = sha256Hex(text);
  if (ref.sha256 !== undefined) {
    if (actual !== ref.sha256) {
      throw new LoadError(
        origin,
        `sha256 digest mismatch: expected "${ref.sha256}", got "${actual}"`,
        { hint: "if the Task changed on purpose, update the #sha256= pin in the kustomization" },
      );
    }
  }
  return { origin, text, sha256: actual };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
