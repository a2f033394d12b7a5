/**
 * Reading local files safely, and the types of the filesystem ports: the
 * one primitive every read of a local input goes through,
 * {@link readRegularFile} (a regular file, after following symlinks, read up
 * to a byte cap counted while reading), the refusals it throws, and what
 * `stat` and a directory listing tell. `filesystem.ts` builds the
 * `FileSystem` port on it; the read Worker uses it directly.
 *
 * @module
 */
/** What a path is, for decisions and messages. */
export type FileType =
  | "file"
  | "directory"
  | "symlink"
  | "FIFO"
  | "socket"
  | "character device"
  | "block device"
  | "special file";

/** What `stat` tells about a path. */
export interface PathInfo {
  isFile: boolean;
  isDirectory: boolean;
  isSymlink: boolean;
  size: number;
  /** The path's type, symlinks followed. */
  type: FileType;
}

/** One entry of a directory listing. */
export interface DirEntry {
  name: string;
  isFile: boolean;
  isDirectory: boolean;
  isSymlink: boolean;
}

/** Options of {@link FileReader.readTextFile} and {@link readRegularFile}. */
export interface ReadFileOptions {
  /** Largest file read, counted in bytes actually read. @default 1048576 */
  maxBytes?: number;
}

/** The read side of the filesystem: what loaders need. */
export interface FileReader {
  /**
   * Reads a regular file (symlinks followed) as UTF-8, invalid bytes read as
   * U+FFFD; at most `maxBytes`. Throws `Deno.errors.NotFound` when it is
   * missing, {@link NotRegularFileError} or {@link FileTooLargeError}.
   */
  readTextFile(path: string, options?: ReadFileOptions): Promise<string>;
  /** Information about a path, following symlinks; `undefined` when it does not exist. */
  stat(path: string): Promise<PathInfo | undefined>;
  /** Lists a directory, sorted by name. */
  readDir(path: string): Promise<DirEntry[]>;
  /** The canonical absolute path (symlinks resolved). */
  realPath(path: string): Promise<string>;
}

/** What a {@link ConfinedReader} may read. */
export interface ReadScope {
  /**
   * Directories (and single files) that may be read, with everything below
   * them; `"anywhere"` lifts the confinement (`--load-restrictor none`).
   */
  paths: readonly string[] | "anywhere";
  /** Milliseconds one read may take before it is abandoned. @default 30000 */
  timeoutMs?: number;
}

/** A {@link FileReader} confined to a {@link ReadScope}, open until {@link close}. */
export interface ConfinedReader extends FileReader {
  /** Ends the reader (and the Worker behind it); further reads fail. */
  close(): void;
}

/**
 * Why a read failed, for the end of a message that names the file: the
 * refusal's own reason, "the file does not exist", "permission denied", …
 */
export function readFailureReason(error: unknown): string {
  return error instanceof FileRefusedError
    ? error.reason
    : error instanceof Deno.errors.NotFound
    ? "the file does not exist"
    : error instanceof Deno.errors.PermissionDenied || error instanceof Deno.errors.NotCapable
    ? "permission denied"
    : error instanceof Deno.errors.IsADirectory
    ? "it is a directory"
    : "it cannot be read";
}

/** The default of {@link ReadFileOptions.maxBytes}: 1 MiB. */
export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;

/**
 * A file draconctl refuses to read; `reason` is the part after the path, for
 * callers that wrap it in their own message.
 */
export class FileRefusedError extends Error {
  constructor(readonly path: string, readonly reason: string) {
    super(`${path}: ${reason}`);
    this.name = new.target.name;
  }
}

/** The path is a FIFO, device, socket or directory where a regular file is read. */
export class NotRegularFileError extends FileRefusedError {
  constructor(path: string, readonly type: FileType) {
    super(path, `not a regular file (a ${type})`);
  }
}

/** The file holds more than the cap; `size` is what `stat` reported, when that was enough. */
export class FileTooLargeError extends FileRefusedError {
  constructor(path: string, readonly maxBytes: number, readonly size?: number) {
    super(
      path,
      size === undefined
        ? `file is larger than the limit of ${maxBytes} bytes`
        : `file is ${size} bytes, larger than the limit of ${maxBytes} bytes`,
    );
  }
}

/** What {@link PathInfo} says of a `Deno.stat` result (symlinks already followed). */
export function pathInfoOf(info: Deno.FileInfo): PathInfo {
  return {
    isFile: info.isFile,
    isDirectory: info.isDirectory,
    isSymlink: false,
    size: info.size,
    type: fileTypeOf(info),
  };
}

/** The {@link FileType} of what `Deno.stat` (or `lstat`) reported. */
export function fileTypeOf(info: Deno.FileInfo): FileType {
  if (info.isFile) return "file";
  if (info.isDirectory) return "directory";
  if (info.isSymlink) return "symlink";
  if (info.isFifo) return "FIFO";
  if (info.isSocket) return "socket";
  if (info.isCharDevice) return "character device";
  if (info.isBlockDevice) return "block device";
  return "special file";
}

