/**
 * The filesystem, behind an interface so tests can hand in an in-memory one.
 *
 * @module
 */

/** What `stat` tells about a path. */
export interface PathInfo {
  isFile: boolean;
  isDirectory: boolean;
  isSymlink: boolean;
  size: number;
}

/** One entry of a directory listing. */
export interface DirEntry {
  name: string;
  isFile: boolean;
  isDirectory: boolean;
  isSymlink: boolean;
}

/** The filesystem operations draconctl performs. */
export interface FileSystem {
  /** Reads a UTF-8 file. Throws `Deno.errors.NotFound` when it is missing. */
  readTextFile(path: string): Promise<string>;
  /** Information about a path, following symlinks; `undefined` when it does not exist. */
  stat(path: string): Promise<PathInfo | undefined>;
  /** Lists a directory, sorted by name. */
  readDir(path: string): Promise<DirEntry[]>;
  /** The canonical absolute path (symlinks resolved). */
  realPath(path: string): Promise<string>;
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
  readTextFile(path: string): Promise<string> {
    return Deno.readTextFile(path);
  }

  async stat(path: string): Promise<PathInfo | undefined> {
    try {
      const info = await Deno.stat(path);
      return {
        isFile: info.isFile,
        isDirectory: info.isDirectory,
        isSymlink: false,
        size: info.size,
      };
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
