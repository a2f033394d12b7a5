/**
 * Where a kustomization is, from file metadata alone (no YAML parser: the
 * deploy locates it, and opens its read Worker, while its modules load).
 *
 * @module
 */
import { LoadError } from "../errors.ts";
import type { FileReader } from "../io/filesystem.ts";
import { statInput } from "../io/read_input.ts";
import { type ComponentRef, KUSTOMIZATION_FILE_NAMES } from "./component.ts";
import { posix } from "node:path";

/** Where a kustomization is, before it is read. */
export interface KustomizationLocation {
  /** Absolute path of the file, symlinks resolved. */
  file: string;
  /** Its directory, which relative references resolve against. */
  dir: string;
  /**
   * A kustomization fetched from the network (`file` and `dir` are then its
   * URL and directory URL, credentials redacted): how it is fetched.
   */
  remote?: Extract<ComponentRef, { kind: "url" }>;
}

const ARGUMENT_HINT = "pass a kustomization file or a directory holding kustomization.yaml";

/**
 * Finds the kustomization file `path` names (itself, or the one in a
 * directory) from file metadata alone, without reading it.
 *
 * @throws {LoadError} when nothing is there, or it is neither a directory nor a regular file
 */
export async function locateKustomization(
  path: string,
  fs: FileReader,
): Promise<KustomizationLocation> {
  const info = await statInput(fs, path);
  if (info === undefined) {
    throw new LoadError(path, "no such file or directory", { hint: ARGUMENT_HINT });
  }
  if (!info.isDirectory && !info.isFile) {
    throw new LoadError(path, `not a regular file (a ${info.type})`, { hint: ARGUMENT_HINT });
  }
  const found = info.isDirectory ? await findIn(path, fs) : path;
  const file = await fs.realPath(found);
  return { file, dir: posix.dirname(file) };
}

async function findIn(dir: string, fs: FileReader): Promise<string> {
  const present: string[] = [];
  for (const name of KUSTOMIZATION_FILE_NAMES) {
    const candidate = posix.join(dir, name);
    const info = await statInput(fs, candidate);
    // Anything but a directory counts: reading refuses a FIFO or device by name.
    if (info !== undefined && !info.isDirectory) present.push(candidate);
  }
  if (present.length > 1) {
    throw new LoadError(dir, `found several kustomization files: ${present.join(", ")}`, {
      hint: "keep only one of them",
    });
  }
  if (present[0] === undefined) {
    throw new LoadError(dir, "directory has no kustomization.yaml", { hint: ARGUMENT_HINT });
  }
  return present[0];
}

/**
 * The kustomizations the arguments name: each as given, except a directory
 * without a kustomization file of its own, which stands for its
 * subdirectories that have one (in name order), as `examples/pipelines`.
 *
 * @throws {LoadError} for a directory with neither
 */
export async function expandKustomizations(
  paths: readonly string[],
  fs: Pick<FileReader, "stat" | "readDir">,
): Promise<string[]> {
  const expanded: string[] = [];
  for (const path of paths) {
    // What cannot be inspected here, the deploy reports (as for one kustomization).
    const info = await fs.stat(path).catch(() => undefined);
    if (!info?.isDirectory || await holdsKustomization(path, fs)) {
      expanded.push(path);
      continue;
    }
    const found: string[] = [];
    for (const entry of await fs.readDir(path)) {
      const sub = posix.join(path, entry.name);
      const isDirectory = (await fs.stat(sub).catch(() => undefined))?.isDirectory;
      if (isDirectory && await holdsKustomization(sub, fs)) found.push(sub);
    }
    if (found.length === 0) {
      throw new LoadError(
        path,
        "directory has no kustomization.yaml, nor a subdirectory with one",
        {
          hint: "pass kustomization files, or directories holding kustomization.yaml",
        },
      );
    }
    expanded.push(...found);
  }
  return expanded;
}

async function holdsKustomization(dir: string, fs: Pick<FileReader, "stat">): Promise<boolean> {
  for (const name of KUSTOMIZATION_FILE_NAMES) {
    if (await fs.stat(posix.join(dir, name)) !== undefined) return true;
  }
  return false;
}