const CHUNK = 64 * 1024;

/**
 * Reads a regular file, symlinks followed: anything else (FIFO, device,
 * socket, directory) is refused from `stat` before it is opened, so a FIFO
 * never blocks. The cap counts the bytes actually read (a device or a
 * `/proc` file reports size 0), so `/dev/zero` ends at `maxBytes + 1`.
 *
 * @example
 * ```ts
 * const bytes = await readRegularFile("task.yaml", { maxBytes: 1024 * 1024 });
 * ```
 *
 * @throws {NotRegularFileError} when `path` is not a regular file
 * @throws {FileTooLargeError} when it holds more than `maxBytes`
 * @throws {Deno.errors.NotFound} when it does not exist (other `Deno.errors` as they come)
 */
export async function readRegularFile(
  path: string,
  options: ReadFileOptions = {},
): Promise<Uint8Array> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_FILE_BYTES;
  checkRegular(path, await Deno.stat(path), maxBytes);
  using file = await Deno.open(path, { read: true });
  // Checked again on the open file: the path may have been swapped since.
  checkRegular(path, await file.stat(), maxBytes);
  return await readAtMost(file, path, maxBytes);
}

/**
 * Reads `source` to its end, refusing it as soon as more than `maxBytes`
 * arrived: memory stays bounded by the cap whatever the source claims.
 *
 * @throws {FileTooLargeError} naming `path` when the source holds more
 */
export async function readAtMost(
  source: { read(into: Uint8Array): Promise<number | null> },
  path: string,
  maxBytes: number,
): Promise<Uint8Array> {
  const buffer = new CappedBuffer(path, maxBytes);
  for (;;) {
    const n = await source.read(buffer.next());
    if (n === null) return buffer.bytes();
    buffer.advance(n);
  }
}

/**
 * {@link readRegularFile} with synchronous calls, decoded as UTF-8: for the
 * read Worker (src/io/_read_worker.ts), whose thread does nothing else, so
 * that a file costs no round trips through Deno's blocking thread pool.
 * The same checks in the same order: `stat` refuses anything but a regular
 * file before it is opened, and the open file is checked again.
 */
export function readRegularTextFileSync(path: string, options: ReadFileOptions = {}): string {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_FILE_BYTES;
  checkRegular(path, Deno.statSync(path), maxBytes);
  using file = Deno.openSync(path, { read: true });
  checkRegular(path, file.statSync(), maxBytes);
  const buffer = new CappedBuffer(path, maxBytes);
  for (let n = file.readSync(buffer.next()); n !== null; n = file.readSync(buffer.next())) {
    buffer.advance(n);
  }
  return new TextDecoder().decode(buffer.bytes());
}

/** {@link readRegularFile}, decoded as UTF-8 (invalid bytes become U+FFFD). */
export async function readRegularTextFile(
  path: string,
  options: ReadFileOptions = {},
): Promise<string> {
  return new TextDecoder().decode(await readRegularFile(path, options));
}

function checkRegular(path: string, info: Deno.FileInfo, maxBytes: number): void {
  if (!info.isFile) throw new NotRegularFileError(path, fileTypeOf(info));
  if (info.size > maxBytes) throw new FileTooLargeError(path, maxBytes, info.size);
}

/** Chunks read so far; refuses the byte past the cap. */
class CappedBuffer {
  readonly #chunks: Uint8Array[] = [];
  #total = 0;
  #current = new Uint8Array(0);

  constructor(readonly path: string, readonly maxBytes: number) {}

  /** Where the next read goes: at most one byte more than the cap allows. */
  next(): Uint8Array {
    this.#current = new Uint8Array(Math.min(CHUNK, this.maxBytes - this.#total + 1));
    return this.#current;
  }

  advance(n: number): void {
    this.#total += n;
    if (this.#total > this.maxBytes) throw new FileTooLargeError(this.path, this.maxBytes);
    this.#chunks.push(this.#current.subarray(0, n));
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.#total);
    let offset = 0;
    for (const chunk of this.#chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }
}

/**
 * The path, or the canonical path it leads to, lies outside the
 * {@link ReadScope}; or, with `systemPath`, it is one Deno lets only
 * `--allow-all` read (`/dev`, `/proc`, `/sys`), which no scope covers.
 */
export class OutsideScopeError extends FileRefusedError {
  constructor(path: string, readonly leadsTo?: string, readonly systemPath = false) {
    const target = leadsTo === undefined ? "" : `leads to "${leadsTo}", `;
    super(
      path,
      systemPath
        ? `${target}a system path Deno lets no scoped reader read (e.g. /dev, /proc, /sys)`
        : `${target}outside the directories this run may read`,
    );
  }
}
