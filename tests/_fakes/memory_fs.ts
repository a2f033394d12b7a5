/**
 * An in-memory {@link FileSystem} for tests. Directories exist implicitly as
 * parents of files, or explicitly via `dirs`. Relative paths resolve against
 * `/`. Error knobs make the next calls fail.
 *
 * @module
 */
import { posix } from "node:path";
import {
  type ConfinedReader,
  DEFAULT_MAX_FILE_BYTES,
  type DirEntry,
  type FileSystem,
  FileTooLargeError,
  type FileType,
  NotRegularFileError,
  OutsideScopeError,
  type PathInfo,
  type ReadFileOptions,
  type ReadScope,
} from "../../src/io/filesystem.ts";

/** A {@link FileSystem} held in a `Map`. */
export class MemoryFileSystem implements FileSystem {
  /** File contents by absolute path. */
  readonly files = new Map<string, string>();
  /** Directories with no file in them. */
  readonly dirs = new Set<string>(["/"]);
  /** Special files (FIFOs, devices, sockets) by absolute path: never readable. */
  readonly special = new Map<string, FileType>();
  /** The scopes {@link confine} was called with, in order. */
  readonly scopes: ReadScope[] = [];
  /** How many confined readers were closed. */
  closed = 0;
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

  readTextFile(path: string, options: ReadFileOptions = {}): Promise<string> {
    if (this.readError) return Promise.reject(this.readError);
    const type = this.special.get(norm(path));
    if (type !== undefined) return Promise.reject(new NotRegularFileError(path, type));
    const content = this.files.get(norm(path));
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_FILE_BYTES;
    if (content !== undefined && new TextEncoder().encode(content).length > maxBytes) {
      return Promise.reject(new FileTooLargeError(path, maxBytes));
    }
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
        type: "file",
      });
    }
    const type = this.special.get(p);
    if (type !== undefined) {
      return Promise.resolve({
        isFile: false,
        isDirectory: false,
        isSymlink: false,
        size: 0,
        type,
      });
    }
    if (this.#isDir(p)) {
      return Promise.resolve({
        isFile: false,
        isDirectory: true,
        isSymlink: false,
        size: 0,
        type: "directory",
      });
    }
    return Promise.resolve(undefined);
  }

  readDir(path: string): Promise<DirEntry[]> {
    const dir = norm(path);
    const names = new Map<string, boolean>();
    const prefix = dir === "/" ? "/" : `${dir}/`;
    for (const p of [...this.files.keys(), ...this.dirs, ...this.special.keys()]) {
      if (!p.startsWith(prefix) || p === dir) continue;
      const [name, ...rest] = p.slice(prefix.length).split("/");
      if (name) names.set(name, (names.get(name) ?? false) || rest.length > 0 || this.dirs.has(p));
    }
    return Promise.resolve(
      [...names].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0).map(([name, isDirectory]) => ({
        name,
        isFile: !isDirectory && !this.special.has(`${prefix}${name}`),
        isDirectory,
        isSymlink: false,
      })),
    );
  }

  realPath(path: string): Promise<string> {
    const p = norm(path);
    if (!this.files.has(p) && !this.special.has(p) && !this.#isDir(p)) {
      return Promise.reject(new Deno.errors.NotFound(`realpath '${path}'`));
    }
    return Promise.resolve(p);
  }

  /** A view that refuses paths outside `scope` (lexically: this filesystem has no symlinks). */
  confine(scope: ReadScope): ConfinedReader {
    this.scopes.push(scope);
    const inside = (path: string) =>
      scope.paths === "anywhere" ||
      scope.paths.some((root) => {
        const r = norm(root);
        const p = norm(path);
        return p === r || p.startsWith(r === "/" ? "/" : `${r}/`);
      });
    const guard =
      <A extends unknown[], T>(f: (path: string, ...rest: A) => Promise<T>) =>
      (path: string, ...rest: A): Promise<T> =>
        inside(path) ? f.call(this, path, ...rest) : Promise.reject(new OutsideScopeError(path));
    return {
      readTextFile: guard(this.readTextFile),
      stat: guard(this.stat),
      readDir: guard(this.readDir),
      realPath: guard(this.realPath),
      close: () => void this.closed++,
    };
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
