/**
 * One read Worker for every kustomization of a run whose read scope is the
 * same: `pipelines deploy k1 k2 …` opens a confined reader per kustomization
 * (its directory, the base directory, the values files), and each costs a
 * Worker (an isolate: ~18 ms on the main thread to create, more on its own
 * thread to boot). Kustomizations under the base directory have the same
 * scope once the paths inside another path of the scope are dropped (read
 * access to a directory covers everything below it), so they share one
 * Worker with exactly the permissions each would have had alone: nothing is
 * widened. Kustomizations whose scopes differ (a directory outside the base
 * directory) keep Workers of their own; a Worker with the union of their
 * scopes would let one kustomization read another's files with Deno's check
 * passing, which is the second line of defence the read Worker exists for.
 *
 * @module
 */
import type { ConfinedReader, FileSystem, ReadScope } from "../io/filesystem.ts";

/** The scope with every absolute path that lies inside another one dropped; same permissions. */
export function narrowestScope(scope: ReadScope): ReadScope {
  if (scope.paths === "anywhere") return scope;
  const trimmed = [...new Set(scope.paths.map((p) => p.length > 1 ? p.replace(/\/+$/, "") : p))];
  const inside = (p: string, q: string) =>
    p !== q && p.startsWith("/") && q.startsWith("/") &&
    p.startsWith(q === "/" ? "/" : `${q}/`);
  const paths = trimmed.filter((p) => !trimmed.some((q) => inside(p, q))).sort();
  return { ...scope, paths };
}

/**
 * `fs` whose {@link FileSystem.confine} hands out one reader per distinct
 * (narrowed) scope while it is in use: the shared reader ends when the last
 * reader handed out for it is closed (so Workers of different scopes do not
 * pile up: each is ~10 MB), or at {@link closeAll}.
 */
export class SharedReaders {
  readonly #readers = new Map<string, { reader: ConfinedReader; users: number }>();
  /** How many readers (Workers) were opened: tests read it. */
  opened = 0;

  constructor(private readonly inner: FileSystem) {}

  /** `inner` with a sharing `confine`. */
  fileSystem(): FileSystem {
    const confine = (scope: ReadScope) => this.#confine(scope);
    return new Proxy(this.inner, {
      get(target, key) {
        if (key === "confine") return confine;
        const value = Reflect.get(target, key, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  }

  #confine(scope: ReadScope): ConfinedReader {
    const narrowed = narrowestScope(scope);
    const key = JSON.stringify(narrowed);
    let shared = this.#readers.get(key);
    if (shared === undefined) {
      shared = { reader: this.inner.confine(narrowed), users: 0 };
      this.opened++;
      this.#readers.set(key, shared);
    }
    const { reader } = shared;
    shared.users++;
    let closed = false;
    return {
      readTextFile: (path, options) => reader.readTextFile(path, options),
      stat: (path) => reader.stat(path),
      readDir: (path) => reader.readDir(path),
      realPath: (path) => reader.realPath(path),
      close: () => {
        if (closed) return;
        closed = true;
        if (--shared.users === 0 && this.#readers.get(key) === shared) {
          this.#readers.delete(key);
          reader.close();
        }
      },
    };
  }

  /** Ends every reader still open. */
  closeAll(): void {
    for (const { reader } of this.#readers.values()) reader.close();
    this.#readers.clear();
  }
}
