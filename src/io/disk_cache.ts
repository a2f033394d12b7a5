/**
 * The {@link Cache} on disk (docs/cache.md): one file per entry in a
 * directory of the user's own (`cache_dir.ts`: `$DRACONCTL_CACHE_DIR`, else
 * `$XDG_CACHE_HOME/draconctl`, else `$HOME/.cache/draconctl`).
 *
 * - The directory is created `0700`; it must be a directory (not a symlink)
 *   owned by this user and not writable by group or others, else the cache
 *   is off for the run.
 * - An entry is `<key>` holding a header line with the key and the SHA-256
 *   of the value, then the value. It is used only when it is a regular file
 *   (not a symlink: `lstat`, then the opened file's `stat` must be the same
 *   file), owned by this user, at most {@link MAX_ENTRY_BYTES}, and its
 *   header matches: anything else is a miss, and the next write replaces it.
 * - Writes go to a fresh temporary file (`0600`, created exclusively) that
 *   is renamed over the entry: a reader sees the old entry or the new one.
 * - After the run's first write, when the entries hold more than
 *   {@link MAX_CACHE_BYTES} or {@link MAX_CACHE_ENTRIES}, the oldest (by
 *   modification time) are removed down to three quarters of the limit.
 *
 * Every failure (a missing home, a read-only or foreign directory, a denied
 * permission) only turns the cache off, with one debug line (`-v`).
 *
 * @module
 */
import { BUILD_COMMIT } from "../build_info.ts";
import type { Cache } from "./cache.ts";
import { sha256Hex } from "../base/sha256.ts";
import { fromSources } from "../base/worker_modules.ts";
import type { Logger } from "./logger.ts";

/** Largest entry read; a larger file is ignored. */
export const MAX_ENTRY_BYTES = 4 * 1024 * 1024;
/** Most bytes the entries may hold before the oldest are removed. */
export const MAX_CACHE_BYTES = 64 * 1024 * 1024;
/** Most entries before the oldest are removed. */
export const MAX_CACHE_ENTRIES = 4096;
/** The first line's tag: an entry of another format is a miss. */
const HEADER = "draconctl-cache-v1";
const KEY = /^[0-9a-f]{64}$/;

/** Limits of a {@link DiskCache} (tests make them small). */
export interface CacheLimits {
  /** @default MAX_CACHE_BYTES */
  maxBytes?: number;
  /** @default MAX_CACHE_ENTRIES */
  maxEntries?: number;
}

/** {@link Cache} in a directory; see the module documentation. */
export class DiskCache implements Cache {
  readonly #dir: string;
  readonly #logger: Logger | undefined;
  #ready: Promise<{ uid: number | undefined } | undefined> | undefined;
  readonly #digests = new Map<string, Promise<string | undefined>>();
  #evicted = false;
  readonly #maxBytes: number;
  readonly #maxEntries: number;

  constructor(dir: string, logger?: Logger, limits: CacheLimits = {}) {
    this.#dir = dir.replace(/\/+$/, "") || "/";
    this.#logger = logger;
    this.#maxBytes = limits.maxBytes ?? MAX_CACHE_BYTES;
    this.#maxEntries = limits.maxEntries ?? MAX_CACHE_ENTRIES;
  }

  codeDigest(modules: readonly string[]): Promise<string | undefined> {
    const id = JSON.stringify(modules);
    let digest = this.#digests.get(id);
    if (digest === undefined) {
      digest = sourceDigest(modules).catch((error) => {
        if (/^[0-9a-f]{12}$/.test(BUILD_COMMIT)) {
          return `commit:${BUILD_COMMIT}:${Deno.version.deno}`;
        }
        this.#off(`the code's digest cannot be made (${messageOf(error)})`);
        return undefined;
      });
      this.#digests.set(id, digest);
    }
    return digest;
  }

