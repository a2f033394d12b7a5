/**
 * The filesystem, behind an interface so tests can hand in an in-memory one,
 * and the one primitive every read of a local input goes through:
 * {@link readRegularFile} (a regular file, after following symlinks, read up
 * to a byte cap counted while reading).
 *
 * @module
 */
import { IsolatedReader } from "./isolated_reader.ts";
import {
  type ConfinedReader,
  type DirEntry,
  type FileReader,
  type PathInfo,
  pathInfoOf,
  type ReadFileOptions,
  readRegularTextFile,
  type ReadScope,
} from "./files.ts";

export * from "./files.ts";

/** The filesystem operations draconctl performs. */
export interface FileSystem extends FileReader {
  /**
   * A reader that can read only inside `scope`, whatever path it is asked
   * for: local inputs are read through one, once per run.
   */
  confine(scope: ReadScope): ConfinedReader;
  /** Writes a UTF-8 file, creating parent directories. */
  writeTextFile(path: string, content: string): Promise<void>;
  /** Creates a fresh temporary directory. */
  makeTempDir(prefix: string): Promise<string>;
  /** Removes a path recursively. */
  remove(path: string): Promise<void>;
  /** Renames (moves) a file, replacing `to` if it exists; both in one filesystem. */
  rename(from: string, to: string): Promise<void>;
  /** Creates a directory and its missing parents. */
  mkdir(path: string): Promise<void>;
}

/** {@link FileSystem} on the real disk, through Deno's APIs. */
export class DenoFileSystem implements FileSystem {
  readTextFile(path: string, options: ReadFileOptions = {}): Promise<string> {
    return readRegularTextFile(path, options);
  }

  async stat(path: string): Promise<PathInfo | undefined> {
    try {
      return pathInfoOf(await Deno.stat(path));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw error;
    }
  }

  async readDir(path: string): Promise<DirEntry[]> {
    const entries: DirEntry[] = [];
    for await (const entry of Deno.readDir(path)) entries.push(entry);
    return entries.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  }

  realPath(path: string): Promise<string> {
    return Deno.realPath(path);
  }

  confine(scope: ReadScope): ConfinedReader {
    return new IsolatedReader(scope);
  }

  async writeTextFile(path: string, content: string): Promise<void> {
    const dir = path.replace(/\/[^/]*$/, "");
    if (dir && dir !== path) await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(path, content);
  }

  makeTempDir(prefix: string): Promise<string> {
    return Deno.makeTempDir({ prefix });
  }

  remove(path: string): Promise<void> {
    return Deno.remove(path, { recursive: true });
  }

  rename(from: string, to: string): Promise<void> {
    return Deno.rename(from, to);
  }

  mkdir(path: string): Promise<void> {
    return Deno.mkdir(path, { recursive: true });
  }
}
