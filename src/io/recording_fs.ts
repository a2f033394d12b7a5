/**
 * A {@link FileSystem} that remembers every file read through it, so a run
 * can tell which paths were its inputs (and refuse to overwrite one).
 *
 * @example
 * ```ts
 * import { DenoFileSystem } from "./filesystem.ts";
 *
 * const fs = new RecordingFileSystem(new DenoFileSystem());
 * await fs.readTextFile("kustomization.yaml");
 * fs.read; // Set { "kustomization.yaml" }
 * ```
 * @module
 */
import type {
  ConfinedReader,
  DirEntry,
  FileSystem,
  PathInfo,
  ReadFileOptions,
  ReadScope,
} from "./filesystem.ts";

/** Delegates to another {@link FileSystem}, recording the paths read. */
export class RecordingFileSystem implements FileSystem {
  /** Every path given to {@link readTextFile} (here or on a confined reader), as given. */
  readonly read = new Set<string>();

  constructor(private readonly inner: FileSystem) {}

  readTextFile(path: string, options?: ReadFileOptions): Promise<string> {
    this.read.add(path);
    return this.inner.readTextFile(path, options);
  }
  confine(scope: ReadScope): ConfinedReader {
    const reader = this.inner.confine(scope);
    const read = this.read;
    return {
      readTextFile(path, options) {
        read.add(path);
        return reader.readTextFile(path, options);
      },
      stat: (path) => reader.stat(path),
      readDir: (path) => reader.readDir(path),
      realPath: (path) => reader.realPath(path),
      close: () => reader.close(),
    };
  }
  stat(path: string): Promise<PathInfo | undefined> {
    return this.inner.stat(path);
  }
  readDir(path: string): Promise<DirEntry[]> {
    return this.inner.readDir(path);
  }
  realPath(path: string): Promise<string> {
    return this.inner.realPath(path);
  }
  writeTextFile(path: string, content: string): Promise<void> {
    return this.inner.writeTextFile(path, content);
  }
  makeTempDir(prefix: string): Promise<string> {
    return this.inner.makeTempDir(prefix);
  }
  remove(path: string): Promise<void> {
    return this.inner.remove(path);
  }
  rename(from: string, to: string): Promise<void> {
    return this.inner.rename(from, to);
  }
  mkdir(path: string): Promise<void> {
    return this.inner.mkdir(path);
  }
}
