/**
 * An in-memory {@link FileSystem} for tests. Directories exist implicitly as
 * parents of files, or explicitly via `dirs`. Relative paths resolve against
 * `/`. Error knobs make the next calls fail.
 *
 * @module
 */
import { posix } from "node:path";
import type { DirEntry, FileSystem, PathInfo } from "../../src/io/filesystem.ts";

/** A {@link FileSystem} held in a `Map`. */
export class MemoryFileSystem implements FileSystem {
  /** File contents by absolute path. */
  readonly files = new Map<string, string>();
  /** Directories with no file in them. */
  readonly dirs = new Set<string>(["/"]);
  /** When set, `readTextFile` throws it. */
  readError: Error | undefined;
  /** When set, `stat` throws it. */
  statError: Error | undefined;
  /** When set, `writeTextFile` throws it. */
  writeError: Error | undefined;
  #temp = 0;

  constructor(files: Record<string, string> = {}) {
    for (const [path, content] of Object.entries(files)) this.files.set(norm(path), content);
  }

  readTextFile(path: string): Promise<string> {
    if (this.readError) return Promise.reject(this.readError);
    const content = this.files.get(norm(path));
    if (content === undefined) {
      const kind = this.#isDir(norm(path)) ? "Is a directory" : "No such file or directory";
      return Promise.reject(new Deno.errors.NotFound(`${kind} (os error 2): readfile '${path}'`));
    }
    return Promise.resolve(content);
  }

  stat(path: string): Promise<PathInfo | undefined> {
    if (this.statError) return Promise.reject(this.statError);
    const p = norm(path);
    const content = this.files.get(p);
    if (content !== undefined) {
      return Promise.resolve({
        isFile: true,
        isDirectory: false,
        isSymlink: false,
        size: new TextEncoder().encode(content).byteLength,
      });
    }
    if (this.#isDir(p)) {
      return Promise.resolve({ isFile: false, isDirectory: true, isSymlink: false, size: 0 });
    }
    return Promise.resolve(undefined);
  }

  readDir(path: string): Promise<DirEntry[]> {
    const dir = norm(path);
    const names = new Map<string, boolean>();
    const prefix = dir === "/" ? "/" : `${dir}/`;
    for (const p of [...this.files.keys(), ...this.dirs]) {
      if (!p.startsWith(prefix) || p === dir) continue;
      const [name, ...rest] = p.slice(prefix.length).split("/");
      if (name) names.set(name, (names.get(name) ?? false) || rest.length > 0 || this.dirs.has(p));
    }
    return Promise.resolve(
      [...names].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0).map(([name, isDirectory]) => ({
        name,
        isFile: !isDirectory,
        isDirectory,
        isSymlink: false,
      })),
    );
  }

  realPath(path: string): Promise<string> {
    const p = norm(path);
    if (!this.files.has(p) && !this.#isDir(p)) {
      return Promise.reject(new Deno.errors.NotFound(`realpath '${path}'`));
    }
    return Promise.resolve(p);
  }

  writeTextFile(path: string, content: string): Promise<void> {
    if (this.writeError) return Promise.reject(this.writeError);
    this.files.set(norm(path), content);
    return Promise.resolve();
  }

  makeTempDir(prefix: string): Promise<string> {
    const dir = `/tmp/${prefix}${++this.#temp}`;
    this.dirs.add(dir);
    return Promise.resolve(dir);
  }

  remove(path: string): Promise<void> {
    const p = norm(path);
    for (const key of [...this.files.keys()]) {
      if (key === p || key.startsWith(`${p}/`)) this.files.delete(key);
    }
    for (const dir of [...this.dirs]) {
      if (dir === p || dir.startsWith(`${p}/`)) this.dirs.delete(dir);
    }
    return Promise.resolve();
  }

  rename(from: string, to: string): Promise<void> {
    const content = this.files.get(norm(from));
    if (content === undefined) return Promise.reject(new Deno.errors.NotFound(`rename '${from}'`));
    this.files.delete(norm(from));
    this.files.set(norm(to), content);
    return Promise.resolve();
  }

  mkdir(path: string): Promise<void> {
    for (let p = norm(path); p !== "/"; p = posix.dirname(p)) this.dirs.add(p);
    return Promise.resolve();
  }

  #isDir(p: string): boolean {
    if (this.dirs.has(p)) return true;
    const prefix = p === "/" ? "/" : `${p}/`;
    for (const key of this.files.keys()) if (key.startsWith(prefix)) return true;
    for (const dir of this.dirs) if (dir.startsWith(prefix)) return true;
    return false;
  }
}

function norm(path: string): string {
  const p = posix.normalize(posix.isAbsolute(path) ? path : `/${path}`);
  return p.length > 1 && p.endsWith("/") ? p.slice(0, -1) : p;
}
