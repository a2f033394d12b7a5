/**
 * Reading one local input (kustomization, Task, base Pipeline, values file)
 * with the errors a user sees: a {@link LoadError} naming the file, and a
 * {@link ValidationError} for binary content.
 *
 * @module
 */
import { LoadError, ValidationError } from "../errors.ts";
import {
  type FileReader,
  FileRefusedError,
  FileTooLargeError,
  OutsideScopeError,
  type PathInfo,
} from "./filesystem.ts";

/** Options of {@link readInputFile}. */
export interface ReadInputOptions {
  /** Largest file read. */
  maxBytes: number;
  /** The hint when the file is too large. @default one naming `--max-body-size` */
  tooLargeHint?: string;
  /** The hint when the path leads outside what the run may read. */
  outsideHint?: string;
}

const TOO_LARGE_HINT =
  'an input file is a few KiB; raise the limit with "--max-body-size" if this one is meant';

/**
 * Reads a regular file through `reader`, at most `maxBytes`.
 *
 * @throws {LoadError} naming `path`: missing, not a regular file, too large,
 * outside the readable scope, timed out or unreadable
 */
export async function readInputFile(
  reader: FileReader,
  path: string,
  options: ReadInputOptions,
): Promise<string> {
  try {
    return await reader.readTextFile(path, { maxBytes: options.maxBytes });
  } catch (cause) {
    throw loadErrorFor(cause, path, options);
  }
}

/**
 * `stat` of a local input through `reader`; `undefined` when it does not exist.
 *
 * @throws {LoadError} naming `path` when it cannot be inspected (e.g. outside the scope)
 */
export async function statInput(
  reader: FileReader,
  path: string,
  options: Pick<ReadInputOptions, "outsideHint"> = {},
): Promise<PathInfo | undefined> {
  try {
    return await reader.stat(path);
  } catch (cause) {
    throw loadErrorFor(cause, path, options, "cannot inspect the path");
  }
}

function loadErrorFor(
  cause: unknown,
  path: string,
  options: Pick<ReadInputOptions, "tooLargeHint" | "outsideHint">,
  failed = "cannot read the file",
): LoadError {
  const hint = cause instanceof FileTooLargeError
    ? options.tooLargeHint ?? TOO_LARGE_HINT
    : cause instanceof OutsideScopeError && !cause.systemPath
    ? options.outsideHint
    : undefined;
  const extra = { cause, ...(hint === undefined ? {} : { hint }) };
  if (cause instanceof FileRefusedError) return new LoadError(path, cause.reason, extra);
  // Deno refuses /dev, /proc and /sys to anything short of --allow-all, this process too.
  if (cause instanceof Deno.errors.NotCapable) {
    return new LoadError(path, new OutsideScopeError(path, undefined, true).reason, { cause });
  }
  if (cause instanceof Deno.errors.NotFound) return new LoadError(path, "no such file", extra);
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new LoadError(path, `${failed}: ${reason}`, extra);
}

/**
 * Refuses binary content. Files arrive already decoded, so invalid UTF-8
 * shows as U+FFFD replacement characters; a YAML file holding a literal
 * U+FFFD is refused too, a price paid for a clear message.
 *
 * @throws {ValidationError} naming `origin`
 */
export function checkText(text: string, origin: string): void {
  if (text.includes("\0")) {
    throw new ValidationError([`${origin}: holds NUL bytes: binary content, not YAML`]);
  }
  if (text.includes("\uFFFD")) {
    throw new ValidationError([`${origin}: is not valid UTF-8 text`]);
  }
}
