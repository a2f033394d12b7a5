/**
 * `--output-file`: checked before any work (not empty, not a directory, not
 * under a file, not an input of the run), written through a temporary file in
 * the same directory and renamed, so a failed run never leaves half a file
 * and an input is never overwritten.
 *
 * @module
 */
import { posix } from "node:path";
import { UsageError } from "../errors.ts";
import type { FileSystem } from "../io/filesystem.ts";
import type { Logger } from "../io/logger.ts";

/** A `--output-file` that cannot be written (exit 2). */
export class OutputFileError extends UsageError {
  constructor(readonly path: string, reason: string, options: { hint?: string } = {}) {
    super(`--output-file "${path}": ${reason}`, {
      hint: options.hint ?? 'name a file to write, or "-" for standard output',
    });
  }
}

/** An {@link OutputFileError} said of another flag that names an output file (exit 2). */
export function asFlagError(error: OutputFileError, flag: string): UsageError {
  return new UsageError(error.message.replace(/^--output-file/, flag), {
    hint: `name a file ${flag} may write`,
  });
}

/** Where an output file goes, as found by {@link checkOutputFile}. */
export interface OutputPlan {
  path: string;
  /** The parent directory when it does not exist yet (created with its parents). */
  missingDir?: string;
  /** Whether the path exists and is not a regular file (a FIFO, `/dev/null`): written in place. */
  special: boolean;
}

/**
 * Checks an output path against the filesystem and the run's `inputs`
 * (compared by real path, so a symlink or `./a/../b` spelling is caught).
 *
 * @throws {OutputFileError} for an empty path, a directory, a path under a
 * file, or an input
 */
export async function checkOutputFile(
  fs: FileSystem,
  path: string,
  inputs: Iterable<string>,
): Promise<OutputPlan> {
  if (path === "") throw new OutputFileError(path, "the path is empty");
  const info = await statOf(fs, path);
  if (info?.isDirectory) throw new OutputFileError(path, "is a directory");
  const missingDirs: string[] = [];
  let dir = posix.dirname(path);
  for (;;) {
    const parent = await statOf(fs, dir);
    if (parent?.isDirectory) break;
    if (parent !== undefined) {
      throw new OutputFileError(path, `cannot be created: "${dir}" is not a directory`);
    }
    missingDirs.unshift(dir);
    const up = posix.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  const target = info === undefined ? undefined : await fs.realPath(path);
  if (target !== undefined) {
    for (const input of inputs) {
      if (await realPathOrUndefined(fs, input) === target) {
        const same = input === path ? "" : ` (the same file as "${input}")`;
        throw new OutputFileError(path, `is an input of this run${same}; not overwriting it`, {
          hint: "write the output to another file",
        });
      }
    }
  }
  const special = info !== undefined && !info.isFile;
  const missingDir = missingDirs.at(-1);
  return missingDir === undefined ? { path, special } : { path, special, missingDir };
}

/**
 * Writes `text` to the output file: checks it again against `inputs` (now
 * every file the run read), creates missing parent directories (saying so),
 * writes a temporary file beside it and renames it into place. Special files
 * (a FIFO, `/dev/null`) are written in place.
 *
 * @throws {OutputFileError} as {@link checkOutputFile}, or when writing fails
 */
export async function writeOutputFile(
  deps: { fs: FileSystem; logger: Logger },
  path: string,
  text: string,
  inputs: Iterable<string>,
): Promise<void> {
  const { fs, logger } = deps;
  const plan = await checkOutputFile(fs, path, inputs);
  try {
    if (plan.missingDir !== undefined) {
      await fs.mkdir(plan.missingDir);
      logger.warn(`created directory "${plan.missingDir}" for --output-file`);
    }
    if (plan.special) return await fs.writeTextFile(path, text);
    const temp = posix.join(
      posix.dirname(path),
      `.${posix.basename(path)}.draconctl-${crypto.randomUUID().slice(0, 8)}.tmp`,
    );
    try {
      await fs.writeTextFile(temp, text);
      await fs.rename(temp, path);
    } catch (error) {
      await fs.remove(temp).catch(() => {});
      throw error;
    }
  } catch (error) {
    if (error instanceof OutputFileError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new OutputFileError(path, `cannot be written: ${reason}`, { hint: "check the path" });
  }
}

/** `stat`, where a path under a file (ENOTDIR) does not exist; other failures are refused. */
async function statOf(fs: FileSystem, path: string) {
  try {
    return await fs.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotADirectory) return undefined;
    const reason = error instanceof Error ? error.message : String(error);
    throw new OutputFileError(path, `cannot be checked: ${reason}`, { hint: "check the path" });
  }
}

async function realPathOrUndefined(fs: FileSystem, path: string): Promise<string | undefined> {
  try {
    return await fs.realPath(path);
  } catch {
    return undefined;
  }
}
