/**
 * The module an {@link IsolatedReader} runs in its Worker. The Worker holds
 * read permission for the run's scope and nothing else; Deno checks that
 * permission on the path as written, so every operation first resolves the
 * path (`realPath`) and then acts on the canonical path: a symlink leading
 * out of the scope is refused by Deno itself, whatever our own checks missed.
 *
 * @module
 */
import {
  FileRefusedError,
  FileTooLargeError,
  NotRegularFileError,
  pathInfoOf,
  readRegularTextFileSync,
} from "./files.ts";
import type { DirEntry, FileType, PathInfo } from "./files.ts";

/** What the host sends: one operation. */
export type ReadRequest =
  | { id: number; path: string; op: "stat" | "realPath" | "readDir" }
  | { id: number; path: string; op: "readTextFile"; maxBytes: number };

/** What a successful operation answers. */
export type ReadValue = PathInfo | DirEntry[] | string | undefined;

/** How a failure crosses the Worker boundary. */
export interface ReadFailure {
  /** The error class: `NotFound`, `NotCapable`, `NotRegularFileError`, `FileTooLargeError`, … */
  name: string;
  message: string;
  /** For refusals: the part after the path. */
  reason?: string;
  /** For `NotRegularFileError`: what the path is. */
  type?: FileType;
  /** For `FileTooLargeError`: the size `stat` reported, when that was enough. */
  size?: number;
  /** For `NotCapable`: the canonical path that is outside the scope, when the request's was not. */
  leadsTo?: string;
}

/** What the Worker answers. */
export type ReadReply =
  | { id: number; ok: true; value: ReadValue }
  | { id: number; ok: false; error: ReadFailure };

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<ReadRequest>) => void) | null;
  postMessage(reply: ReadReply): void;
};

// Synchronous calls: this thread does nothing else, and a file then costs no
// round trips through Deno's blocking thread pool (1000 files: bench/RESULTS.md).
scope.onmessage = ({ data: request }) => {
  let real: string | undefined;
  try {
    const value = perform(request, (path) => real = path);
    scope.postMessage({ id: request.id, ok: true, value });
  } catch (error) {
    scope.postMessage({ id: request.id, ok: false, error: failure(error, request.path, real) });
  }
};

function perform(request: ReadRequest, resolved: (real: string) => void): ReadValue {
  if (request.op === "stat") {
    let real: string;
    try {
      real = Deno.realPathSync(request.path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw error;
    }
    resolved(real);
    return pathInfoOf(Deno.statSync(real));
  }
  const real = Deno.realPathSync(request.path);
  resolved(real);
  if (request.op === "realPath") return real;
  if (request.op !== "readTextFile") {
    const entries: DirEntry[] = [];
    for (const e of Deno.readDirSync(real)) {
      entries.push({
        name: e.name,
        isFile: e.isFile,
        isDirectory: e.isDirectory,
        isSymlink: e.isSymlink,
      });
    }
    return entries.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  }
  try {
    return readRegularTextFileSync(real, { maxBytes: request.maxBytes });
  } catch (error) {
    // Name the path as asked for, not its canonical form.
    if (error instanceof NotRegularFileError) {
      throw new NotRegularFileError(request.path, error.type);
    }
    if (error instanceof FileTooLargeError) {
      throw new FileTooLargeError(request.path, error.maxBytes, error.size);
    }
    throw error;
  }
}

function failure(error: unknown, path: string, real: string | undefined): ReadFailure {
  if (!(error instanceof Error)) return { name: "Error", message: String(error) };
  const result: ReadFailure = { name: error.name, message: error.message };
  if (error instanceof FileRefusedError) result.reason = error.reason;
  if (error instanceof NotRegularFileError) result.type = error.type;
  if (error instanceof FileTooLargeError && error.size !== undefined) result.size = error.size;
  if (error instanceof Deno.errors.NotCapable && real !== undefined && real !== path) {
    result.leadsTo = real;
  }
  return result;
}
