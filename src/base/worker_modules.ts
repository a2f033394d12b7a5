/**
 * The modules draconctl runs in Workers, and where each is found: beside its
 * sources (`deno run main.ts`), or beside the bundle (`deno task bundle`
 * writes each one, bundled, next to `dist/draconctl.js`). One table for both,
 * read by the Worker hosts, by scripts/bundle.ts and by scripts/compile.ts.
 *
 * @module
 */

/** The Workers: `read` (src/io/isolated_reader.ts) and `fetch` (src/fetch/isolated_fetcher.ts). */
export type WorkerName = "read" | "fetch";

/** Each Worker's module: its source (from the repository root) and its bundle's file name. */
export const WORKER_MODULES: Readonly<Record<WorkerName, { source: string; bundle: string }>> = {
  read: { source: "src/io/_read_worker.ts", bundle: "draconctl-read-worker.js" },
  fetch: { source: "src/fetch/_fetch_worker.ts", bundle: "draconctl-fetch-worker.js" },
};

/**
 * Whether the module at `url` runs from its sources (a `.ts` file) rather
 * than from the bundle (a `.js` file of `deno task bundle`).
 *
 * @example
 * ```ts
 * fromSources("file:///repo/src/io/cache.ts"); // true
 * fromSources("file:///opt/draconctl/chunk-AB12CD34.js"); // false
 * ```
 */
export function fromSources(url: string): boolean {
  return new URL(url).pathname.endsWith(".ts");
}

/**
 * The URL of Worker `name`'s module, for code running at `here` (this
 * module's URL): from sources (a `.ts` URL) the source file, from a bundle
 * (this module's code then sits in a `.js` file in the bundle's directory)
 * the Worker's bundle beside it.
 *
 * @example
 * ```ts
 * workerModule("read", "file:///opt/draconctl/draconctl.js").href;
 * // "file:///opt/draconctl/draconctl-read-worker.js"
 * ```
 */
export function workerModule(name: WorkerName, here: string = import.meta.url): URL {
  const module = WORKER_MODULES[name];
  return fromSources(here)
    ? new URL(`../../${module.source}`, here)
    : new URL(`./${module.bundle}`, here);
}