  async get(key: string): Promise<string | undefined> {
    if (!KEY.test(key)) return undefined;
    const ready = await this.#open();
    if (ready === undefined) return undefined;
    const path = `${this.#dir}/${key}`;
    let file: Deno.FsFile | undefined;
    try {
      const info = await Deno.lstat(path);
      if (!this.#trusted(info, ready.uid)) {
        this.#logger?.debug(`cache: ignoring ${path} (not a regular file of this user)`);
        return undefined;
      }
      file = await Deno.open(path, { read: true });
      const opened = await file.stat();
      if (opened.ino !== info.ino || opened.dev !== info.dev || !this.#trusted(opened, ready.uid)) {
        return undefined; // replaced between the two looks
      }
      const bytes = new Uint8Array(opened.size);
      let read = 0;
      while (read < bytes.length) {
        const n = await file.read(bytes.subarray(read));
        if (n === null) break;
        read += n;
      }
      return this.#parse(key, new TextDecoder().decode(bytes.subarray(0, read)), path);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) {
        this.#logger?.debug(`cache: cannot read ${path}: ${messageOf(error)}`);
      }
      return undefined;
    } finally {
      file?.close();
    }
  }

  async put(key: string, value: string): Promise<void> {
    if (!KEY.test(key)) return;
    const ready = await this.#open();
    if (ready === undefined) return;
    const path = `${this.#dir}/${key}`;
    const temp = `${path}.${crypto.randomUUID()}.tmp`;
    try {
      await Deno.writeTextFile(temp, `${HEADER} ${key} ${sha256Hex(value)}\n${value}`, {
        createNew: true,
        mode: 0o600,
      });
      await Deno.rename(temp, path);
    } catch (error) {
      this.#logger?.debug(`cache: cannot write ${path}: ${messageOf(error)}`);
      await Deno.remove(temp).catch(() => {});
      return;
    }
    if (!this.#evicted) {
      this.#evicted = true;
      await this.#evict().catch((error) =>
        this.#logger?.debug(`cache: cannot trim ${this.#dir}: ${messageOf(error)}`)
      );
    }
  }

  #parse(key: string, text: string, path: string): string | undefined {
    const end = text.indexOf("\n");
    const [tag, storedKey, digest] = (end === -1 ? "" : text.slice(0, end)).split(" ");
    const value = text.slice(end + 1);
    if (tag !== HEADER || storedKey !== key || digest !== sha256Hex(value)) {
      this.#logger?.debug(`cache: ignoring ${path} (not an intact entry for its key)`);
      return undefined;
    }
    return value;
  }

  #trusted(info: Deno.FileInfo, uid: number | undefined): boolean {
    return info.isFile && info.size <= MAX_ENTRY_BYTES &&
      (uid === undefined || info.uid === uid) && ((info.mode ?? 0) & 0o022) === 0;
  }

  /** The directory, created and checked once per run; `undefined`: the cache is off. */
  #open(): Promise<{ uid: number | undefined } | undefined> {
    this.#ready ??= (async () => {
      try {
        await Deno.mkdir(this.#dir, { recursive: true, mode: 0o700 });
        const info = await Deno.lstat(this.#dir);
        const uid = await ownUid();
        if (!info.isDirectory) return this.#off(`${this.#dir} is not a directory`);
        if (uid !== undefined && info.uid !== uid) {
          return this.#off(`${this.#dir} belongs to another user`);
        }
        if (((info.mode ?? 0) & 0o022) !== 0) {
          return this.#off(`${this.#dir} is writable by group or others`);
        }
        return { uid };
      } catch (error) {
        return this.#off(`${this.#dir}: ${messageOf(error)}`);
      }
    })();
    return this.#ready;
  }

  #off(reason: string): undefined {
    this.#logger?.debug(`cache: off for this run: ${reason}`);
    return undefined;
  }

  /** Removes the oldest entries (and stale temporary files) when over the limits. */
  async #evict(): Promise<void> {
    const entries: { path: string; size: number; mtime: number }[] = [];
    for await (const entry of Deno.readDir(this.#dir)) {
      const path = `${this.#dir}/${entry.name}`;
      const info = await Deno.lstat(path).catch(() => undefined);
      if (info === undefined || !info.isFile) continue;
      const mtime = info.mtime?.getTime() ?? 0;
      if (entry.name.endsWith(".tmp")) {
        if (Date.now() - mtime > STALE_TEMP_MS) await Deno.remove(path).catch(() => {});
        continue;
      }
      entries.push({ path, size: info.size, mtime });
    }
    let bytes = entries.reduce((sum, e) => sum + e.size, 0);
    if (bytes <= this.#maxBytes && entries.length <= this.#maxEntries) return;
    entries.sort((a, b) => a.mtime - b.mtime);
    let count = entries.length;
    for (const entry of entries) {
      if (bytes <= this.#maxBytes * 0.75 && count <= this.#maxEntries * 0.75) break;
      await Deno.remove(entry.path).catch(() => {});
      bytes -= entry.size;
      count--;
    }
  }
}

/** Temporary files older than this are left over from a killed run. */
const STALE_TEMP_MS = 60 * 60 * 1000;

/** This process's user id (Linux: `/proc/self`); `undefined` where it cannot be read. */
async function ownUid(): Promise<number | undefined> {
  try {
    return (await Deno.stat("/proc/self")).uid ?? undefined;
  } catch {
    return undefined;
  }
}

/**
 * The digest behind {@link Cache.codeDigest}: the source text of each module
 * reached from `modules` along their imports (type-only imports left out: they
 * change no behaviour), bare and `npm:` specifiers by what they resolve to
 * (the package's version), and the Deno version. From the bundle (one
 * `.js` entry), {@link bundleDigest}.
 *
 * @throws when a module's source cannot be read
 */
export async function sourceDigest(modules: readonly string[]): Promise<string> {
  const entry = modules[0];
  if (modules.length === 1 && entry !== undefined && !fromSources(entry)) {
    return await bundleDigest(entry);
  }
  const seen = new Map<string, string>();
  const pending = [...modules];
  while (pending.length > 0) {
    const batch = pending.splice(0).filter((url) => !seen.has(url));
    const texts = await Promise.all(batch.map(async (url) => {
      if (!url.startsWith("file:")) return url;
      return await Deno.readTextFile(new URL(url));
    }));
    batch.forEach((url, i) => {
      if (seen.has(url)) return;
      const text = texts[i]!;
      seen.set(url, text);
      if (!url.startsWith("file:")) return;
      for (const specifier of importsOf(text)) {
        pending.push(
          specifier.startsWith(".") || specifier.startsWith("/")
            ? new URL(specifier, url).href
            : specifier.startsWith("node:")
            ? specifier
            : `resolved:${import.meta.resolve(specifier)}`,
        );
      }
    });
  }
  const parts = [...seen.entries()].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0);
  return sha256Hex(JSON.stringify([
    Deno.version.deno,
    parts.map(([url, text]) => [
      url.replace(/^.*?\/src\//, "src/"),
      sha256Hex(text),
    ]),
  ]));
}

/**
 * The code digest of a bundle (docs/distribution.md) whose entry is
 * `entry`: the name, size and modification time of every `.js` file in its
 * directory (the entry, its chunks, which hold the packages, and the
 * Workers), and the Deno version. esbuild names each chunk by a hash of its
 * content, which holds the hashed names of the chunks it imports, so a
 * rebuild with other code has other names; the size and time catch a file
 * edited in place. (Reading and hashing the whole bundle costs ~12 ms a run,
 * this ~2 ms.)
 */
export async function bundleDigest(entry: string): Promise<string> {
  const dir = new URL(".", entry);
  const names: string[] = [];
  for await (const item of Deno.readDir(dir)) {
    if (item.isFile && item.name.endsWith(".js")) names.push(item.name);
  }
  const files = await Promise.all(names.map(async (name): Promise<[string, number, number]> => {
    const info = await Deno.stat(new URL(name, dir));
    return [name, info.size, info.mtime?.getTime() ?? 0];
  }));
  if (!files.some(([name]) => new URL(name, dir).href === entry)) {
    throw new Deno.errors.NotFound(`the bundle's entry ${entry} is not there`);
  }
  files.sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0);
  return sha256Hex(JSON.stringify([Deno.version.deno, "bundle", files]));
}

/** What stands between `import`/`export` and `from`: a default name, `* as x`, `*`, `{ … }`, or two. */
const CLAUSE = String
  .raw`(?:[\w$]+\s*,\s*(?:\{[^}]*\}|\*\s+as\s+[\w$]+)|\{[^}]*\}|\*\s+as\s+[\w$]+|\*|[\w$]+)`;

/** The specifiers a module's source imports at run time (static and dynamic), in order. */
export function importsOf(source: string): string[] {
  const out: string[] = [];
  const pattern = new RegExp(
    String.raw`(?:^|[\s;])(import|export)\s+(type\s+)?(?:${CLAUSE}\s*from\s*)?["']([^"']+)["']` +
      String.raw`|\bimport\(\s*["']([^"']+)["']\s*\)`,
    "g",
  );
  for (const match of source.matchAll(pattern)) {
    if (match[4] !== undefined) out.push(match[4]);
    else if (match[2] === undefined) out.push(match[3]!);
  }
  return out;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
